/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pack: the physical battery of bms-sim (docs/bms-sim.md).
 *
 * Cells with their own capacity, internal resistance and state of charge
 * on an OCV(SOC) table; one lumped thermal mass with a heater and a path to
 * ambient; the current that the scenario demands, flowing only while the
 * relays of its path are closed; and the sensors the bridge reads: current
 * sensors with gain error, offset and noise, external NTCs, humidity and
 * supply, delivered as raw ADC counts. Everything is deterministic for a
 * given seed and is advanced only by pack_step(), in pack time.
 *
 * Boards, cells and sensors are indexed from 0 here; the scenario language
 * counts from 1.
 */
#ifndef PACK_H
#define PACK_H

#include <stdbool.h>
#include <stdint.h>

#include "../../hal/hal_adc.h"

#define PACK_MAX_BOARDS 32
#define PACK_MAX_CELLS 24  /* per board */
#define PACK_MAX_TEMPS 8   /* per board */
#define PACK_NUM_CS 2      /* current-sensor inputs */
#define PACK_NUM_NTC 2     /* external NTC inputs: 0 = ambient, 1 = pack */

/* Cell chemistry: which OCV(SOC) table the cells follow. */
enum pack_chem {
	PACK_CHEM_LFP = 0, /* 2.50 V empty, plateau near 3.30 V, 3.60 V full */
	PACK_CHEM_NMC = 1, /* 3.00 V empty, 4.20 V full */
};

/* State of a temperature sensor (external NTC or a board's cell sensor). */
enum pack_sensor {
	PACK_SENSOR_OK = 0,
	PACK_SENSOR_OPEN = 1,
	PACK_SENSOR_SHORT = 2,
};

/* One Hall current sensor as the hardware behaves:
 * out = vref + offset + I * mV_per_A * (1 + gain_err_pct / 100) + noise,
 * with the reference line at vref. I > 0 is charging. */
struct pack_cs_model {
	bool fitted;         /* not fitted: output and reference read 0 */
	double mV_per_A;     /* nominal sensitivity */
	double gain_err_pct; /* true sensitivity = nominal * (1 + err / 100) */
	double offset_mV;    /* output minus reference at zero current */
	double noise_mV;     /* white Gaussian noise on the output, RMS */
	double vref_mV;      /* reference line */
};

struct pack_cfg {
	uint8_t boards;              /* 1..PACK_MAX_BOARDS Logic boards */
	uint8_t cells;               /* 1..PACK_MAX_CELLS cells per board */
	uint8_t temps;               /* 0..PACK_MAX_TEMPS sensors per board */
	uint8_t chem;                /* enum pack_chem */
	double capacity_mAh;         /* nominal cell capacity */
	double capacity_spread_pct;  /* each cell within +/- this of nominal */
	double r_mohm;               /* nominal internal resistance at 25 degC */
	double r_spread_pct;         /* each cell within +/- this of nominal */
	double soc_pct;              /* initial SOC of every cell */
	int16_t ambient_dC;          /* initial ambient and pack temperature */
	double heat_capacity_J_per_K; /* whole pack; 0: 2000 J/K per cell */
	double conductance_W_per_K;  /* pack to ambient; 0: 0.5 W/K per cell */
	double heater_W;             /* heater power while its relays are closed */
	double bleed_mA;             /* balancing current of one bleeding cell */
	int16_t sensor_spread_dC;    /* cell sensors read pack temp +/- this */
	struct pack_cs_model cs[PACK_NUM_CS];
	struct hal_adc_info adc;     /* conversion to counts, as the board's */
	uint16_t ntc_beta_K;         /* external NTCs: beta model */
	uint32_t ntc_r25_ohm;
	double hum_mV_at_0;          /* humidity sensor: mV = at_0 + per_pct * RH */
	double hum_mV_per_pct;
	double humidity_pct;         /* initial relative humidity */
	uint32_t supply_mV;          /* V+ of the board */
	uint8_t charge_mask;         /* relays that must all be closed to charge */
	uint8_t discharge_mask;      /* ... to discharge (empty mask: always) */
	uint8_t heater_mask;         /* ... to heat (empty mask: no heater) */
	uint64_t seed;               /* cell spreads, sensor offsets and noise */
};

struct pack {
	struct pack_cfg cfg;
	/* per cell */
	double soc[PACK_MAX_BOARDS][PACK_MAX_CELLS];     /* 0..1 */
	double cap_mAh[PACK_MAX_BOARDS][PACK_MAX_CELLS];
	double r_mohm[PACK_MAX_BOARDS][PACK_MAX_CELLS];  /* at 25 degC */
	int32_t forced_mV[PACK_MAX_BOARDS][PACK_MAX_CELLS]; /* < 0: not forced */
	uint32_t bal_mask[PACK_MAX_BOARDS];              /* from the boards */
	/* per cell temperature sensor */
	int16_t t_off_dC[PACK_MAX_BOARDS][PACK_MAX_TEMPS];
	int16_t forced_dC[PACK_MAX_BOARDS][PACK_MAX_TEMPS]; /* INT16_MIN: not forced */
	uint8_t cell_ntc[PACK_MAX_BOARDS][PACK_MAX_TEMPS];  /* enum pack_sensor */
	/* environment and sensors */
	uint8_t ntc[PACK_NUM_NTC];   /* enum pack_sensor */
	double temp_C;               /* lumped pack temperature */
	double ambient_C;
	double humidity_pct;
	uint32_t supply_mV;
	double heat_J_per_K, cond_W_per_K;
	/* current and charge */
	int32_t demand_mA;
	uint8_t contacts;            /* relay contacts of the last step */
	uint64_t in_mAs, out_mAs;    /* exact: whole mAs plus ... */
	uint64_t in_rem, out_rem;    /* ... the remainder in mA*us, < 1e6 */
	uint64_t t_us;               /* pack time */
	uint64_t rng;                /* noise generator state */
};

/* Fill @c with the defaults: 1 board of 16 LFP cells and 4 sensors, 100 Ah,
 * 1 % capacity spread, 1.0 mohm +/- 10 %, 50 % SOC, 25.0 degC, a 500 W
 * heater; sensor 1 at 10 mV/A, sensor 2 at 2 mV/A, both on a 2500 mV
 * reference with 1 mV RMS noise; a 12-bit ADC over 0..5 V (supply over
 * 0..40 V); beta-3950 10 kohm NTCs on a 10 kohm pull-up; humidity
 * mV = 800 + 30 * RH at 40 %RH; 24 V supply; relay roles of the Main 2.1
 * (relay 1 discharge, 2 and 3 charge, 4 heater); seed 1. */
void pack_default_cfg(struct pack_cfg *c);

/* Build the pack from @cfg. Values out of range are clamped into range
 * (geometry, SOC, percentages). Deterministic for a given cfg->seed. */
void pack_init(struct pack *p, const struct pack_cfg *cfg);

/* Advance pack time by @dt_us with the relay contacts @contacts (bit n =
 * relay n+1 closed) standing for the whole step: current, charge counters,
 * every cell's SOC (with balancing bleed), temperatures. Stable for any
 * step length; steps up to 100 ms agree with finer ones. */
void pack_step(struct pack *p, uint64_t dt_us, uint8_t contacts);

/* Open-circuit voltage of a cell of chemistry @chem at @soc_pct (clamped
 * to 0..100), interpolated in the chemistry's table. */
double pack_ocv_mV(uint8_t chem, double soc_pct);

/* --- the truth --------------------------------------------------------- */

/* Voltage of cell @c on board @b: the forced value if any, else OCV plus
 * the IR drop of its current (charging raises it; resistance grows by 2 %
 * per degC below 25 degC). 0 outside the geometry. */
uint16_t pack_cell_mV(const struct pack *p, int b, int c);

/* Reading of cell temperature sensor @t on board @b: the forced value if
 * any, else pack temperature plus the sensor's fixed offset. Sensor faults
 * do not change it (they show in pack_to_boards()). INT16_MIN outside the
 * geometry. */
int16_t pack_temp_dC(const struct pack *p, int b, int t);

/* SOC of one cell, 0..100; -1 outside the geometry. */
double pack_cell_soc_pct(const struct pack *p, int b, int c);

/* Current flowing now, mA, + = charging: the demand if the relays of its
 * path were closed at the last step, else 0. */
int32_t pack_current_mA(const struct pack *p);

/* Average and minimum SOC of all cells, 0..100. */
double pack_soc_pct(const struct pack *p);
double pack_soc_min_pct(const struct pack *p);

/* Charge that truly flowed in (charging) and out since pack_init(), whole
 * mA*s; kept exactly (no rounding accumulates). */
uint64_t pack_charge_in_mAs(const struct pack *p);
uint64_t pack_charge_out_mAs(const struct pack *p);

/* Lumped pack temperature, dC. */
int16_t pack_pack_dC(const struct pack *p);

/* Temperature at external NTC @n (0 ambient, 1 pack), dC. */
int16_t pack_ext_dC(const struct pack *p, int n);

/* True while the heater's relays were closed at the last step. */
bool pack_heater_on(const struct pack *p);

/* --- the sensors ------------------------------------------------------- */

/* One ADC scan as the board would convert it now: current sensors through
 * their model (noise from the pack's generator, so successive scans
 * differ), external NTCs on their pull-up (open = full scale, short = 0),
 * humidity and supply. Counts are clamped to 0..full scale. */
void pack_adc_scan(struct pack *p, struct hal_adc_scan *s);

/* --- the Logic boards -------------------------------------------------- */

struct simbus;

/* Publish cell voltages, temperatures and cell sensor faults (a bit in
 * ntc_fault per faulted sensor; the board then reports that sensor as
 * faulted instead of its reading) to the simulated boards, and set each
 * board's cell and sensor counts and the board count. */
void pack_to_boards(const struct pack *p, struct simbus *bus);

/* Take the balancing masks that the master wrote into the boards. */
void pack_from_boards(struct pack *p, const struct simbus *bus);

/* --- forcing and setting ----------------------------------------------- *
 * Each returns 0, or -1 when an index or value is out of range. */

/* Force cell @c of board @b to read @mV (0..65535); @mV < 0 releases it. */
int pack_force_cell(struct pack *p, int b, int c, int32_t mV);

/* Force cell sensor @t of board @b to @dC; INT16_MIN releases it. */
int pack_force_temp(struct pack *p, int b, int t, int16_t dC);

/* External NTC @n (0..1) becomes @state (enum pack_sensor). */
int pack_set_ntc_fault(struct pack *p, int n, uint8_t state);

/* Cell temperature sensor @t of board @b becomes @state. */
int pack_set_cell_ntc_fault(struct pack *p, int b, int t, uint8_t state);

/* Set every cell's SOC to @pct (0..100). */
int pack_set_soc(struct pack *p, double pct);

/* Demanded current, mA, + = charging. */
void pack_set_demand(struct pack *p, int32_t mA);

/* Ambient temperature (the pack drifts toward it). */
void pack_set_ambient(struct pack *p, int16_t dC);

/* Relative humidity at the humidity sensor, 0..100 %. */
int pack_set_humidity(struct pack *p, double pct);

/* Supply voltage V+ of the board. */
void pack_set_supply(struct pack *p, uint32_t mV);

#endif
