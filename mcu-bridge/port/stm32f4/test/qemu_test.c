/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated smoke test: the firmware core and the port's startup code
 * on QEMU's netduinoplus2 (an STM32F405), fed canned samples through qhal.
 * Time is the tick count: tick n runs fw_tick(n). Each check prints a line;
 * the first failure ends the run with its number as the exit status, which
 * semihosting hands to QEMU. A last check provokes a UsageFault and expects
 * the port's fault path to take it.
 */
#include "qhal.h"
#include "semihost.h"
#include "../clk.h"
#include "../regs.h"
#include "../startup.h"
#include "../../../core/fw.h"
#include "../../../hal/hal_gpio.h"
#include "../../../hal/hal_sys.h"

#define HB_TIMEOUT_MS 200u
#define OFFLINE_MS 1000u
#define CELL_HIGH_MV 3800u
#define SHORT_MA 100000u

static struct fw fw;
static uint32_t t;          /* the last tick run */
static uint32_t cfg_crc;
static bool daemon_on;      /* heartbeat and relay command every 100 ms */
static uint8_t relay_want;
static uint32_t last_hb;
static unsigned int check_no;
static bool expect_fault;

static void fail(const char *what, uint32_t v)
{
	semihost_puts("FAIL: ");
	semihost_puts(what);
	semihost_puts(" (value ");
	semihost_putu(v);
	semihost_puts(", tick ");
	semihost_putu(t);
	semihost_puts(")\n");
	semihost_exit(check_no ? check_no : 1);
}

static void check(bool ok, const char *what, uint32_t v)
{
	if (!ok)
		fail(what, v);
}

static void begin(const char *name)
{
	check_no++;
	semihost_puts("check ");
	semihost_putu(check_no);
	semihost_puts(": ");
	semihost_puts(name);
	semihost_puts("\n");
}

static void send(const struct bp_msg *m)
{
	struct bp_frame f;

	check(bp_encode(m, &f) == BP_OK && qhal_inject(&f), "queue a frame", m->type);
}

static void daemon_step(uint8_t flags)
{
	struct bp_msg hb = { .type = BP_T_HEARTBEAT }, out = { .type = BP_T_OUTPUT_CMD };

	hb.u.hb.cfg_crc = cfg_crc;
	hb.u.hb.daemon_state = 1;
	send(&hb);
	out.u.out.relays = relay_want;
	out.u.out.flags = flags;
	send(&out);
	last_hb = t + 1; /* received in the next tick */
}

/* One tick; the relay LEDs must follow the relays in the same tick. */
static void tick(void)
{
	if (daemon_on && (t + 1) % 100u == 0)
		daemon_step(0);
	t++;
	qh.now = t;
	fw_tick(&fw, t);
	for (unsigned int i = 0; i < 4; i++)
		check(qh.led[HAL_LED_RELAY1 + i] == !!(qh.relays & (1u << i)),
		      "relay LED follows its relay", i + 1);
}

static void run(uint32_t n)
{
	while (n--)
		tick();
}

/* Every change of @led recorded from tick @from on is @half_ms after the
 * previous one and falls on a multiple of @half_ms; at least @min of them. */
static void check_blink(enum hal_led led, uint32_t from, uint32_t half_ms, unsigned int min,
			const char *what)
{
	unsigned int n = qh.nedge[led], first = n > QHAL_EDGES ? n - QHAL_EDGES : 0, seen = 0;
	uint32_t prev = 0;
	bool ok = true;

	for (unsigned int i = first; i < n; i++) {
		uint32_t e = qh.edge[led][i % QHAL_EDGES];

		if (e < from)
			continue;
		ok = ok && e % half_ms == 0 && (!seen || e - prev == half_ms);
		prev = e;
		seen++;
	}
	if (ok && seen >= min)
		return;
	semihost_puts("  changes at ticks:");
	for (unsigned int i = first; i < n; i++) {
		semihost_puts(" ");
		semihost_putu(qh.edge[led][i % QHAL_EDGES]);
	}
	semihost_puts("\n");
	fail(what, seen);
}

static void config(void)
{
	struct bp_config c = { 0 };
	struct bp_frame fr[BP_CFG_MAX_SEGMENTS + 1];
	int n;

	c.board_count = 1;
	c.cells_per_board = 4;
	c.temps_per_board = 2;
	c.current_sensors = 1;
	c.heartbeat_timeout_ms = HB_TIMEOUT_MS;
	c.logic_offline_ms = OFFLINE_MS;
	c.cell_crit_high_mV = CELL_HIGH_MV;
	c.cell_crit_low_mV = 2000;
	c.temp_crit_high_dC = 650;
	c.temp_crit_low_dC = -300;
	c.short_circuit_mA = SHORT_MA;
	c.plausibility_mA = 5000;
	c.di_debounce_ms = 20;
	c.ntc_enable = 0;
	c.cs[0].gain_uA_per_mV = 100000; /* 10 mV/A */
	c.cs[0].range_mA = 240000;
	c.cs[1].gain_uA_per_mV = 500000;
	c.cs[1].range_mA = 1200000;
	c.ntc[0].model = c.ntc[1].model = BP_NTC_BETA;
	c.ntc[0].beta_K = c.ntc[1].beta_K = 3950;
	c.ntc[0].r25_ohm = c.ntc[1].r25_ohm = 10000;
	c.cell_ntc.model = BP_NTC_NONE;
	n = bp_config_push(&c, fr, BP_CFG_MAX_SEGMENTS + 1, &cfg_crc);
	check(n > 0, "build the configuration push", (uint32_t)n);
	for (int i = 0; i < n; i++)
		check(qhal_inject(&fr[i]), "queue the configuration push", (uint32_t)i);
}

/* Re-arm after a trip: cause gone, TRIP_RESET, then the relay command. */
static void rearm(void)
{
	daemon_step(BP_CMD_TRIP_RESET);
	run(1);
	daemon_step(0);
	run(1);
	check(fw.safety.state == BP_SAFETY_ARMED, "re-armed after TRIP_RESET", fw.safety.state);
	check(qh.relays == relay_want, "relays closed again", qh.relays);
}

int main(void)
{
	uint32_t t0, t_seen;

	semihost_puts("bms-bridge emulated smoke test: core ");
	semihost_putu(FW_VERSION_MAJOR);
	semihost_puts(".");
	semihost_putu(FW_VERSION_MINOR);
	semihost_puts(".");
	semihost_putu(FW_VERSION_PATCH);
	semihost_puts(clk.hse_ok ? ", HSE/PLL 168 MHz\n" : ", HSI 16 MHz (no crystal modelled)\n");

	qhal_reset();
	fw_init(&fw, hal_board_id());

	begin("relays open at start, FPU usable");
	{
		volatile float x = 2.0f;

		check(x * 1.5f == 3.0f, "float arithmetic", 0);
	}
	check(qh.relays == 0, "relays open after fw_init", qh.relays);

	begin("configuration push verified");
	qh.board_silent = true;
	config();
	run(3);
	check(fw.cfg_state == BP_CFG_ACTIVE, "configuration active", fw.cfg_state);
	check(fw.cfg_crc == cfg_crc, "active CRC", fw.cfg_crc);
	check(qh.relays == 0, "relays open while locked", qh.relays);

	begin("LEDs while the Logic board is silent: run 1 Hz, comm 2 Hz");
	qhal_clear_edges();
	t0 = t;
	run(2000);
	check_blink(HAL_LED_RUN, t0 + 1, 500, 3, "run LED toggles every 500 ticks");
	check_blink(HAL_LED_COMM, t0 + 1, 250, 7, "comm LED toggles every 250 ticks (2 Hz)");
	check(qh.nedge[HAL_LED_ERROR] > 0, "error LED blinks on the timeouts", 0);

	begin("LEDs once the board answers: comm 25 Hz");
	qh.board_silent = false;
	run(300);
	check(fw.lb.board[0].online, "board online", 0);
	qhal_clear_edges();
	t0 = t;
	run(1000);
	check_blink(HAL_LED_COMM, t0 + 1, 20, 40, "comm LED toggles every 20 ticks (25 Hz)");
	check_blink(HAL_LED_RUN, t0 + 1, 500, 2, "run LED toggles every 500 ticks");
	check(!qh.led[HAL_LED_ERROR] && qh.nedge[HAL_LED_ERROR] == 0, "error LED dark",
	      qh.nedge[HAL_LED_ERROR]);
	check(qh.reads > 0 && fw.lb.timeouts > 0, "polled, and timed out while silent",
	      fw.lb.timeouts);

	begin("armed by the heartbeat, relays follow the command");
	relay_want = 0x5;
	daemon_on = true;
	daemon_step(0);
	run(150);
	check(fw.safety.state == BP_SAFETY_ARMED, "armed", fw.safety.state);
	check(qh.relays == 0x5, "relays 1 and 3 closed", qh.relays);

	begin("short circuit opens the relays on the very next sample");
	run(7);
	check(qh.relays == 0x5, "closed before the sample", qh.relays);
	qh.scan.cs_out[0] = 2048 + 1000; /* 1.209 V at 10 mV/A: 120.9 A > 100 A */
	tick();
	check(qh.relays == 0, "open after the tick that took the sample", qh.relays);
	check(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT, "trip reason SHORT_CIRCUIT", fw.safety.trip);
	qh.scan.cs_out[0] = 2048;
	run(5);
	check(qh.relays == 0, "stays open (latched)", qh.relays);
	rearm();

	begin("cell over-voltage opens the relays on the very next sample");
	qh.cell_mV[2] = CELL_HIGH_MV + 50;
	t_seen = 0;
	for (unsigned int i = 0; i < 300 && !t_seen; i++) {
		uint8_t before = qh.relays;

		tick();
		if (fw.lb.board[0].cell_mV[2] == CELL_HIGH_MV + 50) {
			t_seen = t;
			check(before == 0x5, "closed until the sample arrived", before);
		}
	}
	check(t_seen != 0, "the sample reached the core", 0);
	check(qh.max_cell_served_mV == CELL_HIGH_MV + 50, "the board served it",
	      qh.max_cell_served_mV);
	check(qh.relays == 0, "open in the tick that took the sample", qh.relays);
	check(fw.safety.trip & BP_TRIP_CELL_HIGH, "trip reason CELL_HIGH", fw.safety.trip);
	qh.cell_mV[2] = 3300;
	run(200);
	rearm();

	begin("heartbeat loss opens the relays within the timeout");
	run(150);
	check(qh.relays == 0x5, "closed while the heartbeat flows", qh.relays);
	daemon_on = false;
	t0 = last_hb;
	while (qh.relays && t < t0 + 2 * HB_TIMEOUT_MS)
		tick();
	check(qh.relays == 0, "opened", qh.relays);
	check(t - t0 <= HB_TIMEOUT_MS + 1u, "no later than the timeout + 1 tick", t - t0);
	check(t - t0 >= HB_TIMEOUT_MS, "not before the timeout", t - t0);
	check(fw.safety.trip & BP_TRIP_HEARTBEAT, "trip reason HEARTBEAT", fw.safety.trip);
	semihost_puts("  opened ");
	semihost_putu(t - t0);
	semihost_puts(" ticks after the last heartbeat (timeout ");
	semihost_putu(HB_TIMEOUT_MS);
	semihost_puts(")\n");

	begin("board offline: error LED 2 Hz, comm LED back to 2 Hz");
	qh.board_silent = true;
	run(OFFLINE_MS + 200);
	check(!fw.lb.board[0].online, "board offline", 0);
	qhal_clear_edges();
	t0 = t;
	run(1500);
	check_blink(HAL_LED_ERROR, t0 + 1, 250, 5, "error LED toggles every 250 ticks (2 Hz)");
	check_blink(HAL_LED_COMM, t0 + 1, 250, 5, "comm LED toggles every 250 ticks (2 Hz)");

	begin("watchdog kicked once per healthy tick");
	check(qh.kicks == t, "one kick per tick", qh.kicks);

	semihost_puts("stack: ");
	semihost_putu((uint32_t)((uint8_t *)&_stack_top - (uint8_t *)&_stack_bottom) -
		      startup_stack_unused());
	semihost_puts(" bytes used of ");
	semihost_putu((uint32_t)((uint8_t *)&_stack_top - (uint8_t *)&_stack_bottom));
	semihost_puts("\n");

	begin("a fault enters the fault path");
	expect_fault = true;
	__asm volatile("udf #0");
	fail("no fault taken", 0);
	return 0;
}

void startup_fault_halt(const struct startup_fault *f)
{
	if (expect_fault && f->magic == STARTUP_FAULT_MAGIC && (f->ipsr == 3 || f->ipsr == 6) &&
	    f->pc != 0) {
		semihost_puts("  fault taken: exception ");
		semihost_putu(f->ipsr);
		semihost_puts(", outputs driven low, fresh stack\n");
		semihost_puts("PASS: ");
		semihost_putu(check_no);
		semihost_puts(" checks, ");
		semihost_putu(t);
		semihost_puts(" ticks\n");
		semihost_exit(0);
	}
	semihost_puts("FAIL: unexpected fault, exception ");
	semihost_putu(f->ipsr);
	semihost_puts(" at pc ");
	semihost_putu(f->pc);
	semihost_puts(" cfsr ");
	semihost_putu(f->cfsr);
	semihost_puts("\n");
	semihost_exit(99);
}
