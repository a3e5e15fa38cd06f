/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meas: the ADC pipeline. Oversampled current sensors with gain, offset and
 * zero calibration, range selection and plausibility between two sensors;
 * NTC inputs (beta or Steinhart-Hart) with open/short detection; humidity;
 * supply voltage; and the charge integrator. Pure: raw counts and the
 * period they cover come in, engineering values come out.
 */
#ifndef MEAS_H
#define MEAS_H

#include <stdbool.h>
#include <stdint.h>

#include "../hal/hal_adc.h"
#include "../proto/bp.h"

#define MEAS_ZERO_CAL_MS 1000u /* length of a zero-calibration average */

/* What a current reading that is not a value stands for. */
enum meas_range {
	MEAS_RANGE_OK = 0,   /* a value (or no sensor configured) */
	MEAS_RANGE_POS,      /* at a rail or beyond range_mA: over-current, charging */
	MEAS_RANGE_NEG,      /* the same, discharging */
	MEAS_RANGE_FAULT,    /* the reference input at a rail: the current is unknown */
};

struct meas_out {
	int32_t mA[BP_NUM_CURRENT]; /* per sensor; BP_CURRENT_MA_NA if invalid */
	uint8_t range[BP_NUM_CURRENT]; /* per sensor, enum meas_range */
	int32_t I_mA;               /* the selected current; BP_CURRENT_MA_NA if none */
	/* With I_mA NA: MEAS_RANGE_POS or _NEG when the widest sensor is
	 * saturated or beyond its range (an over-current in that direction),
	 * MEAS_RANGE_FAULT when it is faulted, so the current is unknown.
	 * MEAS_RANGE_OK with a value, or with no sensor configured. */
	uint8_t I_range;
	uint8_t cur_flags;          /* enum bp_current_flag */
	int16_t t_dC[BP_NUM_NTC];   /* BP_TEMP_DC_NA unless ntc_state is OK */
	uint8_t ntc_state[BP_NUM_NTC];
	uint16_t rh_dpct;           /* 0xFFFF unless hum_state is OK */
	uint8_t hum_state;
	uint16_t supply_mV;
	uint64_t in_mAs, out_mAs;   /* monotonic charge counters */
};

/* Charge integrator: I x t with the sub-mAs remainder carried, so nothing
 * is lost however small the current or short the period. */
struct integ {
	uint64_t in_mAs, out_mAs;
	int64_t rem_in_nAs, rem_out_nAs; /* remainders, 0..999999 nA*s */
};

void integ_init(struct integ *g, uint64_t in_mAs, uint64_t out_mAs);
void integ_add(struct integ *g, int32_t mA, uint32_t period_us);

struct meas {
	struct bp_config cfg;
	const struct hal_adc_info *info;
	struct meas_out out;
	struct integ integ;
	int32_t zero_uV[BP_NUM_CURRENT];      /* added by zero calibration */
	/* zero calibration, private */
	int64_t cal_acc[BP_NUM_CURRENT];
	uint32_t cal_us[BP_NUM_CURRENT];
	uint32_t cal_n[BP_NUM_CURRENT];
	bool cal_busy[BP_NUM_CURRENT];
	bool cal_done[BP_NUM_CURRENT];        /* result ready, cleared by meas_cal_take */
	bool s2_selected;                     /* hysteresis of range selection */
};

void meas_init(struct meas *m, const struct hal_adc_info *info);

/* Apply sensor calibration and limits from a verified config. Keeps the
 * charge counters and zero-calibration offsets. */
void meas_configure(struct meas *m, const struct bp_config *c);

/* Process one block of scans: average them (oversampling), convert, select
 * the current, integrate it over b->period_us, classify the sensors. */
void meas_feed(struct meas *m, const struct hal_adc_block *b);

/* Begin averaging sensor @s's output at zero current for MEAS_ZERO_CAL_MS. */
void meas_zero_cal_start(struct meas *m, uint8_t s);

/* If sensor @s finished a zero calibration, return true with its new
 * offset in @uV (once). */
bool meas_cal_take(struct meas *m, uint8_t s, int32_t *uV);

/* --- the math, exposed for tests -------------------------------------- */

/* Current in mA from the output-minus-reference voltage. */
int32_t meas_current_mA(int32_t dv_uV, const struct bp_cs_cfg *cs, int32_t zero_uV);

/* Classify an NTC reading and compute its resistance. Returns an
 * enum bp_sensor_state; @r_ohm is set when OK. */
uint8_t meas_ntc_resistance(uint32_t counts, uint32_t full_scale, uint32_t pullup_ohm,
			    uint32_t *r_ohm);

/* Temperature in dC from a resistance, per the NTC model. */
int16_t meas_ntc_dC(uint32_t r_ohm, const struct bp_ntc_cfg *n);

/* Natural logarithm, freestanding (no libm on the MCU). */
float meas_lnf(float x);

#endif
