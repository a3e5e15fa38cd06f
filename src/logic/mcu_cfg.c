/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcu_cfg: the bridge MCU's configuration, as the configuration push
 * carries it, built in one place: the hardware, the sensors and the floor's
 * own limits from the configuration, then the floor's cell, temperature
 * and short-circuit limits tightened to follow the critical protections.
 */
#include <stdint.h>

#include "mcu_cfg.h"
#include "prot.h"

/* Round half away from zero: q = num / den, den > 0. */
static int64_t div_round(int64_t num, int64_t den)
{
	return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

void cfg_to_bp(const struct cfg *c, struct bp_config *out)
{
	struct bp_config b = { 0 };
	unsigned int i, n = 0;

	b.board_count = (uint8_t)c->pack.boards;
	b.cells_per_board = (uint8_t)c->pack.cells_per_board;
	b.temps_per_board = (uint8_t)c->pack.temps_per_board;
	b.heartbeat_timeout_ms = (uint16_t)c->safety_floor.heartbeat_timeout_ms;
	b.logic_offline_ms = (uint16_t)c->pack.logic_offline_ms;
	b.cell_crit_high_mV = (uint16_t)c->safety_floor.cell_high_mV;
	b.cell_crit_low_mV = (uint16_t)c->safety_floor.cell_low_mV;
	b.temp_crit_high_dC = (int16_t)c->safety_floor.temp_high_dC;
	b.temp_crit_low_dC = (int16_t)c->safety_floor.temp_low_dC;
	b.short_circuit_mA = c->safety_floor.short_circuit_mA;
	b.plausibility_mA = c->current_sensors.plausibility_mA;
	b.di_debounce_ms = (uint8_t)c->inputs.debounce_ms;
	/* the bridge takes sensors 1..n: sensor 2 only alongside sensor 1 */
	for (i = 0; i < BP_NUM_CURRENT && c->current_sensors.cs[i].enabled; i++) {
		const struct cfg_current_sensor *s = &c->current_sensors.cs[i];

		/* uA per mV = 1e9 / (uV per A) */
		b.cs[i].gain_uA_per_mV = (int32_t)div_round(1000000000, s->sensitivity_uV_per_A < 0
							      ? -(int64_t)s->sensitivity_uV_per_A
							      : s->sensitivity_uV_per_A);
		if (s->sensitivity_uV_per_A < 0)
			b.cs[i].gain_uA_per_mV = -b.cs[i].gain_uA_per_mV;
		b.cs[i].offset_uV = s->offset_uV;
		b.cs[i].range_mA = s->range_mA;
		n++;
	}
	b.current_sensors = (uint8_t)n;
	for (i = 0; i < BP_NUM_NTC && i < CFG_NTCS; i++) {
		const struct cfg_ntc *t = &c->temperature_sensors.t[i];

		switch (t->model) {
		case CFG_NTC_BETA:
			b.ntc[i].model = BP_NTC_BETA;
			b.ntc[i].beta_K = (uint16_t)t->beta_K;
			b.ntc[i].r25_ohm = t->r25_ohm;
			break;
		case CFG_NTC_STEINHART:
			b.ntc[i].model = BP_NTC_STEINHART;
			b.ntc[i].sh_a = (float)t->sh_a;
			b.ntc[i].sh_b = (float)t->sh_b;
			b.ntc[i].sh_c = (float)t->sh_c;
			break;
		default:
			b.ntc[i].model = BP_NTC_NONE;
			break;
		}
		if (t->model != CFG_NTC_NONE && t->floor_trip)
			b.ntc_enable |= (uint8_t)(1u << i);
	}
	b.cell_ntc.model = BP_NTC_NONE;
	if (c->humidity.enabled && c->humidity.sensitivity_uV_per_pct) {
		/* 0.1 %RH per V = 1e7 / (uV per %RH) */
		b.hum_gain_dpct_per_V =
			(int16_t)div_round(10000000, (int64_t)c->humidity.sensitivity_uV_per_pct);
		b.hum_offset_mV = (int16_t)c->humidity.offset_mV;
	}
	/* the MCU drives the alarm outputs itself while its floor holds the pack */
	for (i = 0; i < BP_NUM_DO && i < CFG_OUTPUTS; i++) {
		if (c->outputs.out[i].role != CFG_OUT_ALARM)
			continue;
		b.alarm_dos |= (uint8_t)(1u << i);
		if (c->outputs.out[i].invert)
			b.alarm_dos_invert |= (uint8_t)(1u << i);
	}
	*out = b;
}

void mcu_cfg_build(const struct cfg *c, struct bp_config *out)
{
	cfg_to_bp(c, out);
	prot_floor_limits(&c->protections, out);
}
