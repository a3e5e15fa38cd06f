/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "port/host/pack.h"
#include "port/host/simboard.h"

#define CHARGE 0x6u    /* default charge path: relays 2 and 3 */
#define DISCHARGE 0x1u /* default discharge path: relay 1 */
#define HEATER 0x8u
#define ALL 0xFu

static struct pack pk, pk2;
static struct simbus bus;

static void cfg_plain(struct pack_cfg *c)
{
	pack_default_cfg(c);
	c->boards = 2;
	c->cells = 4;
	c->temps = 2;
	c->capacity_spread_pct = 0;
	c->r_spread_pct = 0;
}

static void test_ocv_monotonic(void)
{
	uint8_t chem;

	for (chem = PACK_CHEM_LFP; chem <= PACK_CHEM_NMC; chem++) {
		double prev = pack_ocv_mV(chem, 0.0);
		double s;

		for (s = 0.25; s <= 100.0; s += 0.25) {
			double v = pack_ocv_mV(chem, s);

			CU_ASSERT(v > prev);
			prev = v;
		}
	}
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, 0), 2500, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, 90), 3350, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, 99), 3450, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, 100), 3600, 1e-9);
	CU_ASSERT(fabs(pack_ocv_mV(PACK_CHEM_LFP, 50) - 3300) < 20);
	/* the plateau is flat: 20..80 % spans less than 100 mV */
	CU_ASSERT(pack_ocv_mV(PACK_CHEM_LFP, 80) - pack_ocv_mV(PACK_CHEM_LFP, 20) < 100);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_NMC, 0), 3000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_NMC, 100), 4200, 1e-9);
	/* clamped outside 0..100, NaN reads as empty */
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, -5), 2500, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_LFP, 150), 3600, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(PACK_CHEM_NMC, NAN), 3000, 1e-9);
	/* an unknown chemistry code falls back to LFP */
	CU_ASSERT_DOUBLE_EQUAL(pack_ocv_mV(7, 100), 3600, 1e-9);
}

static void test_defaults_and_clamps(void)
{
	struct pack_cfg c;

	pack_default_cfg(&c);
	CU_ASSERT_EQUAL(c.boards, 1);
	CU_ASSERT_EQUAL(c.cells, 16);
	CU_ASSERT_EQUAL(c.temps, 4);
	CU_ASSERT_DOUBLE_EQUAL(c.capacity_mAh, 100000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.soc_pct, 50, 1e-9);
	CU_ASSERT_EQUAL(c.ambient_dC, 250);
	CU_ASSERT_EQUAL(c.adc.full_scale, 4095);
	CU_ASSERT_EQUAL(c.adc.ntc_pullup_ohm, 10000);
	CU_ASSERT_DOUBLE_EQUAL(c.cs[0].vref_mV, 2500, 1e-9);
	pack_init(&pk, &c);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), 50, 1e-9);
	CU_ASSERT_EQUAL(pack_pack_dC(&pk), 250);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 0);
	/* the LFP plateau at rest */
	CU_ASSERT(abs((int)pack_cell_mV(&pk, 0, 15) - 3295) <= 1);

	c.boards = 0;
	c.cells = 30;
	c.temps = 9;
	c.soc_pct = 150;
	c.chem = 9;
	pack_init(&pk, &c);
	CU_ASSERT_EQUAL(pk.cfg.boards, 1);
	CU_ASSERT_EQUAL(pk.cfg.cells, 24);
	CU_ASSERT_EQUAL(pk.cfg.temps, 8);
	CU_ASSERT_EQUAL(pk.cfg.chem, PACK_CHEM_LFP);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), 100, 1e-9);

	c.boards = 40;
	c.chem = PACK_CHEM_NMC;
	c.soc_pct = 50;
	pack_init(&pk, &c);
	CU_ASSERT_EQUAL(pk.cfg.boards, 32);
	CU_ASSERT(abs((int)pack_cell_mV(&pk, 31, 23) - 3740) <= 1);
	/* outside the geometry */
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 32, 0), 0);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 0, 24), 0);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, -1, 0), 0);
	CU_ASSERT_EQUAL(pack_temp_dC(&pk, 0, 8), INT16_MIN);
	CU_ASSERT_DOUBLE_EQUAL(pack_cell_soc_pct(&pk, 0, -1), -1, 1e-9);
}

/* 1C from empty to full takes an hour of pack time. */
static void test_charge_1c_one_hour(void)
{
	struct pack_cfg c;
	uint64_t t_s = 0;

	cfg_plain(&c);
	c.soc_pct = 0;
	pack_init(&pk, &c);
	pack_set_demand(&pk, 100000);
	while (pack_soc_pct(&pk) < 100.0 && t_s < 10000) {
		pack_step(&pk, 1000000, CHARGE);
		t_s++;
	}
	CU_ASSERT(t_s >= 3599 && t_s <= 3601);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_min_pct(&pk), 100, 1e-6);
	CU_ASSERT_EQUAL(pk.t_us, t_s * 1000000u);

	/* with the default 1 % capacity spread: the first cell is full
	 * within the spread of an hour, and SOC stays clamped after */
	pack_default_cfg(&c);
	c.soc_pct = 0;
	pack_init(&pk, &c);
	pack_set_demand(&pk, 100000);
	t_s = 0;
	while (pack_soc_min_pct(&pk) < 100.0 && t_s < 10000) {
		pack_step(&pk, 1000000, CHARGE);
		t_s++;
	}
	CU_ASSERT(t_s > 3600 && t_s <= 3636 + 1);
	pack_step(&pk, 600000000, CHARGE);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), 100, 1e-9);
	/* a full cell under charge reads above its OCV */
	CU_ASSERT(pack_cell_mV(&pk, 0, 0) > 3600);
}

static void test_charge_counters_exact(void)
{
	static const uint64_t dts[] = { 1, 333, 1000, 7777, 999999, 1000001, 360000000u };
	struct pack_cfg c;
	double in_exact = 0, out_exact = 0;
	unsigned int i, round;

	cfg_plain(&c);
	pack_init(&pk, &c);
	for (round = 0; round < 50; round++)
		for (i = 0; i < sizeof(dts) / sizeof(dts[0]); i++) {
			int32_t I = (round & 1) ? -12347 : 98765;

			pack_set_demand(&pk, I);
			pack_step(&pk, dts[i], ALL);
			if (I > 0)
				in_exact += (double)I * (double)dts[i];
			else
				out_exact += -(double)I * (double)dts[i];
		}
	/* mA*us totals stay exact in double below 2^53 */
	CU_ASSERT(in_exact < 9007199254740992.0);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), (uint64_t)(in_exact / 1e6));
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), (uint64_t)(out_exact / 1e6));
	CU_ASSERT(pack_charge_in_mAs(&pk) > 0);

	/* tiny currents over tiny steps are not lost */
	pack_init(&pk, &c);
	pack_set_demand(&pk, 1);
	for (i = 0; i < 300000; i++)
		pack_step(&pk, 7, CHARGE);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), 2); /* 2.1 mAs */
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), 0);
}

static void test_current_needs_contacts(void)
{
	struct pack_cfg c;
	double soc0;

	cfg_plain(&c);
	pack_init(&pk, &c);
	soc0 = pack_soc_pct(&pk);
	pack_set_demand(&pk, 50000);
	pack_step(&pk, 60000000, 0);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 0);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), 0);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), soc0, 1e-12);
	/* half the path is no path */
	pack_step(&pk, 60000000, 0x4);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 0);
	pack_step(&pk, 60000000, DISCHARGE);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 0);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), 0);
	pack_step(&pk, 60000000, CHARGE);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 50000);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), 50000u * 60u);
	CU_ASSERT(pack_soc_pct(&pk) > soc0);

	pack_set_demand(&pk, -20000);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), 0); /* charge path only */
	pack_step(&pk, 1000000, CHARGE);
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), 0);
	pack_step(&pk, 1000000, DISCHARGE);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), -20000);
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), 20000);

	/* no relay named for a path: it is always closed */
	c.discharge_mask = 0;
	pack_init(&pk, &c);
	pack_set_demand(&pk, -1000);
	pack_step(&pk, 1000000, 0);
	CU_ASSERT_EQUAL(pack_current_mA(&pk), -1000);
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), 1000);
}

static void test_heater(void)
{
	struct pack_cfg c;
	int i;

	cfg_plain(&c);
	pack_init(&pk, &c);
	pack_step(&pk, 3600000000u, 0x7);
	CU_ASSERT_EQUAL(pack_pack_dC(&pk), 250);
	CU_ASSERT(!pack_heater_on(&pk));
	for (i = 0; i < 3600; i++)
		pack_step(&pk, 1000000, HEATER);
	CU_ASSERT(pack_heater_on(&pk));
	/* 8 cells: 16 kJ/K, 4 W/K; 500 W for an hour is tens of degrees */
	CU_ASSERT(pack_pack_dC(&pk) > 250 + 200);
	/* never beyond the steady state ambient + P / G */
	CU_ASSERT(pack_pack_dC(&pk) < 250 + 2500);
	CU_ASSERT(pack_temp_dC(&pk, 1, 1) > 250 + 190);
	CU_ASSERT_EQUAL(pack_ext_dC(&pk, 0), 250);
	CU_ASSERT_EQUAL(pack_ext_dC(&pk, 1), pack_pack_dC(&pk));
	/* heater off: cools back toward a cold ambient */
	pack_set_ambient(&pk, -100);
	pack_step(&pk, 72000000000u, 0);
	CU_ASSERT(abs(pack_pack_dC(&pk) - (-100)) <= 1);
	CU_ASSERT_EQUAL(pack_ext_dC(&pk, 0), -100);

	/* an empty heater mask means no heater */
	c.heater_mask = 0;
	pack_init(&pk, &c);
	pack_step(&pk, 3600000000u, ALL);
	CU_ASSERT(!pack_heater_on(&pk));
	CU_ASSERT_EQUAL(pack_pack_dC(&pk), 250);
}

static void test_losses_heat(void)
{
	struct pack_cfg c;

	cfg_plain(&c);
	pack_init(&pk, &c);
	pack_set_demand(&pk, -100000);
	pack_step(&pk, 1800000000u, DISCHARGE);
	CU_ASSERT(pack_pack_dC(&pk) > 260);
}

static void test_cold_raises_voltage(void)
{
	struct pack_cfg c;
	int warm, cold;

	cfg_plain(&c);
	pack_init(&pk, &c);
	c.ambient_dC = -100;
	pack_init(&pk2, &c);
	/* at rest both sit on the OCV */
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 0, 0), pack_cell_mV(&pk2, 0, 0));
	pack_set_demand(&pk, 100000);
	pack_set_demand(&pk2, 100000);
	pack_step(&pk, 0, CHARGE);
	pack_step(&pk2, 0, CHARGE);
	warm = pack_cell_mV(&pk, 0, 0);
	cold = pack_cell_mV(&pk2, 0, 0);
	/* 100 A * 1 mohm = 100 mV; 35 degC below 25 is 70 % more */
	CU_ASSERT(abs(warm - (int)lround(pack_ocv_mV(PACK_CHEM_LFP, 50)) - 100) <= 1);
	CU_ASSERT(abs(cold - warm - 70) <= 1);
	/* discharging pulls it below the OCV */
	pack_set_demand(&pk, -100000);
	pack_step(&pk, 0, DISCHARGE);
	CU_ASSERT(abs((int)pack_cell_mV(&pk, 0, 0) - warm + 200) <= 1);
}

static void test_forced_values(void)
{
	struct pack_cfg c;
	uint16_t model;
	int16_t t_model;

	cfg_plain(&c);
	pack_init(&pk, &c);
	model = pack_cell_mV(&pk, 1, 3);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 1, 3, 4321), 0);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 1, 3), 4321);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 1, 2), model);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 1, 3, 0), 0);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 1, 3), 0);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 1, 3, -1), 0);
	CU_ASSERT_EQUAL(pack_cell_mV(&pk, 1, 3), model);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 2, 0, 3000), -1);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 0, 4, 3000), -1);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, 0, 0, 70000), -1);
	CU_ASSERT_EQUAL(pack_force_cell(&pk, -1, 0, 3000), -1);

	t_model = pack_temp_dC(&pk, 0, 1);
	CU_ASSERT(abs(t_model - 250) <= c.sensor_spread_dC);
	CU_ASSERT_EQUAL(pack_force_temp(&pk, 0, 1, -400), 0);
	CU_ASSERT_EQUAL(pack_temp_dC(&pk, 0, 1), -400);
	CU_ASSERT_EQUAL(pack_force_temp(&pk, 0, 1, INT16_MIN), 0);
	CU_ASSERT_EQUAL(pack_temp_dC(&pk, 0, 1), t_model);
	CU_ASSERT_EQUAL(pack_force_temp(&pk, 0, 2, 100), -1);
	CU_ASSERT_EQUAL(pack_force_temp(&pk, 2, 0, 100), -1);

	CU_ASSERT_EQUAL(pack_set_soc(&pk, 101), -1);
	CU_ASSERT_EQUAL(pack_set_soc(&pk, -0.1), -1);
	CU_ASSERT_EQUAL(pack_set_soc(&pk, NAN), -1);
	CU_ASSERT_EQUAL(pack_set_soc(&pk, 12.5), 0);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), 12.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_cell_soc_pct(&pk, 1, 3), 12.5, 1e-9);
	CU_ASSERT_EQUAL(pack_set_humidity(&pk, 100.5), -1);
	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 2, PACK_SENSOR_OPEN), -1);
	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 0, 3), -1);
	CU_ASSERT_EQUAL(pack_set_cell_ntc_fault(&pk, 0, 2, PACK_SENSOR_OPEN), -1);
	CU_ASSERT_EQUAL(pack_set_cell_ntc_fault(&pk, 0, 0, 3), -1);
}

static void test_ntc_counts(void)
{
	struct pack_cfg c;
	struct hal_adc_scan s;
	uint16_t warm;

	cfg_plain(&c);
	pack_init(&pk, &c);
	pack_adc_scan(&pk, &s);
	/* 10 k at 25 degC on a 10 k pull-up: half scale */
	CU_ASSERT(abs((int)s.ntc[0] - 2048) <= 1);
	CU_ASSERT(abs((int)s.ntc[1] - 2048) <= 1);
	warm = s.ntc[0];
	pack_set_ambient(&pk, -200);
	pack_adc_scan(&pk, &s);
	CU_ASSERT(s.ntc[0] > warm + 1000); /* cold NTC: high resistance */
	CU_ASSERT(s.ntc[0] < 4095);
	CU_ASSERT(abs((int)s.ntc[1] - 2048) <= 1); /* the pack has not cooled yet */

	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 0, PACK_SENSOR_OPEN), 0);
	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 1, PACK_SENSOR_SHORT), 0);
	pack_adc_scan(&pk, &s);
	CU_ASSERT_EQUAL(s.ntc[0], 4095);
	CU_ASSERT_EQUAL(s.ntc[1], 0);
	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 0, PACK_SENSOR_OK), 0);
	CU_ASSERT_EQUAL(pack_set_ntc_fault(&pk, 1, PACK_SENSOR_OK), 0);
	pack_adc_scan(&pk, &s);
	CU_ASSERT(s.ntc[0] > 0 && s.ntc[0] < 4095);
	CU_ASSERT(abs((int)s.ntc[1] - 2048) <= 1);

	/* a healthy sensor far beyond its range never reads as a fault */
	pack_set_ambient(&pk, -2000);
	pack_adc_scan(&pk, &s);
	CU_ASSERT(s.ntc[0] <= 4094);
}

static void test_hum_supply_counts(void)
{
	struct pack_cfg c;
	struct hal_adc_scan s;

	cfg_plain(&c);
	pack_init(&pk, &c);
	pack_adc_scan(&pk, &s);
	/* 40 %RH: 800 + 30 * 40 = 2000 mV */
	CU_ASSERT(abs((int)s.hum - (int)lround(2000000.0 / 1221)) <= 1);
	CU_ASSERT(abs((int)s.supply - (int)lround(24000000.0 / 9768)) <= 1);
	CU_ASSERT_EQUAL(pack_set_humidity(&pk, 100), 0);
	pack_set_supply(&pk, 9000);
	pack_adc_scan(&pk, &s);
	CU_ASSERT(abs((int)s.hum - (int)lround(3800000.0 / 1221)) <= 1);
	CU_ASSERT(abs((int)s.supply - (int)lround(9000000.0 / 9768)) <= 1);
	/* beyond the ADC range: clamped to full scale */
	pack_set_supply(&pk, 60000);
	pack_adc_scan(&pk, &s);
	CU_ASSERT_EQUAL(s.supply, 4095);
}

/* What the firmware does with nominal figures: volts from counts, amperes
 * from the nominal sensitivity. */
static double inverse_mA(const struct pack_cfg *c, int i, double out, double ref)
{
	return (out - ref) * c->adc.cs_uV_per_count / 1000.0 / c->cs[i].mV_per_A * 1000.0;
}

static void test_current_sensor(void)
{
	struct pack_cfg c;
	struct hal_adc_scan s;
	double sum[2] = { 0, 0 }, sq = 0, mean0;
	int i, k, n = 4000;

	cfg_plain(&c);
	pack_init(&pk, &c);
	pack_set_demand(&pk, 50000);
	pack_step(&pk, 0, CHARGE);
	for (k = 0; k < n; k++) {
		pack_adc_scan(&pk, &s);
		CU_ASSERT(abs((int)s.cs_ref[0] - 2048) <= 1);
		for (i = 0; i < 2; i++) {
			double I = inverse_mA(&c, i, s.cs_out[i], s.cs_ref[i]);

			sum[i] += I;
			/* one scan: 1 mV RMS noise plus a count of quantisation */
			CU_ASSERT(fabs(I - 50000) < (i ? 4000 : 800));
		}
		sq += (double)s.cs_out[0] * s.cs_out[0];
	}
	/* averaged, within a count: the reference line is quantised too */
	CU_ASSERT(fabs(sum[0] / n - 50000) < 130);
	CU_ASSERT(fabs(sum[1] / n - 50000) < 650);
	/* the noise is there: about 1 mV / 1.221 mV = 0.8 counts RMS */
	mean0 = 0;
	pack_init(&pk, &c);
	for (k = 0, sq = 0; k < n; k++) {
		pack_adc_scan(&pk, &s);
		mean0 += s.cs_out[0];
		sq += (double)s.cs_out[0] * s.cs_out[0];
	}
	mean0 /= n;
	CU_ASSERT(sqrt(sq / n - mean0 * mean0) > 0.5);
	CU_ASSERT(sqrt(sq / n - mean0 * mean0) < 1.2);
	CU_ASSERT(fabs(mean0 - 2500000.0 / 1221) < 0.2);

	/* a 1 % gain error reads 1 % high; an offset shifts the zero */
	c.cs[0].gain_err_pct = 1.0;
	c.cs[0].noise_mV = 0;
	c.cs[1].offset_mV = 10.0;
	c.cs[1].noise_mV = 0;
	pack_init(&pk, &c);
	pack_set_demand(&pk, -100000);
	pack_step(&pk, 0, DISCHARGE);
	pack_adc_scan(&pk, &s);
	CU_ASSERT(fabs(inverse_mA(&c, 0, s.cs_out[0], s.cs_ref[0]) + 101000) < 130);
	CU_ASSERT(s.cs_out[0] < s.cs_ref[0]);
	CU_ASSERT(fabs(inverse_mA(&c, 1, s.cs_out[1], s.cs_ref[1]) - (-100000 + 5000)) < 700);

	/* saturation and an absent sensor */
	c.cs[1].fitted = false;
	pack_init(&pk, &c);
	pack_set_demand(&pk, 1000000);
	pack_step(&pk, 0, CHARGE);
	pack_adc_scan(&pk, &s);
	CU_ASSERT_EQUAL(s.cs_out[0], 4095);
	CU_ASSERT_EQUAL(s.cs_out[1], 0);
	CU_ASSERT_EQUAL(s.cs_ref[1], 0);
}

static void run_some(struct pack *p, struct hal_adc_scan *s, int n)
{
	int i;

	pack_set_demand(p, 30000);
	for (i = 0; i < n; i++) {
		pack_step(p, 100000, CHARGE | HEATER);
		pack_adc_scan(p, &s[i]);
	}
}

static void test_determinism(void)
{
	static struct hal_adc_scan a[200], b[200];
	struct pack_cfg c;
	int bd, i;

	pack_default_cfg(&c);
	c.boards = 3;
	c.seed = 42;
	pack_init(&pk, &c);
	pack_init(&pk2, &c);
	run_some(&pk, a, 200);
	run_some(&pk2, b, 200);
	CU_ASSERT(memcmp(a, b, sizeof(a)) == 0);
	for (bd = 0; bd < 3; bd++)
		for (i = 0; i < 16; i++)
			CU_ASSERT_EQUAL(pack_cell_mV(&pk, bd, i), pack_cell_mV(&pk2, bd, i));
	CU_ASSERT_EQUAL(pack_temp_dC(&pk, 2, 3), pack_temp_dC(&pk2, 2, 3));

	/* the spreads are real: cells and sensors differ from each other */
	pack_set_soc(&pk, 50);
	pack_step(&pk, 0, CHARGE);
	for (i = 1; i < 16; i++)
		if (pack_cell_mV(&pk, 0, i) != pack_cell_mV(&pk, 0, 0))
			break;
	CU_ASSERT(i < 16);
	CU_ASSERT(pk.cap_mAh[0][0] != pk.cap_mAh[0][1]);
	CU_ASSERT(fabs(pk.cap_mAh[0][0] / 100000 - 1) <= 0.01);
	CU_ASSERT(fabs(pk.r_mohm[0][0] - 1.0) <= 0.1);

	c.seed = 43;
	pack_init(&pk2, &c);
	run_some(&pk2, b, 200);
	CU_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	CU_ASSERT(pk.cap_mAh[1][5] != pk2.cap_mAh[1][5]);
}

/* 100 ms steps agree with 1 ms steps; any step stays bounded. */
static void test_stability(void)
{
	struct pack_cfg c;
	int i, k;

	cfg_plain(&c);
	c.heat_capacity_J_per_K = 2000; /* a small, fast thermal mass */
	c.conductance_W_per_K = 20;
	c.soc_pct = 10;
	pack_init(&pk, &c);
	pack_init(&pk2, &c);
	pack_set_demand(&pk, 80000);
	pack_set_demand(&pk2, 80000);
	for (i = 0; i < 12000; i++) {
		pack_step(&pk, 100000, CHARGE | HEATER);
		for (k = 0; k < 100; k++)
			pack_step(&pk2, 1000, CHARGE | HEATER);
	}
	CU_ASSERT_EQUAL(pk.t_us, pk2.t_us);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), pack_soc_pct(&pk2), 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(pk.temp_C, pk2.temp_C, 0.05);
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), pack_charge_in_mAs(&pk2));
	CU_ASSERT_EQUAL(pack_charge_in_mAs(&pk), 80000u * 1200u);
	/* steady state: ambient + (heater + losses) / G, not beyond */
	CU_ASSERT(pk.temp_C > 25 && pk.temp_C < 25 + (500.0 + 8 * 6.4 * 1.0) / 20 + 0.5);

	/* one enormous step lands on the steady state, not past it */
	pack_init(&pk, &c);
	pack_step(&pk, 100000000000u, HEATER);
	CU_ASSERT_DOUBLE_EQUAL(pk.temp_C, 25 + 500.0 / 20, 0.01);
	CU_ASSERT(isfinite(pack_soc_pct(&pk)));
}

static void test_balancing(void)
{
	struct pack_cfg c;
	double before, other;

	cfg_plain(&c);
	pack_init(&pk, &c);
	memset(&bus, 0, sizeof(bus));
	bus.board[1].bal_mask = 0x2 | 0x100; /* cell 2, and a bit beyond 4 cells */
	pack_from_boards(&pk, &bus);
	CU_ASSERT_EQUAL(pk.bal_mask[1], 0x2);
	CU_ASSERT_EQUAL(pk.bal_mask[0], 0);
	before = pack_cell_soc_pct(&pk, 1, 1);
	other = pack_cell_soc_pct(&pk, 1, 0);
	pack_step(&pk, 3600000000u, 0);
	/* 100 mA for an hour out of 100 Ah: 0.1 % */
	CU_ASSERT_DOUBLE_EQUAL(pack_cell_soc_pct(&pk, 1, 1), before - 0.1, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_cell_soc_pct(&pk, 1, 0), other, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(pack_cell_soc_pct(&pk, 0, 1), other, 1e-12);
	CU_ASSERT(pack_soc_min_pct(&pk) < pack_soc_pct(&pk));
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_min_pct(&pk), before - 0.1, 1e-9);
	/* the bleed shows as a small drop of the cell's voltage, not of the
	 * charge counters */
	CU_ASSERT_EQUAL(pack_charge_out_mAs(&pk), 0);
	bus.board[1].bal_mask = 0;
	pack_from_boards(&pk, &bus);
	CU_ASSERT_EQUAL(pk.bal_mask[1], 0);

	/* an empty cell does not go below 0 % */
	pack_set_soc(&pk, 0);
	pack_set_demand(&pk, -100000);
	pack_step(&pk, 3600000000u, DISCHARGE);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&pk), 0, 1e-12);
	CU_ASSERT(pack_cell_mV(&pk, 0, 0) < 2500);
}

static void test_to_boards(void)
{
	struct pack_cfg c;
	int b, i;

	cfg_plain(&c);
	pack_init(&pk, &c);
	memset(&bus, 0xA5, sizeof(bus));
	pack_force_cell(&pk, 1, 2, 1234);
	pack_force_temp(&pk, 0, 1, 555);
	pack_set_cell_ntc_fault(&pk, 1, 1, PACK_SENSOR_SHORT);
	pack_set_cell_ntc_fault(&pk, 0, 0, PACK_SENSOR_OPEN);
	pack_to_boards(&pk, &bus);
	CU_ASSERT_EQUAL(bus.nboards, 2);
	for (b = 0; b < 2; b++) {
		CU_ASSERT_EQUAL(bus.board[b].ncells, 4);
		CU_ASSERT_EQUAL(bus.board[b].ntemps, 2);
		for (i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(bus.board[b].cell_mV[i], pack_cell_mV(&pk, b, i));
		for (i = 0; i < 2; i++)
			CU_ASSERT_EQUAL(bus.board[b].temp_dC[i], pack_temp_dC(&pk, b, i));
	}
	CU_ASSERT_EQUAL(bus.board[1].cell_mV[2], 1234);
	CU_ASSERT_EQUAL(bus.board[0].temp_dC[1], 555);
	CU_ASSERT_EQUAL(bus.board[0].ntc_fault, 0x1);
	CU_ASSERT_EQUAL(bus.board[1].ntc_fault, 0x2);
	pack_set_cell_ntc_fault(&pk, 1, 1, PACK_SENSOR_OK);
	pack_to_boards(&pk, &bus);
	CU_ASSERT_EQUAL(bus.board[1].ntc_fault, 0);
	/* boards beyond the pack are left alone */
	CU_ASSERT_EQUAL(bus.board[2].cell_mV[0], 0xA5A5);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_ocv_monotonic),
		CU_TEST(test_defaults_and_clamps),
		CU_TEST(test_charge_1c_one_hour),
		CU_TEST(test_charge_counters_exact),
		CU_TEST(test_current_needs_contacts),
		CU_TEST(test_heater),
		CU_TEST(test_losses_heat),
		CU_TEST(test_cold_raises_voltage),
		CU_TEST(test_forced_values),
		CU_TEST(test_ntc_counts),
		CU_TEST(test_hum_supply_counts),
		CU_TEST(test_current_sensor),
		CU_TEST(test_determinism),
		CU_TEST(test_stability),
		CU_TEST(test_balancing),
		CU_TEST(test_to_boards),
		CU_END,
	};

	cu_add("pack", tests);
}
