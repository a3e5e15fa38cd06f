/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "simcfg.h"

void simcfg_default(struct bp_config *c, uint8_t boards, uint8_t cells, uint8_t temps)
{
	struct bp_config z = { 0 };

	*c = z;
	c->board_count = boards;
	c->cells_per_board = cells;
	c->temps_per_board = temps;
	c->current_sensors = 2;
	c->heartbeat_timeout_ms = BP_HEARTBEAT_DEFAULT_MS;
	c->logic_offline_ms = 1000;
	c->cell_crit_high_mV = 3800;
	c->cell_crit_low_mV = 2000;
	c->temp_crit_high_dC = 650;
	c->temp_crit_low_dC = -300;
	c->short_circuit_mA = 1000000;
	c->plausibility_mA = 5000;
	c->di_debounce_ms = 20;
	c->ntc_enable = 0x3;
	/* 10 mV/A and 2 mV/A Hall sensors: 1e6 / (mV per A) uA per mV */
	c->cs[0].gain_uA_per_mV = 100000;
	c->cs[0].offset_uV = 0;
	c->cs[0].range_mA = 240000;
	c->cs[1].gain_uA_per_mV = 500000;
	c->cs[1].offset_uV = 0;
	c->cs[1].range_mA = 1200000;
	for (unsigned int i = 0; i < BP_NUM_NTC; i++) {
		c->ntc[i].model = BP_NTC_BETA;
		c->ntc[i].beta_K = 3950;
		c->ntc[i].r25_ohm = 10000;
	}
	c->cell_ntc.model = BP_NTC_NONE;
	/* humidity: mV = 800 + 30 * RH, so 0.1 %RH per V = 1000 / 3 */
	c->hum_gain_dpct_per_V = 333;
	c->hum_offset_mV = 800;
	c->alarm_dos = 0x1; /* DO 1: the profiles' alarm output */
}
