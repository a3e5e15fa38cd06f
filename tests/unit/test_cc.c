/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cc: contactor and charge control. Charge modes with Ton/Toff and power
 * requests, end of charge, precharge with retries and failure, feedback,
 * weld and inversion, the soft-stop paths, blocks on each relay set, the
 * discrete inputs and outputs, and the contactors section of bmsd.yaml.
 *
 * A small plant stands for the MCU and the wiring: the relays it drives are
 * the last command, and feedback inputs read the contacts (which may be
 * welded or stuck), through a normally-open or normally-closed aux contact.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "cc.h"
#include "cfg.h"
#include "cfg_keys.h"
#include "fixture.h"

#define R1 0x1u
#define R2 0x2u
#define R3 0x4u
#define R4 0x8u

#define T0 1000000u

enum contact { OK = 0, WELDED, STUCK };

static struct cfg cfg;
static struct cc cc;
static struct cc_in in;
static struct cc_out out;
static uint64_t now;

/* the plant */
static bool plant;
static int fb_wire[CFG_INPUTS];     /* relay index the input reads, -1: none */
static bool fb_nc[CFG_INPUTS];      /* normally-closed aux contact */
static enum contact contact[CFG_RELAYS];

#define EV_MAX 512u
static struct {
	enum cc_event ev;
	unsigned int d;
} evs[EV_MAX];
static unsigned int nev;

static void on_event(void *arg, enum cc_event ev, unsigned int d)
{
	(void)arg;
	if (nev < EV_MAX) {
		evs[nev].ev = ev;
		evs[nev].d = d;
	}
	nev++;
}

static unsigned int count_ev(enum cc_event ev)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nev && i < EV_MAX; i++)
		n += evs[i].ev == ev;
	return n;
}

static bool has_ev(enum cc_event ev, unsigned int d)
{
	for (unsigned int i = 0; i < nev && i < EV_MAX; i++)
		if (evs[i].ev == ev && evs[i].d == d)
			return true;
	return false;
}

/* A configuration with the four relay roles, no inputs or outputs, and
 * round timings; start() builds the controller from it. */
static void setup(enum cfg_relay_role r1, enum cfg_relay_role r2, enum cfg_relay_role r3,
		  enum cfg_relay_role r4)
{
	struct cfg_contactors *k = &cfg.contactors;

	memset(&cfg, 0, sizeof(cfg));
	cfg.relays.relay[0].role = r1;
	cfg.relays.relay[1].role = r2;
	cfg.relays.relay[2].role = r3;
	cfg.relays.relay[3].role = r4;
	for (unsigned int i = 0; i < CFG_INPUTS; i++) {
		cfg.inputs.in[i].role = CFG_IN_NONE;
		cfg.inputs.in[i].invert = false;
		cfg.outputs.out[i].role = CFG_OUT_NONE;
		cfg.outputs.out[i].invert = false;
		fb_wire[i] = -1;
		fb_nc[i] = false;
		contact[i] = OK;
	}
	k->charge_mode = CFG_CHARGE_ALWAYS;
	k->charge_on_delay_ms = 1000;
	k->charge_off_delay_ms = 3000;
	k->end_of_charge_cell_mV = 3550;
	k->resume_charge_cell_mV = 3400;
	k->precharge_ms = 2000;
	k->precharge_done_mA = 1000;
	k->precharge_timeout_ms = 5000;
	k->precharge_retries = 2;
	k->retry_delay_ms = 10000;
	k->overlap_ms = 200;
	k->feedback_delay_ms = 500;
	k->soft_stop_current_mA = 2000;
	k->soft_stop_timeout_ms = 5000;

	memset(&in, 0, sizeof(in));
	in.armed = true;
	in.connect = true;
	in.io_valid = true;
	in.current_valid = true;
	in.cell_max_valid = true;
	in.cell_max_mV = 3300;
	memset(&out, 0, sizeof(out));
	plant = false;
	nev = 0;
	now = T0;
}

/* 2.1 default roles: discharge, allow-charging, charge, heater */
static void setup_cd(void)
{
	setup(CFG_RELAY_DISCHARGE, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_CHARGE, CFG_RELAY_HEATER);
}

/* main, precharge, allow-charging, heater */
static void setup_mpa(void)
{
	setup(CFG_RELAY_MAIN, CFG_RELAY_PRECHARGE, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_HEATER);
}

static void setup_main(void)
{
	setup(CFG_RELAY_MAIN, CFG_RELAY_NONE, CFG_RELAY_NONE, CFG_RELAY_NONE);
}

static void input(unsigned int n, enum cfg_input_role role, bool invert)
{
	cfg.inputs.in[n - 1].role = role;
	cfg.inputs.in[n - 1].invert = invert;
}

static void output(unsigned int n, enum cfg_output_role role, bool invert)
{
	cfg.outputs.out[n - 1].role = role;
	cfg.outputs.out[n - 1].invert = invert;
}

/* input @n reads the aux contact of relay @relay (1-based) */
static void wire(unsigned int n, unsigned int relay, bool nc)
{
	fb_wire[n - 1] = (int)relay - 1;
	fb_nc[n - 1] = nc;
	plant = true;
}

static void start(void)
{
	cc_init(&cc, &cfg, on_event, NULL, now);
}

static void di(unsigned int n, bool level)
{
	if (level)
		in.di |= (uint8_t)(1u << (n - 1));
	else
		in.di &= (uint8_t)~(1u << (n - 1));
}

static void step(uint64_t ms)
{
	if (plant) {
		in.relay_out = out.relays;
		for (unsigned int i = 0; i < CFG_INPUTS; i++) {
			int r = fb_wire[i];
			bool closed;

			if (r < 0)
				continue;
			closed = contact[r] == WELDED ||
				 (contact[r] == OK && (in.relay_out & (1u << r)));
			di(i + 1, closed != fb_nc[i]);
		}
	}
	now += ms;
	cc_step(&cc, &in, now, &out);
}

/* @ms in 10 ms steps */
static void run(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 10)
		step(10);
}

/* ---- charge modes ------------------------------------------------------- */

static void test_always_closes_at_once(void)
{
	setup_cd();
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_TRUE(out.power_up);
	CU_ASSERT_EQUAL(count_ev(CC_EV_CHARGE_ON), 1);
	run(10000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_EQUAL(count_ev(CC_EV_CHARGE_ON), 1);
	CU_ASSERT_EQUAL(nev, 1);
}

static void test_charger_mode_waits_ton(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	start();
	run(5000);
	/* no charger: only the discharge path */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.charger_connected);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	di(1, true);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	step(999);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charger_connected);
	step(1);
	/* Ton passed: both charge relays together */
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_TRUE(out.charger_connected);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_EQUAL(count_ev(CC_EV_CHARGE_ON), 1);
}

static void test_charger_lost_allow_at_once_contactor_after_toff(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	di(1, true);
	start();
	run(2000);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2 | R3);
	nev = 0;
	di(1, false);
	step(10);
	/* allow-charging at once, the charge contactor holds */
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_SOFT_STOP);
	CU_ASSERT_TRUE(has_ev(CC_EV_CHARGE_OFF, 0));
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_START, CC_PATH_CHARGE));
	step(2999);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_END, CC_PATH_CHARGE));
	/* the discharge path was never touched */
	CU_ASSERT_TRUE(out.discharge_allowed);
}

static void test_charger_glitch_keeps_contactor(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	di(1, true);
	start();
	run(2000);
	di(1, false);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1000);
	di(1, true);
	step(10);
	/* back within Toff: the contactor stays, allow-charging waits Ton */
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_CANCEL, CC_PATH_CHARGE));
	step(999);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_charger_mode_without_input_never_charges(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	start();
	in.di = 0xf;
	run(10000);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
}

static void test_charger_input_inverted(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	cfg.contactors.charge_on_delay_ms = 0;
	input(3, CFG_IN_CHARGER_CONNECTED, true);
	start();
	di(3, true);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	di(3, false);
	step(10);
	/* Ton 0: at once */
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_always_ignores_charger_input(void)
{
	setup_cd();
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	di(1, true);
	run(2000);
	CU_ASSERT_TRUE(out.charger_connected);
	di(1, false);
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_power_down_then_up(void)
{
	setup_cd();
	input(2, CFG_IN_POWER_REQUEST, false);
	di(2, true);
	start();
	step(10);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2 | R3);
	di(2, false);
	step(10);
	/* allow-charging at once; both contactors after Toff */
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_FALSE(out.power_up);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
	CU_ASSERT_TRUE(out.soft_stop);
	step(2999);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	run(10000);
	CU_ASSERT_EQUAL(out.relays, 0);
	di(2, true);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_TRUE(out.power_up);
}

static void test_power_down_current_waits_for_soft_stop(void)
{
	setup_cd();
	input(2, CFG_IN_POWER_REQUEST, false);
	di(2, true);
	start();
	step(10);
	in.current_mA = -50000;
	di(2, false);
	step(10);
	step(3000);
	/* Toff passed: the charge contactor carries no charge current */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.soft_stop);
	step(1990);
	CU_ASSERT_EQUAL(out.relays, R1);
	step(10);
	/* the discharge one waited for the soft-stop timeout */
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_TIMEOUT, CC_PATH_DISCHARGE));
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_END, CC_PATH_CHARGE));
}

static void test_power_down_toff_longer_than_timeout(void)
{
	setup_cd();
	cfg.contactors.charge_off_delay_ms = 8000;
	input(2, CFG_IN_POWER_REQUEST, false);
	di(2, true);
	start();
	step(10);
	in.current_mA = -50000;
	di(2, false);
	step(10);
	step(7999);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1);
	CU_ASSERT_EQUAL(out.relays, 0);
}

static void test_power_request_inverted(void)
{
	setup_cd();
	input(4, CFG_IN_POWER_REQUEST, true);
	start();
	step(10);
	/* open contact, inverted: power up */
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	di(4, true);
	step(10);
	CU_ASSERT_FALSE(out.power_up);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

/* ---- end of charge ------------------------------------------------------ */

static void test_end_of_charge_only_allow_opens(void)
{
	setup_cd();
	start();
	in.cell_max_mV = 3549;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_FALSE(out.full);
	in.cell_max_mV = 3550;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_TRUE(out.full);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	CU_ASSERT_TRUE(has_ev(CC_EV_END_OF_CHARGE, 0));
	CU_ASSERT_TRUE(has_ev(CC_EV_CHARGE_OFF, 0));
	run(60000);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

static void test_end_of_charge_hysteresis(void)
{
	setup_cd();
	start();
	in.cell_max_mV = 3600;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	in.cell_max_mV = 3450;
	run(1000);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	in.cell_max_mV = 3400;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	in.cell_max_mV = 3399;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_FALSE(out.full);
	CU_ASSERT_TRUE(has_ev(CC_EV_CHARGE_RESUME, 0));
	/* full from the first step: allow-charging never came on before */
	CU_ASSERT_EQUAL(count_ev(CC_EV_CHARGE_ON), 1);
	CU_ASSERT_EQUAL(count_ev(CC_EV_CHARGE_OFF), 0);
}

static void test_end_of_charge_holds_without_data(void)
{
	setup_cd();
	start();
	in.cell_max_valid = false;
	in.cell_max_mV = 3700;
	step(10);
	CU_ASSERT_FALSE(out.full);
	in.cell_max_valid = true;
	step(10);
	CU_ASSERT_TRUE(out.full);
	in.cell_max_valid = false;
	in.cell_max_mV = 3000;
	run(1000);
	CU_ASSERT_TRUE(out.full);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

/* ---- precharge ---------------------------------------------------------- */

static void test_precharge_success(void)
{
	setup_mpa();
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_PRECHARGE);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_START, 1));
	step(1999);
	CU_ASSERT_EQUAL(out.relays, R2);
	step(1);
	/* handover: main closes with the precharge still closed */
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_PRECHARGE);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_OK, 1));
	step(199);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	step(1);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	run(10000);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 1);
}

static void test_precharge_waits_for_current(void)
{
	setup_mpa();
	start();
	in.current_mA = -30000;
	step(10);
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R2);
	step(1000);
	CU_ASSERT_EQUAL(out.relays, R2);
	/* still within the timeout: the current fell */
	in.current_mA = -999;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_RETRY), 0);
}

static void test_precharge_current_at_threshold_is_not_done(void)
{
	setup_mpa();
	start();
	in.current_mA = 1000;
	step(10);
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R2);
	in.current_mA = -1000;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2);
	in.current_mA = 999;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
}

static void test_precharge_timeout_retry_then_success(void)
{
	setup_mpa();
	start();
	in.current_mA = -30000;
	step(10);
	step(4999);
	CU_ASSERT_EQUAL(out.relays, R2);
	step(1);
	/* attempt 1 failed: everything open for the retry delay */
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_PRECHARGE);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_RETRY, 1));
	CU_ASSERT_FALSE(out.precharge_failed);
	step(9999);
	CU_ASSERT_EQUAL(out.relays, 0);
	step(1);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_START, 2));
	in.current_mA = 0;
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_OK, 2));
	step(200);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_FALSE(out.precharge_failed);
}

static void test_precharge_retries_then_failure_and_reset(void)
{
	setup_mpa();
	start();
	in.current_mA = -30000;
	run(60000);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_RETRY, 1));
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_RETRY, 2));
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_FAILED, 3));
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 3);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_FAILED), 1);
	CU_ASSERT_TRUE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	/* latched: stays open, even with the current gone */
	in.current_mA = 0;
	run(60000);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 3);
	nev = 0;
	in.reset = true;
	step(10);
	in.reset = false;
	CU_ASSERT_TRUE(has_ev(CC_EV_RESET, 0));
	CU_ASSERT_FALSE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_START, 1));
	run(2200);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

static void test_precharge_failure_timing(void)
{
	setup_mpa();
	start();
	in.current_mA = -30000;
	step(10);
	/* three attempts of 5 s and two pauses of 10 s */
	run(34990);
	step(9);
	CU_ASSERT_FALSE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.relays, R2);
	step(1);
	CU_ASSERT_TRUE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.relays, 0);
}

static void test_precharge_no_retries(void)
{
	setup_mpa();
	cfg.contactors.precharge_retries = 0;
	start();
	in.current_valid = false;
	step(10);
	step(5000);
	/* no valid current is no proof: the attempt fails */
	CU_ASSERT_TRUE(out.precharge_failed);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_FAILED, 1));
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_RETRY), 0);
}

static void test_precharge_reset_api(void)
{
	setup_mpa();
	cfg.contactors.precharge_retries = 0;
	start();
	in.current_mA = 20000;
	step(10);
	step(5000);
	CU_ASSERT_TRUE_FATAL(out.precharge_failed);
	cc_reset(&cc, now);
	in.current_mA = 0;
	step(10);
	CU_ASSERT_FALSE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.relays, R2);
}

static void test_precharge_abort_on_disconnect(void)
{
	setup_mpa();
	start();
	step(10);
	step(1000);
	CU_ASSERT_EQUAL(out.relays, R2);
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_ABORT, 1));
	CU_ASSERT_FALSE(out.precharge_failed);
	in.connect = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 2);
}

static void test_precharge_abort_in_overlap_and_retry_wait(void)
{
	setup_mpa();
	start();
	step(10);
	step(2000);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2);
	in.block_charge = in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	in.block_charge = in.block_discharge = false;
	in.current_mA = -30000;
	step(10);
	step(5000);
	CU_ASSERT_EQUAL_FATAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_RETRY, 1));
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_ABORT), 2);
}

static void test_precharge_hard_open(void)
{
	setup_mpa();
	input(1, CFG_IN_EMERGENCY_STOP, false);
	start();
	step(10);
	step(1000);
	di(1, true);
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_OPEN_NOW, 0));
	di(1, false);
	step(10);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_START, 1));
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 2);
}

static void test_no_precharge_relay_closes_directly(void)
{
	setup_main();
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 0);
}

static void test_precharge_hands_over_to_discharge(void)
{
	/* charge, discharge, precharge, allow: the precharge bypasses the
	 * discharge contactor; the charge contactor closes directly */
	setup(CFG_RELAY_CHARGE, CFG_RELAY_DISCHARGE, CFG_RELAY_PRECHARGE,
	      CFG_RELAY_ALLOW_CHARGING);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3 | R4);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_PRECHARGE);
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3 | R4);
	step(200);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R4);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
}

static void test_precharge_main_with_branch(void)
{
	/* main, discharge, precharge: the branch closes with the precharge,
	 * the main at the handover */
	setup(CFG_RELAY_MAIN, CFG_RELAY_DISCHARGE, CFG_RELAY_PRECHARGE, CFG_RELAY_NONE);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2 | R3);
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	step(200);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	/* the main already closed: the discharge path comes back without one */
	in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.block_discharge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 1);
}

static void test_precharge_overlap_zero(void)
{
	setup_mpa();
	cfg.contactors.overlap_ms = 0;
	start();
	step(10);
	step(2000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

/* ---- feedback ----------------------------------------------------------- */

static void test_feedback_follows(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY3, false);
	input(2, CFG_IN_FEEDBACK_RELAY1, false);
	wire(1, 3, false);
	wire(2, 1, false);
	start();
	run(5000);
	in.connect = false;
	run(5000);
	in.connect = true;
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_EQUAL(count_ev(CC_EV_FEEDBACK_MISMATCH), 0);
}

static void test_weld_detected_and_latched(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY3, false);
	wire(1, 3, false);
	start();
	run(1000);
	contact[2] = WELDED;
	in.block_charge = true;
	step(10); /* command open */
	CU_ASSERT_EQUAL(out.relays, R1);
	step(10); /* the MCU drives it open; the contact stays closed */
	step(499);
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	step(1);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_TRUE(out.feedback_mismatch);
	CU_ASSERT_EQUAL(out.welded_relay, 3);
	CU_ASSERT_EQUAL(out.welded_mask, R3);
	CU_ASSERT_EQUAL(out.mismatch_mask, R3);
	CU_ASSERT_TRUE(has_ev(CC_EV_WELDED, 3));
	CU_ASSERT_TRUE(has_ev(CC_EV_FEEDBACK_MISMATCH, 3));
	/* the contact frees itself: the mismatch clears, the weld stays */
	contact[2] = OK;
	run(1000);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_TRUE(has_ev(CC_EV_FEEDBACK_OK, 3));
	in.reset = true;
	step(10);
	in.reset = false;
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_EQUAL(out.welded_relay, 0);
	CU_ASSERT_EQUAL(count_ev(CC_EV_WELDED), 1);
}

static void test_weld_found_again_after_reset(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY3, false);
	wire(1, 3, false);
	start();
	run(1000);
	contact[2] = WELDED;
	in.block_charge = true;
	run(2000);
	CU_ASSERT_TRUE_FATAL(out.welded);
	cc_reset(&cc, now);
	step(10);
	CU_ASSERT_FALSE(out.welded);
	step(489);
	CU_ASSERT_FALSE(out.welded);
	step(1);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_EQUAL(count_ev(CC_EV_WELDED), 2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_RESET), 1);
}

static void test_stuck_open_is_mismatch_not_weld(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY1, false);
	wire(1, 1, false);
	contact[0] = STUCK;
	start();
	step(10);
	step(10);
	step(499);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	step(1);
	CU_ASSERT_TRUE(out.feedback_mismatch);
	CU_ASSERT_EQUAL(out.mismatch_mask, R1);
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_TRUE(has_ev(CC_EV_FEEDBACK_MISMATCH, 1));
	CU_ASSERT_EQUAL(count_ev(CC_EV_WELDED), 0);
	/* the relay stays commanded: mismatch is for the protections to act on */
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	contact[0] = OK;
	run(100);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_EQUAL(count_ev(CC_EV_FEEDBACK_OK), 1);
}

static void test_feedback_short_disagreement_ignored(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY1, false);
	start();
	step(10);
	in.relay_out = R1;
	for (unsigned int i = 0; i < 20; i++) {
		di(1, false);
		step(400);
		di(1, true);
		step(10);
	}
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_EQUAL(nev, count_ev(CC_EV_CHARGE_ON));
}

static void test_feedback_inversion(void)
{
	setup_cd();
	/* normally-closed aux contact, inverted input: all agrees */
	input(2, CFG_IN_FEEDBACK_RELAY3, true);
	wire(2, 3, true);
	start();
	run(2000);
	in.block_charge = true;
	run(2000);
	in.block_charge = false;
	run(2000);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_FALSE(out.welded);
	/* welded: seen through the inversion */
	contact[2] = WELDED;
	in.block_charge = true;
	run(1000);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_EQUAL(out.welded_relay, 3);
}

static void test_feedback_wrong_inversion_mismatches(void)
{
	setup_cd();
	/* normally-open aux contact configured as inverted */
	input(2, CFG_IN_FEEDBACK_RELAY3, true);
	wire(2, 3, false);
	start();
	run(1000);
	CU_ASSERT_TRUE(out.feedback_mismatch);
	CU_ASSERT_FALSE(out.welded);
	in.block_charge = true;
	run(1000);
	/* open relay reads as closed */
	CU_ASSERT_TRUE(out.welded);
}

static void test_no_feedback_input_nothing_checked(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY1, false);
	wire(1, 1, false);
	contact[2] = WELDED; /* relay 3 has no feedback input */
	start();
	run(1000);
	in.block_charge = true;
	run(5000);
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	CU_ASSERT_EQUAL(count_ev(CC_EV_FEEDBACK_MISMATCH), 0);
}

static void test_feedback_against_mcu_drive(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY1, false);
	start();
	/* the safety floor holds the relays open: an open contact is right,
	 * whatever bmsd commands */
	in.relay_out = 0;
	di(1, false);
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	/* the MCU drives it: now the open contact is stuck */
	in.relay_out = R1;
	run(600);
	CU_ASSERT_TRUE(out.feedback_mismatch);
}

static void test_feedback_suspended_without_io(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY1, false);
	start();
	in.relay_out = 0;
	di(1, true);
	in.io_valid = false;
	run(5000);
	CU_ASSERT_FALSE(out.welded);
	CU_ASSERT_FALSE(out.feedback_mismatch);
	in.io_valid = true;
	step(10);
	step(499);
	CU_ASSERT_FALSE(out.welded);
	step(1);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_EQUAL(out.welded_relay, 1);
}

/* ---- soft stop ---------------------------------------------------------- */

static void test_soft_stop_current_falls(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -50000;
	in.connect = false;
	step(10);
	/* no charge current: the charge contactor opens at once */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_SOFT_STOP);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_START, CC_PATH_DISCHARGE));
	in.current_mA = -2000;
	run(1000);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.current_mA = -1999;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_END, CC_PATH_DISCHARGE));
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_TIMEOUT), 0);
}

static void test_soft_stop_timeout(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -50000;
	in.connect = false;
	step(10);
	step(4999);
	CU_ASSERT_EQUAL(out.relays, R1);
	step(1);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_TIMEOUT, CC_PATH_DISCHARGE));
}

static void test_soft_stop_timeout_zero(void)
{
	setup_cd();
	cfg.contactors.soft_stop_timeout_ms = 0;
	start();
	step(10);
	in.current_mA = -50000;
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_TIMEOUT, CC_PATH_DISCHARGE));
}

/* A soft stop never waits for a current that cannot be measured: both
 * contactors open at once. */
static void test_soft_stop_without_current_reading(void)
{
	setup_cd();
	start();
	step(10);
	in.current_valid = false;
	in.current_mA = 0;
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_UNMEASURED), 2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_TIMEOUT), 0);
}

/* The reading is lost while a soft stop waits: it opens on that step. */
static void test_soft_stop_reading_lost_midway(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -50000;
	in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_TRUE(out.soft_stop);
	run(1000);
	CU_ASSERT_EQUAL(out.relays & R1, R1);
	in.current_valid = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays & R1, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_UNMEASURED, CC_PATH_DISCHARGE));
	/* the charge path was not stopping: it stays */
	CU_ASSERT_EQUAL(out.relays, R2 | R3);
}

/* Toff still holds a charge contactor: it is a delay of its own, not a
 * wait for the current; after it, no reading opens at once. */
static void test_soft_stop_unmeasured_after_toff(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	di(1, true);
	start();
	run(2000);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2 | R3);
	in.current_valid = false;
	di(1, false);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(2999);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	step(1);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_UNMEASURED, CC_PATH_CHARGE));
}

static void test_soft_stop_idle_opens_at_once(void)
{
	setup_cd();
	start();
	step(10);
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_START), 2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_END), 2);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
}

static void test_soft_stop_cancelled(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -50000;
	in.connect = false;
	step(10);
	step(1000);
	in.connect = true;
	step(10);
	CU_ASSERT_TRUE(has_ev(CC_EV_SOFT_STOP_CANCEL, CC_PATH_DISCHARGE));
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.soft_stop);
	/* the charge path had opened: it closes again */
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	run(10000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_open_now_opens_at_once(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -200000;
	in.heater_request = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3 | R4);
	in.open_now = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	CU_ASSERT_EQUAL(count_ev(CC_EV_OPEN_NOW), 1);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_START), 0);
	run(1000);
	CU_ASSERT_EQUAL(count_ev(CC_EV_OPEN_NOW), 1);
	in.open_now = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3 | R4);
}

static void test_open_now_during_soft_stop(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -50000;
	in.open_all = true;
	step(10);
	CU_ASSERT_TRUE(out.soft_stop);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.open_now = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_OPEN_NOW, 0));
}

static void test_open_all_soft_then_fault(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = 40000;
	in.open_all = true;
	step(10);
	/* charging current: the discharge contactor may open, not the charge one */
	CU_ASSERT_EQUAL(out.relays, R3);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_SOFT_STOP);
	in.current_mA = 500;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	in.open_all = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

/* ---- blocks on each relay set ------------------------------------------ */

static void test_cd_block_charge(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = 30000;
	in.block_charge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_TRUE(out.soft_stop);
	in.current_mA = 0;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	in.block_charge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_cd_block_charge_while_discharging(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -80000;
	in.block_charge = true;
	step(10);
	/* a discharge current does not hold the charge contactor */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.discharge_allowed);
}

static void test_cd_block_discharge(void)
{
	setup_cd();
	start();
	step(10);
	in.current_mA = -30000;
	in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
	in.current_mA = 5000;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2 | R3);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
}

static void test_main_block_charge_keeps_main(void)
{
	setup(CFG_RELAY_MAIN, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_NONE, CFG_RELAY_NONE);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2);
	in.current_mA = 30000;
	in.block_charge = true;
	step(10);
	/* allow-charging opens, the main carries the discharge path on */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_START), 0);
	run(10000);
	CU_ASSERT_EQUAL(out.relays, R1);
}

static void test_main_block_discharge_keeps_main(void)
{
	setup_main();
	start();
	step(10);
	in.block_discharge = true;
	in.current_mA = -30000;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
	CU_ASSERT_FALSE(out.soft_stop);
}

static void test_main_block_discharge_no_charger_opens(void)
{
	setup_main();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.current_mA = -30000;
	in.block_discharge = true;
	step(10);
	/* nothing else holds the main: soft stop */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.soft_stop);
	in.current_mA = -100;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	/* a charger comes: the main closes for the charge path alone */
	di(1, true);
	step(10);
	step(1000);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
}

static void test_main_both_blocked_waits_either_direction(void)
{
	setup_main();
	start();
	step(10);
	in.current_mA = 30000;
	in.block_charge = in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_TRUE(out.soft_stop);
	in.current_mA = -30000;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.current_mA = 1500;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
}

static void test_mpa_block_charge_allow_only(void)
{
	setup_mpa();
	start();
	run(2300);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R3);
	in.block_charge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	in.block_charge = false;
	step(10);
	/* the main stayed closed: no new precharge */
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 1);
}

static void test_mpa_reconnect_precharges_again(void)
{
	setup_mpa();
	start();
	run(2300);
	in.block_charge = in.block_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	in.block_charge = in.block_discharge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 2);
}

/* ---- discrete inputs ---------------------------------------------------- */

static void test_inhibit_charge(void)
{
	setup_cd();
	input(1, CFG_IN_INHIBIT_CHARGE, false);
	start();
	step(10);
	di(1, true);
	step(10);
	CU_ASSERT_TRUE(out.inhibit_charge);
	CU_ASSERT_FALSE(out.inhibit_discharge);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_CONNECTED);
	di(1, false);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_inhibit_discharge_inverted(void)
{
	setup_cd();
	input(2, CFG_IN_INHIBIT_DISCHARGE, true);
	start();
	step(10);
	/* open contact, inverted: inhibit active */
	CU_ASSERT_TRUE(out.inhibit_discharge);
	CU_ASSERT_EQUAL(out.relays, R2 | R3);
	di(2, true);
	step(10);
	CU_ASSERT_FALSE(out.inhibit_discharge);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_emergency_stop(void)
{
	setup(CFG_RELAY_DISCHARGE, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_CHARGE, CFG_RELAY_ALARM);
	input(3, CFG_IN_EMERGENCY_STOP, false);
	start();
	step(10);
	in.current_mA = -100000;
	di(3, true);
	in.alarm = true; /* the protection raised on it */
	step(10);
	CU_ASSERT_TRUE(out.estop);
	CU_ASSERT_EQUAL(out.relays, R4);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_TRUE(has_ev(CC_EV_OPEN_NOW, 0));
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R4);
	di(3, false);
	in.alarm = false;
	step(10);
	CU_ASSERT_FALSE(out.estop);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

static void test_emergency_stop_inverted_opens_heater(void)
{
	setup_cd();
	input(1, CFG_IN_EMERGENCY_STOP, true);
	start();
	in.heater_request = true;
	di(1, true); /* closed NC loop: no emergency */
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3 | R4);
	di(1, false); /* the loop opened */
	step(10);
	CU_ASSERT_TRUE(out.estop);
	CU_ASSERT_EQUAL(out.relays, 0);
}

static void test_insulation_fault(void)
{
	setup_cd();
	input(4, CFG_IN_INSULATION_FAULT, false);
	start();
	step(10);
	di(4, true);
	in.current_mA = 50000;
	step(10);
	CU_ASSERT_TRUE(out.insulation);
	CU_ASSERT_FALSE(out.estop);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
}

static void test_inputs_inactive_without_io(void)
{
	setup_cd();
	input(1, CFG_IN_EMERGENCY_STOP, true);
	start();
	in.io_valid = false;
	step(10);
	/* unknown levels: no role is active (an inverted one neither) */
	CU_ASSERT_FALSE(out.estop);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
}

/* ---- outputs ------------------------------------------------------------ */

static void test_do_roles(void)
{
	setup_cd();
	output(1, CFG_OUT_ALARM, false);
	output(2, CFG_OUT_WARNING, false);
	output(3, CFG_OUT_READY, false);
	output(4, CFG_OUT_CHARGING_ALLOWED, false);
	start();
	in.connect = false;
	step(10);
	CU_ASSERT_EQUAL(out.dos, 0);
	in.connect = true;
	step(10);
	CU_ASSERT_EQUAL(out.dos, R3 | R4);
	in.warning = true;
	step(10);
	CU_ASSERT_EQUAL(out.dos, R2 | R3 | R4);
	in.alarm = true;
	step(10);
	/* an alarm takes ready away */
	CU_ASSERT_EQUAL(out.dos, R1 | R2 | R4);
	in.alarm = in.warning = false;
	in.cell_max_mV = 3600;
	step(10);
	CU_ASSERT_EQUAL(out.dos, R3);
}

static void test_do_balancing_and_inversion(void)
{
	setup_cd();
	output(1, CFG_OUT_BALANCING, false);
	output(2, CFG_OUT_BALANCING, true);
	output(3, CFG_OUT_NONE, true);
	output(4, CFG_OUT_ALARM, true);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.dos, R2 | R4);
	in.balancing = true;
	in.alarm = true;
	step(10);
	CU_ASSERT_EQUAL(out.dos, R1);
}

static void test_do_ready_needs_connection(void)
{
	setup_mpa();
	output(1, CFG_OUT_READY, false);
	output(2, CFG_OUT_CHARGING_ALLOWED, true);
	start();
	step(10);
	/* precharging: not ready yet */
	CU_ASSERT_EQUAL(out.dos, R2);
	run(2200);
	CU_ASSERT_EQUAL(out.dos, R1);
}

static void test_alarm_relay(void)
{
	setup(CFG_RELAY_MAIN, CFG_RELAY_ALARM, CFG_RELAY_ALARM, CFG_RELAY_NONE);
	start();
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
	in.alarm = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	in.warning = true;
	in.alarm = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1);
}

static void test_heater_relay(void)
{
	setup_cd();
	start();
	step(10);
	in.heater_request = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays & R4, R4);
	in.connect = false;
	step(10);
	/* the heater does not depend on the contactors */
	CU_ASSERT_EQUAL(out.relays, R4);
	in.heater_request = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
}

/* ---- link not armed ----------------------------------------------------- */

static void test_not_armed_everything_open(void)
{
	setup(CFG_RELAY_DISCHARGE, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_CHARGE, CFG_RELAY_ALARM);
	output(1, CFG_OUT_READY, false);
	output(2, CFG_OUT_WARNING, false);
	start();
	in.armed = false;
	in.alarm = true;
	in.warning = true;
	run(5000);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
	CU_ASSERT_EQUAL(out.dos, R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_OPEN_NOW), 0);
	in.armed = true;
	in.alarm = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_EQUAL(out.dos, R1 | R2);
	in.current_mA = -100000;
	in.armed = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(count_ev(CC_EV_OPEN_NOW), 1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_FALSE(out.discharge_allowed);
}

static void test_not_armed_heater_off(void)
{
	setup_cd();
	start();
	in.heater_request = true;
	in.armed = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
}

/* ---- configuration changes and names ----------------------------------- */

static void test_set_config_same_roles_keeps_state(void)
{
	setup_cd();
	cfg.contactors.charge_mode = CFG_CHARGE_CHARGER;
	input(1, CFG_IN_CHARGER_CONNECTED, false);
	di(1, true);
	start();
	run(2000);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2 | R3);
	cfg.contactors.charge_off_delay_ms = 100;
	output(1, CFG_OUT_CHARGING_ALLOWED, false);
	cc_reconfigure(&cc, &cfg, now);
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_EQUAL(out.dos, R1);
	di(1, false);
	step(10);
	step(100);
	/* the new Toff */
	CU_ASSERT_EQUAL(out.relays, R1);
}

static void test_set_config_new_roles_restarts_keeps_latches(void)
{
	setup_cd();
	input(1, CFG_IN_FEEDBACK_RELAY3, false);
	wire(1, 3, false);
	start();
	run(1000);
	contact[2] = WELDED;
	in.block_charge = true;
	run(1000);
	CU_ASSERT_TRUE_FATAL(out.welded);
	cfg.relays.relay[3].role = CFG_RELAY_ALARM;
	cc_reconfigure(&cc, &cfg, now);
	in.alarm = true;
	step(10);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_EQUAL(out.relays & R4, R4);
}

/* ---- holds: nothing closes onto a present condition ---------------------- */

static void test_hold_keeps_open_paths_open(void)
{
	setup_cd();
	start();
	in.hold_charge = true;
	run(5000);
	/* only the discharge path */
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_START), 0);
	in.hold_charge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);

	setup_cd();
	start();
	in.hold_discharge = true;
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R2 | R3);
	CU_ASSERT_FALSE(out.discharge_allowed);

	setup_cd();
	start();
	in.hold_charge = in.hold_discharge = true;
	run(5000);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_STANDBY);
}

/* A hold does not open what is closed: that is the set delay's business. */
static void test_hold_does_not_open_closed_paths(void)
{
	setup_cd();
	start();
	step(10);
	CU_ASSERT_EQUAL_FATAL(out.relays, R1 | R2 | R3);
	in.hold_charge = in.hold_discharge = true;
	run(5000);
	CU_ASSERT_EQUAL(out.relays, R1 | R2 | R3);
	CU_ASSERT_FALSE(out.soft_stop);
	CU_ASSERT_EQUAL(count_ev(CC_EV_SOFT_STOP_START), 0);
}

/* A main contactor shared by the paths: the charge path holds, the
 * discharge path closes the main; the held path never joins in. */
static void test_hold_main_shared(void)
{
	setup(CFG_RELAY_MAIN, CFG_RELAY_NONE, CFG_RELAY_ALLOW_CHARGING, CFG_RELAY_NONE);
	start();
	in.hold_charge = true;
	run(1000);
	CU_ASSERT_EQUAL(out.relays, R1);
	CU_ASSERT_FALSE(out.charge_allowed);
	CU_ASSERT_TRUE(out.discharge_allowed);
	in.hold_charge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R1 | R3);
}

/* A precharge in progress is a closing: a hold aborts it, nothing stays
 * closed, and it starts afresh once the hold is gone. */
static void test_hold_aborts_precharge(void)
{
	setup_mpa();
	start();
	step(10);
	CU_ASSERT_EQUAL_FATAL(out.relays, R2);
	run(1000);
	in.hold_charge = in.hold_discharge = true;
	step(10);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_PRECHARGE_ABORT, 1));
	run(5000);
	CU_ASSERT_EQUAL(out.relays, 0);
	in.hold_charge = in.hold_discharge = false;
	step(10);
	CU_ASSERT_EQUAL(out.relays, R2);
	CU_ASSERT_EQUAL(count_ev(CC_EV_PRECHARGE_START), 2);
	CU_ASSERT_FALSE(out.precharge_failed);
}

/* Latches persisted by a previous run: restored before the first step,
 * nothing closes, and only a reset clears them. */
static void test_restore_latches(void)
{
	setup_mpa();
	start();
	cc_restore_latches(&cc, 0, true);
	CU_ASSERT_TRUE(cc_precharge_latched(&cc));
	run(5000);
	CU_ASSERT_EQUAL(out.relays, 0);
	CU_ASSERT_TRUE(out.precharge_failed);
	CU_ASSERT_EQUAL(out.state, VIEW_ST_FAULT);
	in.reset = true;
	step(10);
	in.reset = false;
	CU_ASSERT_FALSE(cc_precharge_latched(&cc));
	CU_ASSERT_EQUAL(out.relays, R2);

	setup_cd();
	start();
	cc_restore_latches(&cc, R1 | 0xF0u, false);
	CU_ASSERT_EQUAL(cc_welded_latched(&cc), R1);
	step(10);
	CU_ASSERT_TRUE(out.welded);
	CU_ASSERT_EQUAL(out.welded_relay, 1);
	cc_reset(&cc, now);
	CU_ASSERT_EQUAL(cc_welded_latched(&cc), 0);
	CU_ASSERT_TRUE(has_ev(CC_EV_RESET, 0));
}

static void test_names(void)
{
	for (unsigned int i = 0; i < CC_EV_COUNT; i++) {
		const char *a = cc_event_name((enum cc_event)i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_STRING_NOT_EQUAL(a, "?");
		for (unsigned int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(a, cc_event_name((enum cc_event)j));
	}
	CU_ASSERT_STRING_EQUAL(cc_event_name(CC_EV_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(cc_event_name(CC_EV_WELDED), "welded");
	CU_ASSERT_STRING_EQUAL(cc_path_name(CC_PATH_CHARGE), "charge");
	CU_ASSERT_STRING_EQUAL(cc_path_name(CC_PATH_DISCHARGE), "discharge");
	CU_ASSERT_STRING_EQUAL(cc_path_name(CC_PATH_COUNT), "?");
}

static void test_no_callback(void)
{
	setup_mpa();
	cc_init(&cc, &cfg, NULL, NULL, now);
	in.current_mA = -30000;
	run(60000);
	CU_ASSERT_TRUE(out.precharge_failed);
	CU_ASSERT_EQUAL(nev, 0);
}

/* ---- the contactors section -------------------------------------------- */

static void test_cfg_defaults(void)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_contactors *k = &c.contactors;
	char msg[200];
	uint32_t off = 0;

	CU_ASSERT_EQUAL_FATAL(parse_plus("", &c, &e), 0);
	CU_ASSERT_EQUAL(k->charge_mode, CFG_CHARGE_ALWAYS);
	CU_ASSERT_EQUAL(k->charge_on_delay_ms, 1000);
	CU_ASSERT_EQUAL(k->charge_off_delay_ms, 3000);
	CU_ASSERT_EQUAL(k->end_of_charge_cell_mV, 3600);
	CU_ASSERT_EQUAL(k->resume_charge_cell_mV, 3400);
	CU_ASSERT_EQUAL(k->precharge_ms, 2000);
	CU_ASSERT_EQUAL(k->precharge_done_mA, 1000);
	CU_ASSERT_EQUAL(k->precharge_timeout_ms, 5000);
	CU_ASSERT_EQUAL(k->precharge_retries, 2);
	CU_ASSERT_EQUAL(k->retry_delay_ms, 10000);
	CU_ASSERT_EQUAL(k->overlap_ms, 200);
	CU_ASSERT_EQUAL(k->feedback_delay_ms, 500);
	CU_ASSERT_EQUAL(k->soft_stop_current_mA, 2000);
	CU_ASSERT_EQUAL(k->soft_stop_timeout_ms, 5000);
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(k, msg, sizeof(msg), &off), 0);
}

static void test_cfg_full_section(void)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_contactors *k = &c.contactors;
	int rc = parse_plus("inputs:\n"
			    "  in1: {role: charger-connected}\n"
			    "contactors:\n"
			    "  charge_mode: charger-connected\n"
			    "  charge_on_delay_ms: 0\n"
			    "  charge_off_delay_ms: 600000\n"
			    "  end_of_charge_cell_mV: 4150\n"
			    "  resume_charge_cell_mV: 4050\n"
			    "  precharge_ms: 10\n"
			    "  precharge_done_mA: 8388607\n"
			    "  precharge_timeout_ms: 10\n"
			    "  precharge_retries: 10\n"
			    "  retry_delay_ms: 0\n"
			    "  overlap_ms: 10000\n"
			    "  feedback_delay_ms: 10\n"
			    "  soft_stop_current_mA: 1\n"
			    "  soft_stop_timeout_ms: 0\n",
			    &c, &e);

	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(k->charge_mode, CFG_CHARGE_CHARGER);
	CU_ASSERT_EQUAL(k->charge_on_delay_ms, 0);
	CU_ASSERT_EQUAL(k->charge_off_delay_ms, 600000);
	CU_ASSERT_EQUAL(k->end_of_charge_cell_mV, 4150);
	CU_ASSERT_EQUAL(k->resume_charge_cell_mV, 4050);
	CU_ASSERT_EQUAL(k->precharge_ms, 10);
	CU_ASSERT_EQUAL(k->precharge_done_mA, 8388607);
	CU_ASSERT_EQUAL(k->precharge_timeout_ms, 10);
	CU_ASSERT_EQUAL(k->precharge_retries, 10);
	CU_ASSERT_EQUAL(k->retry_delay_ms, 0);
	CU_ASSERT_EQUAL(k->overlap_ms, 10000);
	CU_ASSERT_EQUAL(k->feedback_delay_ms, 10);
	CU_ASSERT_EQUAL(k->soft_stop_current_mA, 1);
	CU_ASSERT_EQUAL(k->soft_stop_timeout_ms, 0);
}

static void expect_error(const char *extra, int line, int col, const char *sub)
{
	struct cfg c;
	struct cfg_error e;
	int rc = parse_plus(extra, &c, &e);

	if (rc != -EINVAL || e.line != line || e.col != col || !strstr(e.msg, sub))
		fprintf(stderr, "\nexpected %d:%d '%s', got rc %d %d:%d '%s'\n", line, col, sub, rc,
			e.line, e.col, e.msg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, line);
	CU_ASSERT_EQUAL(e.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "t.yaml:"));
}

/* the fixture has 16 lines: the section starts on line 17 */
static void test_cfg_bad_values(void)
{
	expect_error("contactors:\n  precharge_retries: 11\n", 18, 22, "out of range");
	expect_error("contactors:\n  overlap_ms: 10001\n", 18, 15, "out of range");
	expect_error("contactors:\n  feedback_delay_ms: 9\n", 18, 22, "out of range");
	expect_error("contactors:\n  soft_stop_current_mA: 0\n", 18, 25, "out of range");
	expect_error("contactors:\n  precharge_ms: -5\n", 18, 17, "");
	expect_error("contactors:\n  end_of_charge_cell_mV: 3550x\n", 18, 26, "");
	expect_error("contactors:\n  charge_mode: sometimes\n", 18, 16, "charger-connected");
	expect_error("contactors:\n  charge_mode: [always]\n", 18, 16, "");
	expect_error("contactors:\n  soft_stop_timout_ms: 5\n", 18, 3, "soft_stop_timeout_ms");
	expect_error("contactors:\n  overlap_ms: 1\n  overlap_ms: 2\n", 19, 3, "");
	expect_error("contactors: 5\n", 17, 13, "");
}

static void test_cfg_xcheck_direct(void)
{
	struct cfg_contactors k = {
		.end_of_charge_cell_mV = 3550, .resume_charge_cell_mV = 3400,
		.precharge_ms = 2000, .precharge_timeout_ms = 5000,
	};
	char msg[200];
	uint32_t off = 12345;

	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, sizeof(msg), &off), 0);
	k.resume_charge_cell_mV = k.end_of_charge_cell_mV;
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_contactors, resume_charge_cell_mV));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "resume_charge_cell_mV (3550)"));
	k.resume_charge_cell_mV = k.end_of_charge_cell_mV - 1;
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, sizeof(msg), &off), 0);
	k.precharge_timeout_ms = k.precharge_ms - 1;
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_contactors, precharge_timeout_ms));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "precharge_timeout_ms (1999)"));
	k.precharge_timeout_ms = k.precharge_ms;
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, sizeof(msg), &off), 0);
	/* a short buffer stays terminated */
	k.resume_charge_cell_mV = 4000;
	CU_ASSERT_EQUAL(cfg_contactors_xcheck(&k, msg, 8, &off), 1);
	CU_ASSERT_EQUAL(strlen(msg), 7);
}

static const struct cfg_key *contactors_row(void)
{
	for (const struct cfg_key *r = cfg_schema; r->name; r++)
		if (!strcmp(r->name, "contactors"))
			return r;
	return NULL;
}

/* Through the parser, once the SECTION row carries the hook: the error
 * names the key to blame. */
static void test_cfg_xcheck_parsed(void)
{
	const struct cfg_key *row = contactors_row();
	struct cfg c;
	struct cfg_error e;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_PTR_EQUAL(row->sub, cfg_contactors_keys);
	rc = parse_plus("contactors:\n  end_of_charge_cell_mV: 3500\n"
			"  resume_charge_cell_mV: 3500\n", &c, &e);
	if (row->xcheck != cfg_contactors_xcheck) {
		CU_ASSERT_EQUAL(rc, 0);
		return;
	}
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, 19);
	CU_ASSERT_EQUAL(e.col, 26);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "t.yaml:19:26: contactors.resume_charge_cell_mV: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "must be below end_of_charge_cell_mV"));
	rc = parse_plus("contactors:\n  precharge_ms: 6000\n", &c, &e);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "precharge_timeout_ms (5000)"));
}

static void test_cfg_table(void)
{
	unsigned int n = 0;

	for (const struct cfg_key *k = cfg_contactors_keys; k->name; k++, n++) {
		CU_ASSERT_PTR_NOT_NULL(k->desc);
		CU_ASSERT_PTR_NOT_NULL(k->def);
		CU_ASSERT_FALSE(k->flags & CFG_K_REQUIRED);
		if (k->type == CFG_T_INT)
			CU_ASSERT_PTR_NOT_NULL(k->unit);
		if (k->type == CFG_T_INT && k->unit) {
			char suffix[16];

			snprintf(suffix, sizeof(suffix), "_%s", k->unit);
			CU_ASSERT_PTR_NOT_NULL(strstr(k->name, suffix));
		}
	}
	CU_ASSERT_EQUAL(n, 14);
}

void cu_register(void)
{
	static const struct cu_test modes[] = {
		CU_TEST(test_always_closes_at_once),
		CU_TEST(test_charger_mode_waits_ton),
		CU_TEST(test_charger_lost_allow_at_once_contactor_after_toff),
		CU_TEST(test_charger_glitch_keeps_contactor),
		CU_TEST(test_charger_mode_without_input_never_charges),
		CU_TEST(test_charger_input_inverted),
		CU_TEST(test_always_ignores_charger_input),
		CU_TEST(test_power_down_then_up),
		CU_TEST(test_power_down_current_waits_for_soft_stop),
		CU_TEST(test_power_down_toff_longer_than_timeout),
		CU_TEST(test_power_request_inverted),
		CU_TEST(test_end_of_charge_only_allow_opens),
		CU_TEST(test_end_of_charge_hysteresis),
		CU_TEST(test_end_of_charge_holds_without_data),
		CU_END,
	};
	static const struct cu_test pre[] = {
		CU_TEST(test_precharge_success),
		CU_TEST(test_precharge_waits_for_current),
		CU_TEST(test_precharge_current_at_threshold_is_not_done),
		CU_TEST(test_precharge_timeout_retry_then_success),
		CU_TEST(test_precharge_retries_then_failure_and_reset),
		CU_TEST(test_precharge_failure_timing),
		CU_TEST(test_precharge_no_retries),
		CU_TEST(test_precharge_reset_api),
		CU_TEST(test_precharge_abort_on_disconnect),
		CU_TEST(test_precharge_abort_in_overlap_and_retry_wait),
		CU_TEST(test_precharge_hard_open),
		CU_TEST(test_no_precharge_relay_closes_directly),
		CU_TEST(test_precharge_hands_over_to_discharge),
		CU_TEST(test_precharge_main_with_branch),
		CU_TEST(test_precharge_overlap_zero),
		CU_END,
	};
	static const struct cu_test fb[] = {
		CU_TEST(test_feedback_follows),
		CU_TEST(test_weld_detected_and_latched),
		CU_TEST(test_weld_found_again_after_reset),
		CU_TEST(test_stuck_open_is_mismatch_not_weld),
		CU_TEST(test_feedback_short_disagreement_ignored),
		CU_TEST(test_feedback_inversion),
		CU_TEST(test_feedback_wrong_inversion_mismatches),
		CU_TEST(test_no_feedback_input_nothing_checked),
		CU_TEST(test_feedback_against_mcu_drive),
		CU_TEST(test_feedback_suspended_without_io),
		CU_END,
	};
	static const struct cu_test stop[] = {
		CU_TEST(test_soft_stop_current_falls),
		CU_TEST(test_soft_stop_timeout),
		CU_TEST(test_soft_stop_timeout_zero),
		CU_TEST(test_soft_stop_without_current_reading),
		CU_TEST(test_soft_stop_reading_lost_midway),
		CU_TEST(test_soft_stop_unmeasured_after_toff),
		CU_TEST(test_hold_keeps_open_paths_open),
		CU_TEST(test_hold_does_not_open_closed_paths),
		CU_TEST(test_hold_main_shared),
		CU_TEST(test_hold_aborts_precharge),
		CU_TEST(test_restore_latches),
		CU_TEST(test_soft_stop_idle_opens_at_once),
		CU_TEST(test_soft_stop_cancelled),
		CU_TEST(test_open_now_opens_at_once),
		CU_TEST(test_open_now_during_soft_stop),
		CU_TEST(test_open_all_soft_then_fault),
		CU_TEST(test_cd_block_charge),
		CU_TEST(test_cd_block_charge_while_discharging),
		CU_TEST(test_cd_block_discharge),
		CU_TEST(test_main_block_charge_keeps_main),
		CU_TEST(test_main_block_discharge_keeps_main),
		CU_TEST(test_main_block_discharge_no_charger_opens),
		CU_TEST(test_main_both_blocked_waits_either_direction),
		CU_TEST(test_mpa_block_charge_allow_only),
		CU_TEST(test_mpa_reconnect_precharges_again),
		CU_END,
	};
	static const struct cu_test io[] = {
		CU_TEST(test_inhibit_charge),
		CU_TEST(test_inhibit_discharge_inverted),
		CU_TEST(test_emergency_stop),
		CU_TEST(test_emergency_stop_inverted_opens_heater),
		CU_TEST(test_insulation_fault),
		CU_TEST(test_inputs_inactive_without_io),
		CU_TEST(test_do_roles),
		CU_TEST(test_do_balancing_and_inversion),
		CU_TEST(test_do_ready_needs_connection),
		CU_TEST(test_alarm_relay),
		CU_TEST(test_heater_relay),
		CU_TEST(test_not_armed_everything_open),
		CU_TEST(test_not_armed_heater_off),
		CU_TEST(test_set_config_same_roles_keeps_state),
		CU_TEST(test_set_config_new_roles_restarts_keeps_latches),
		CU_TEST(test_names),
		CU_TEST(test_no_callback),
		CU_END,
	};
	static const struct cu_test conf[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_full_section),
		CU_TEST(test_cfg_bad_values),
		CU_TEST(test_cfg_xcheck_direct),
		CU_TEST(test_cfg_xcheck_parsed),
		CU_TEST(test_cfg_table),
		CU_END,
	};

	cu_add("cc charge modes", modes);
	cu_add("cc precharge", pre);
	cu_add("cc feedback", fb);
	cu_add("cc soft stop and blocks", stop);
	cu_add("cc inputs and outputs", io);
	cu_add("cc config", conf);
}
