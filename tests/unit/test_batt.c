/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batt: the battery step as a whole. Each scenario is a table of rows:
 * what changes at a time (the pack's figures, the current, the MCU's
 * safety floor, the inputs, an operator's request), then what must hold
 * after that step (the relay and output command, the limits, the soft stop,
 * the heater, the latches, what was persisted) and which events must or
 * must not have come since the previous row.
 *
 * Between rows the harness runs the daemon's timers: a tick (step and slow
 * step) every 10 ms, and a step every millisecond while out.fast asks for
 * it. A row's own step is a frame's (rx_us is its time), followed by the
 * tick when it falls on one. A small plant stands for the MCU: it takes
 * every command that batt_out sends, and drives the commanded relays while
 * its floor is armed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "batt.h"
#include "cfg.h"
#include "events.h"

/* relay roles of the configuration below, and its one output */
#define CHG 0x1
#define DSG 0x2
#define HEAT 0x4
#define DO_BAL 0x1

#define T0_MS 1000000u
#define NCELLS 4u

static const char yaml[] =
	"board: main-2r\n"
	"link:\n"
	"  interface: socketcan:can0\n"
	"pack:\n"
	"  boards: 1\n"
	"  cells_per_board: 4\n"
	"  temps_per_board: 2\n"
	"safety_floor:\n"
	"  cell_high_mV: 3650\n"
	"  cell_low_mV: 2500\n"
	"  short_circuit_mA: 200000\n"
	"current_sensors:\n"
	"  cs1:\n"
	"    sensitivity_uV_per_A: 10000\n"
	"    range_mA: 240000\n"
	"relays:\n"
	"  relay1: {role: charge}\n"
	"  relay2: {role: discharge}\n"
	"  relay3: {role: heater}\n"
	"inputs:\n"
	"  in1: {role: emergency-stop}\n"
	"outputs:\n"
	"  out1: {role: balancing}\n"
	"heater:\n"
	"  enable: true\n"
	"protections:\n"
	"  cell_over_voltage:\n"
	"    set_mV: 3550\n"
	"    clear_mV: 3450\n"
	"limits:\n"
	"  ccl_pct_vs_soc_pct: [[90, 100], [100, 0]]\n";

/* ---- the host ------------------------------------------------------------ */

#define MAX_EV 256u

struct ev {
	unsigned int code;
	int prio;
	char text[256];
};

static struct ev evs[MAX_EV];
static unsigned int nev;
static unsigned int npersist;
static struct soc_persist persisted;
static int host_arg;

static void on_event(void *arg, unsigned int code, int prio, const char *text)
{
	CU_ASSERT_PTR_EQUAL(arg, &host_arg);
	if (nev < MAX_EV) {
		evs[nev].code = code;
		evs[nev].prio = prio;
		snprintf(evs[nev].text, sizeof(evs[nev].text), "%s", text);
	}
	nev++;
}

static void on_persist(void *arg, const struct soc_persist *ps)
{
	CU_ASSERT_PTR_EQUAL(arg, &host_arg);
	persisted = *ps;
	npersist++;
}

static const struct batt_host host = { .arg = &host_arg, .event = on_event,
				       .persist = on_persist };

static const struct ev *find_ev(unsigned int code, const char *text)
{
	for (unsigned int i = 0; i < nev && i < MAX_EV; i++)
		if (evs[i].code == code && (!text || strstr(evs[i].text, text)))
			return &evs[i];
	return NULL;
}

static void dump_ev(void)
{
	for (unsigned int i = 0; i < nev && i < MAX_EV; i++)
		fprintf(stderr, "    event %u: %s\n", evs[i].code, evs[i].text);
}

/* ---- the pack and the plant ---------------------------------------------- */

struct pack {
	uint16_t cell_max, cell_min;
	int16_t temp_min, temp_max;
	int32_t mA;
	uint8_t cur_flags;
	int safety;
	uint8_t di;
	bool link_up;
};

static struct cfg cfg;
static struct batt B;
static struct pack pk;
static struct batt_out out;
static uint8_t relays_cmd, dos_cmd; /* what the plant was last sent */
static uint32_t bal_mask;           /* board 1's bleed mask, as last sent */
static struct pmodel_summary sum;
static struct bp_snapshot snap;
static struct bp_logic lg;
static struct bp_io io;
static struct bp_current cur;

static void load_cfg(void)
{
	struct cfg_error e;
	int rc = cfg_parse("t.yaml", yaml, strlen(yaml), &cfg, &e);

	if (rc < 0)
		fprintf(stderr, "config: %s\n", e.msg);
	CU_ASSERT_FATAL(rc == 0);
}

static void nominal(void)
{
	pk = (struct pack){ .cell_max = 3300, .cell_min = 3300, .temp_min = 250, .temp_max = 250,
			    .safety = BP_SAFETY_ARMED, .link_up = true };
	relays_cmd = dos_cmd = 0;
	bal_mask = 0;
	memset(&snap, 0, sizeof(snap));
	nev = 0;
	npersist = 0;
	memset(&persisted, 0, sizeof(persisted));
}

static void start(const struct batt_restore *r)
{
	struct batt_restore none = { .file = "/var/lib/bmsd/state", .rc = -ENOENT };

	load_cfg();
	nominal();
	batt_init(&B, &cfg, &host, r ? r : &none, T0_MS);
}

/* What the pack model would hold for @pk at @now_ms. */
static void input(struct batt_in *in, uint64_t now_ms, uint64_t rx_us)
{
	uint16_t mid = (uint16_t)((pk.cell_max + pk.cell_min) / 2u);
	struct bp_board_snap *bs = &snap.board[0];

	memset(&sum, 0, sizeof(sum));
	sum.cells = sum.cells_valid = NCELLS;
	sum.cell_max_mV = pk.cell_max;
	sum.cell_min_mV = pk.cell_min;
	sum.cell_mean_mV = mid;
	sum.pack_mV = pk.cell_max + pk.cell_min + 2u * mid;
	sum.temps = sum.temps_valid = 2;
	sum.temp_min_dC = pk.temp_min;
	sum.temp_max_dC = pk.temp_max;
	sum.present_mask = sum.online_mask = sum.fresh_mask = 1;
	sum.boards_present = sum.boards_online = sum.boards_fresh = 1;

	snap.cycle++;
	snap.time_ms = now_ms;
	snap.present = 1;
	bs->flags = BP_BOARD_ONLINE;
	bs->ncells = NCELLS;
	bs->ntemps = 2;
	bs->cell_mV[0] = pk.cell_min;
	bs->cell_mV[1] = mid;
	bs->cell_mV[2] = mid;
	bs->cell_mV[3] = pk.cell_max;
	bs->temp_dC[0] = pk.temp_min;
	bs->temp_dC[1] = pk.temp_max;

	lg = (struct bp_logic){ .online = 1, .boards = 1 };
	io = (struct bp_io){ .di = pk.di, .dos = dos_cmd, .relay_cmd = relays_cmd };
	io.relay_out = pk.safety == BP_SAFETY_ARMED ? relays_cmd : 0;
	cur = (struct bp_current){ .flags = BP_CUR_S1_VALID | pk.cur_flags, .mA = { pk.mA, 0 } };

	memset(in, 0, sizeof(*in));
	in->rx_us = rx_us;
	in->sum = &sum;
	in->snap = &snap;
	in->logic = &lg;
	in->io = &io;
	batt_current(&cur, &in->cur);
	in->mcu_safety = pk.safety;
	/* as bmsd_faults() reports it: a tripped floor is the mcu-trip fault */
	in->faults = pk.safety == BP_SAFETY_TRIPPED ? BMSD_F_MCU_TRIP : 0;
	in->link_verified = pk.link_up;
	in->link_up = pk.link_up;
	in->relays_cmd = relays_cmd;
	in->dos_cmd = dos_cmd;
	in->peer_alive = -1;
	in->temp_mean_valid = true;
	in->temp_mean_dC = (int16_t)((pk.temp_min + pk.temp_max) / 2);
}

/* The MCU takes what was sent. */
static void plant(void)
{
	if (out.send) {
		relays_cmd = out.relays;
		dos_cmd = out.dos;
	}
	if (out.balance)
		bal_mask = out.bal_mask[0];
}

/* One step at @now_ms: a frame's received at @rx_us, or a timer's (0). */
static void step(uint64_t now_ms, uint64_t rx_us)
{
	struct batt_in in;

	input(&in, now_ms, rx_us);
	batt_step(&B, &in, now_ms * 1000u, &out);
	plant();
}

/* The 10 ms tick: a step, then the slow step with the same inputs. */
static void tick(uint64_t now_ms)
{
	struct batt_in in;

	input(&in, now_ms, 0);
	batt_step(&B, &in, now_ms * 1000u, &out);
	batt_slow_step(&B, &in, now_ms, &out);
	plant();
}

static bool on_tick(uint64_t ms)
{
	return (ms - T0_MS) % 10u == 0;
}

/* The daemon's timers after @from_ms, up to @to_ms (excluded). */
static void run_until(uint64_t from_ms, uint64_t to_ms)
{
	for (uint64_t ms = from_ms + 1; ms < to_ms; ms++) {
		if (on_tick(ms))
			tick(ms);
		else if (out.fast)
			step(ms, 0);
	}
}

/* Frames at @ms, and the tick when it falls then. */
static void frames_at(uint64_t ms)
{
	step(ms, ms * 1000u);
	if (on_tick(ms))
		tick(ms);
}

/* ---- the rows ------------------------------------------------------------ */

enum op { OP_NONE = 0, OP_RESET, OP_DISCONNECT, OP_CONNECT, OP_SOC_100, OP_SOC_50 };
enum lim { LIM_ANY = 0, LIM_ZERO, LIM_POS };

struct want_ev {
	unsigned int code; /* 0: none */
	const char *text;  /* a part of its text; NULL: any */
};

struct opt {
	bool set;
	int v;
};

struct row {
	uint32_t at;                       /* ms since the start */
	/* changes from this row on; what a row leaves out stays */
	struct { bool set; uint16_t max, min; } cells;
	struct { bool set; int16_t min, max; } temp;
	struct { bool set; int32_t mA; uint8_t flags; } cur;
	struct opt mcu, di;
	enum op op;                        /* before the step */
	/* after the step */
	struct opt relays, dos, bal, soft, heat, fast, latched;
	enum lim ccl, dcl;
	struct { bool set; uint32_t prot; bool disconnect; } saved; /* last persisted */
	struct want_ev ev, ev2;            /* came since the previous row */
	unsigned int no_ev;                /* did not come */
};

#define CELLS(hi, lo) .cells = { true, hi, lo }
#define TEMP(lo, hi) .temp = { true, lo, hi }
#define CUR(ma, fl) .cur = { true, ma, fl }
#define MCU(s) .mcu = { true, BP_SAFETY_##s }
#define DI(m) .di = { true, m }
#define OP(o) .op = OP_##o
#define RELAYS(m) .relays = { true, m }
#define DOS(m) .dos = { true, m }
#define BAL(m) .bal = { true, m }
#define SOFT(b) .soft = { true, b }
#define HEATER(b) .heat = { true, b }
#define FAST(b) .fast = { true, b }
#define LATCHED(m) .latched = { true, (int)(m) }
#define CCL(l) .ccl = LIM_##l
#define DCL(l) .dcl = LIM_##l
#define SAVED(m, d) .saved = { true, m, d }
#define EV(c, t) .ev = { c, t }
#define EV2(c, t) .ev2 = { c, t }
#define NO_EV(c) .no_ev = c

#define P(id) (1u << PROT_##id)

static void apply(const struct row *r)
{
	if (r->cells.set) {
		pk.cell_max = r->cells.max;
		pk.cell_min = r->cells.min;
	}
	if (r->temp.set) {
		pk.temp_min = r->temp.min;
		pk.temp_max = r->temp.max;
	}
	if (r->cur.set) {
		pk.mA = r->cur.mA;
		pk.cur_flags = r->cur.flags;
	}
	if (r->mcu.set)
		pk.safety = r->mcu.v;
	if (r->di.set)
		pk.di = (uint8_t)r->di.v;
	switch (r->op) {
	case OP_RESET:
		batt_reset(&B, pk.safety == BP_SAFETY_TRIPPED);
		break;
	case OP_DISCONNECT:
	case OP_CONNECT:
		CU_ASSERT(batt_set_connect(&B, r->op == OP_CONNECT));
		break;
	case OP_SOC_100:
		batt_set_soc(&B, 1000, "test", (T0_MS + r->at));
		break;
	case OP_SOC_50:
		batt_set_soc(&B, 500, "test", (T0_MS + r->at));
		break;
	case OP_NONE:
		break;
	}
}

static bool lim_ok(enum lim l, uint32_t v)
{
	return l == LIM_ANY || (l == LIM_ZERO ? v == 0 : v > 0);
}

/* Every expectation of @r; false (with the reason on stderr) on the first
 * that fails. */
static bool check(const char *name, const struct row *r)
{
	struct view v = { .link_up = true };
	const struct want_ev *w[2] = { &r->ev, &r->ev2 };
	char why[200] = "";

	batt_publish(&B, relays_cmd, &v);
#define WANT(cond, ...)                                                                  \
	do {                                                                             \
		if (!(cond) && !why[0])                                                  \
			snprintf(why, sizeof(why), __VA_ARGS__);                         \
	} while (0)
	WANT(!r->relays.set || relays_cmd == r->relays.v, "relays 0x%x, want 0x%x", relays_cmd,
	     r->relays.v);
	WANT(!r->dos.set || dos_cmd == r->dos.v, "dos 0x%x, want 0x%x", dos_cmd, r->dos.v);
	WANT(!r->bal.set || bal_mask == (uint32_t)r->bal.v, "bleed 0x%x, want 0x%x", bal_mask,
	     r->bal.v);
	WANT(!r->soft.set || v.soft_stop == r->soft.v, "soft stop %d", v.soft_stop);
	WANT(!r->heat.set || v.heater_on == r->heat.v, "heater %d", v.heater_on);
	WANT(!r->fast.set || out.fast == r->fast.v, "fast %d", out.fast);
	WANT(!r->latched.set || v.latched == (uint32_t)r->latched.v, "latched 0x%x", v.latched);
	WANT(lim_ok(r->ccl, v.ccl_mA), "CCL %u mA", v.ccl_mA);
	WANT(lim_ok(r->dcl, v.dcl_mA), "DCL %u mA", v.dcl_mA);
	WANT(!r->saved.set || (npersist && persisted.prot_latched == r->saved.prot &&
			       persisted.disconnect == r->saved.disconnect),
	     "persisted %u times, last latches 0x%x, disconnect %d", npersist,
	     persisted.prot_latched, persisted.disconnect);
	for (unsigned int i = 0; i < 2; i++)
		WANT(!w[i]->code || find_ev(w[i]->code, w[i]->text), "no event %u \"%s\"",
		     w[i]->code, w[i]->text ? w[i]->text : "");
	WANT(!r->no_ev || !find_ev(r->no_ev, NULL), "event %u came", r->no_ev);
	WANT(nev <= MAX_EV, "%u events", nev);
#undef WANT
	if (!why[0])
		return true;
	fprintf(stderr, "\n  %s, row at %u ms: %s\n", name, r->at, why);
	dump_ev();
	return false;
}

static void run(const char *name, const struct row *rows, unsigned int n)
{
	uint64_t last = T0_MS - 1;

	start(NULL);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t at = T0_MS + rows[i].at;

		CU_ASSERT_FATAL(at > last);
		run_until(last, at);
		apply(&rows[i]);
		frames_at(at);
		CU_ASSERT(check(name, &rows[i]));
		nev = 0;
		last = at;
	}
}

#define RUN(rows) run(#rows, rows, sizeof(rows) / sizeof(rows[0]))

/* ---- scenarios ----------------------------------------------------------- */

/* A cell over-voltage through its set delay: the charge path holds while
 * it runs, then CCL is 0 at once and the charge path soft-stops on the
 * charging current; it opens once the current has fallen. The discharge
 * path stays. The protection clears after its clear delay, and the charge
 * path closes again. */
static const struct row over_voltage[] = {
	{ 0, RELAYS(CHG | DSG), EV(EV_CONTACTOR, "charge-on") },
	{ 1000, CCL(POS), DCL(POS), FAST(0) },
	{ 1010, CELLS(3560, 3400), CUR(10000, 0), RELAYS(CHG | DSG), CCL(POS), FAST(1),
	  NO_EV(EV_PROT_SET) },
	{ 2009, RELAYS(CHG | DSG), CCL(POS), SOFT(0), NO_EV(EV_PROT_SET) },
	{ 2010, RELAYS(CHG | DSG), CCL(ZERO), DCL(POS), SOFT(1), FAST(0),
	  EV(EV_PROT_SET, "protection cell_over_voltage set: 3560 mV (critical, block-charge)"),
	  EV2(EV_CONTACTOR, "soft-stop-start (charge path)") },
	{ 2500, CUR(0, 0), RELAYS(DSG), CCL(ZERO), DCL(POS), SOFT(0),
	  EV(EV_CONTACTOR, "soft-stop-end (charge path)") },
	{ 3000, CELLS(3300, 3300), RELAYS(DSG), CCL(ZERO) },
	{ 7990, RELAYS(DSG), CCL(ZERO), NO_EV(EV_PROT_CLEAR) },
	{ 8000, RELAYS(CHG | DSG), EV(EV_PROT_CLEAR, "protection cell_over_voltage cleared"),
	  EV2(EV_CONTACTOR, "charge-on") },
	{ 9000, RELAYS(CHG | DSG), CCL(POS), DCL(POS), LATCHED(0) },
};

/* A cold pack: the heater's charge block opens the charge path and zeroes
 * CCL at once while the heater runs; charge_under_temperature sets after
 * its delay. Warm again, the heater stops and releases its block, but the
 * protection keeps the charge path open until it has cleared. */
static const struct row cold_charge[] = {
	{ 0, RELAYS(CHG | DSG), HEATER(0) },
	{ 1005, TEMP(-50, 0), RELAYS(DSG | HEAT), HEATER(1), CCL(ZERO), DCL(POS), FAST(1),
	  EV(EV_CONTACTOR, "soft-stop-end (charge path)"), NO_EV(EV_PROT_SET) },
	{ 6004, RELAYS(DSG | HEAT), CCL(ZERO), NO_EV(EV_PROT_SET) },
	{ 6005, RELAYS(DSG | HEAT), HEATER(1), CCL(ZERO),
	  EV(EV_PROT_SET,
	     "protection charge_under_temperature set: -5.0 degC (alarm, block-charge)") },
	{ 8000, TEMP(40, 60), RELAYS(DSG | HEAT), HEATER(1), CCL(ZERO) },
	{ 9000, TEMP(120, 150), RELAYS(DSG), HEATER(0), CCL(ZERO) },
	{ 17990, RELAYS(DSG), CCL(ZERO), NO_EV(EV_PROT_CLEAR) },
	{ 18000, RELAYS(CHG | DSG), HEATER(0),
	  EV(EV_PROT_CLEAR, "protection charge_under_temperature cleared") },
	{ 19000, RELAYS(CHG | DSG), CCL(POS) },
};

/* The MCU's floor trips: every relay, the heater's too, is commanded open
 * in the same step. Armed again, the trip stays latched and nothing
 * closes until a fault reset. */
static const struct row mcu_trip[] = {
	{ 0, RELAYS(CHG | DSG), HEATER(0) },
	{ 50, TEMP(45, 60), RELAYS(CHG | DSG | HEAT), HEATER(1) },
	{ 100, MCU(TRIPPED), RELAYS(0), CCL(ZERO), DCL(ZERO),
	  EV(EV_PROT_SET, "protection safety_floor_trip set (critical, open-all)"),
	  EV2(EV_CONTACTOR, "open-now") },
	{ 300, MCU(ARMED), RELAYS(0), LATCHED(P(MCU_TRIP)), SAVED(P(MCU_TRIP), false),
	  EV(EV_PROT_LATCHED, "protection safety_floor_trip gone, held until a fault reset") },
	{ 5000, RELAYS(0), CCL(ZERO), DCL(ZERO), LATCHED(P(MCU_TRIP)), NO_EV(EV_CONTACTOR) },
	{ 5010, OP(RESET), RELAYS(CHG | DSG | HEAT), LATCHED(0), SAVED(0, false),
	  EV(EV_PROT_RESET, "protection safety_floor_trip reset") },
};

/* A reset sent while the MCU is still tripped: safety_floor_trip follows
 * the MCU, and clears in the step where the MCU reports the floor armed. */
static const struct row mcu_trip_reset_early[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 100, MCU(TRIPPED), RELAYS(0) },
	{ 200, OP(RESET), RELAYS(0), NO_EV(EV_PROT_RESET) },
	{ 1000, RELAYS(0), NO_EV(EV_PROT_RESET) },
	{ 1010, MCU(ARMED), RELAYS(CHG | DSG), LATCHED(0),
	  EV(EV_PROT_LATCHED, "safety_floor_trip gone"),
	  EV2(EV_PROT_RESET, "protection safety_floor_trip reset") },
};

/* The emergency stop opens everything at once through the contactor
 * control; the protection sees it one step later, and persists its latch
 * that very step. Released, it is held; a reset while it is pressed does
 * not clear the latch that follows. */
static const struct row emergency_stop[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 105, DI(1), RELAYS(0), SAVED(0, false), EV(EV_CONTACTOR, "open-now"),
	  NO_EV(EV_PROT_SET) },
	{ 106, RELAYS(0), SAVED(P(EMERGENCY_STOP), false),
	  EV(EV_PROT_SET, "protection emergency_stop set (critical, open-all)") },
	{ 505, DI(0), RELAYS(0), NO_EV(EV_PROT_LATCHED) },
	{ 510, RELAYS(0), LATCHED(P(EMERGENCY_STOP)),
	  EV(EV_PROT_LATCHED, "protection emergency_stop gone, held until a fault reset") },
	{ 2000, OP(RESET), RELAYS(CHG | DSG), LATCHED(0), SAVED(0, false),
	  EV(EV_PROT_RESET, "protection emergency_stop reset") },
	{ 3000, DI(1), RELAYS(0) },
	{ 3500, OP(RESET), RELAYS(0), NO_EV(EV_PROT_RESET) },
	{ 4000, DI(0), RELAYS(0) },
	{ 5000, RELAYS(0), LATCHED(P(EMERGENCY_STOP)), SAVED(P(EMERGENCY_STOP), false),
	  NO_EV(EV_PROT_RESET) },
	{ 5010, OP(RESET), RELAYS(CHG | DSG), LATCHED(0),
	  EV(EV_PROT_RESET, "protection emergency_stop reset") },
};

/* A fault reset clears what was latched when it was asked for: a
 * protection that latches in the step that carries it out stays. */
static const struct row reset_scope[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 105, DI(1), RELAYS(0) },
	{ 110, DI(0), RELAYS(0), LATCHED(P(EMERGENCY_STOP)) },
	{ 200, MCU(TRIPPED), RELAYS(0), LATCHED(P(EMERGENCY_STOP)) },
	{ 305, MCU(ARMED), OP(RESET), RELAYS(0), LATCHED(P(MCU_TRIP)),
	  EV(EV_PROT_RESET, "protection emergency_stop reset"),
	  EV2(EV_PROT_LATCHED, "protection safety_floor_trip gone") },
	{ 1000, RELAYS(0), LATCHED(P(MCU_TRIP)), SAVED(P(MCU_TRIP), false) },
	{ 1010, OP(RESET), RELAYS(CHG | DSG), LATCHED(0), SAVED(0, false),
	  EV(EV_PROT_RESET, "protection safety_floor_trip reset") },
};

/* An operator's disconnect: both limits 0 at once; the charge path opens
 * at once (its current is low), the discharge path waits for the discharge
 * current to fall. The request is persisted; connect closes again. */
static const struct row disconnect[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 1000, CUR(-20000, 0), RELAYS(CHG | DSG) },
	{ 1010, OP(DISCONNECT), RELAYS(DSG), SOFT(1), CCL(ZERO), DCL(ZERO), SAVED(0, true),
	  EV(EV_CONTACTOR, "soft-stop-start (discharge path)"),
	  EV2(EV_CONTACTOR, "soft-stop-end (charge path)") },
	{ 2000, RELAYS(DSG), SOFT(1), DCL(ZERO) },
	{ 2010, CUR(-1000, 0), RELAYS(0), SOFT(0),
	  EV(EV_CONTACTOR, "soft-stop-end (discharge path)") },
	{ 3000, RELAYS(0), CCL(ZERO), DCL(ZERO) },
	{ 3010, OP(CONNECT), RELAYS(CHG | DSG), SAVED(0, false) },
	{ 4000, CCL(POS), DCL(POS) },
};

/* Without a trusted current a soft stop has nothing to wait for: the same
 * disconnect opens both paths at once, and nothing closes again until the
 * current is trusted. */
static const struct row untrusted_current[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 1000, CUR(-20000, BP_CUR_IMPLAUSIBLE), RELAYS(CHG | DSG), SOFT(0) },
	{ 1010, OP(DISCONNECT), RELAYS(0), SOFT(0), CCL(ZERO), DCL(ZERO),
	  EV(EV_CONTACTOR, "soft-stop-unmeasured") },
	{ 2000, OP(CONNECT), RELAYS(0) },
	{ 3000, RELAYS(0) },
	{ 3010, CUR(-20000, 0), RELAYS(CHG | DSG) },
};

/* A saturated current sensor: no current, and both over-current
 * protections read it as beyond their threshold after their set delay. */
static const struct row current_over_range[] = {
	{ 0, RELAYS(CHG | DSG) },
	{ 1000, CUR(BP_CURRENT_MA_NA, BP_CUR_S1_RANGE), RELAYS(CHG | DSG), FAST(1) },
	{ 2990, RELAYS(CHG | DSG), NO_EV(EV_PROT_SET) },
	{ 3000, RELAYS(0), CCL(ZERO), DCL(ZERO),
	  EV(EV_PROT_SET, "protection charge_over_current set: current sensor out of range"),
	  EV2(EV_PROT_SET, "protection discharge_over_current set: current sensor out of range") },
};

/* Balancing runs on the slow step, and the contactor control shows it on
 * its output at the next step. SOC acts on the limits only: at 100 % the
 * SOC curve takes CCL down to 0 (ramping) while both paths stay closed. */
static const struct row balance_soc[] = {
	{ 0, RELAYS(CHG | DSG), DOS(0), BAL(0) },
	{ 3010, CELLS(3480, 3450), DOS(0) },
	{ 3090, DOS(0), BAL(0) },
	{ 3100, DOS(0), BAL(0x8) },
	{ 3110, DOS(DO_BAL), BAL(0x8) },
	{ 4000, OP(SOC_100), CCL(POS), EV(EV_SOC_SET, "to 100.0 % by an operator: test") },
	{ 5000, RELAYS(CHG | DSG), CCL(ZERO), DCL(POS), SOFT(0) },
	{ 5010, OP(SOC_50), CELLS(3450, 3450), RELAYS(CHG | DSG) },
	{ 6000, CCL(POS), DOS(0), BAL(0) },
};

static void test_over_voltage(void)
{
	RUN(over_voltage);
}

static void test_cold_charge(void)
{
	RUN(cold_charge);
}

static void test_mcu_trip(void)
{
	RUN(mcu_trip);
}

static void test_mcu_trip_reset_early(void)
{
	RUN(mcu_trip_reset_early);
}

static void test_emergency_stop(void)
{
	RUN(emergency_stop);
}

static void test_reset_scope(void)
{
	RUN(reset_scope);
}

static void test_disconnect(void)
{
	RUN(disconnect);
}

static void test_untrusted_current(void)
{
	RUN(untrusted_current);
}

static void test_current_over_range(void)
{
	RUN(current_over_range);
}

static void test_balance_soc(void)
{
	RUN(balance_soc);
}

/* ---- start, current, reactions ------------------------------------------ */

/* The latches of the previous run hold the pack open until a connect and
 * a fault reset; a disabled protection's latch is reported, not restored. */
static void test_restore(void)
{
	struct batt_restore r = { .file = "/x/state", .rc = 0 };

	r.ps.soc_valid = true;
	r.ps.soc_ppm = 500000;
	r.ps.nominal_mAh = 100000;
	r.ps.soh_dpct = 1000;
	r.ps.temp_min_dC = r.ps.temp_max_dC = BP_TEMP_DC_NA;
	r.ps.prot_latched = P(EMERGENCY_STOP) | P(HUMIDITY);
	r.ps.welded_mask = 0x1;
	r.ps.disconnect = true;
	start(&r);
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_PROT_LATCHED,
				       "restored latch emergency_stop from /x/state"));
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_PROT_LATCHED, "latch humidity in /x/state not restored"));
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_CONTACTOR_FAULT, "restored latch welded relay 1"));
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_OPERATION, "restored latch maintenance disconnect"));
	CU_ASSERT(B.disconnect);
	CU_ASSERT(B.so.soc_valid && B.so.soc_dpct == 500);
	frames_at(T0_MS);
	/* cc reports the restored weld, and contactor_welded sets on it */
	CU_ASSERT_EQUAL(relays_cmd, 0);
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_PROT_SET, "protection contactor_welded set"));
	CU_ASSERT(persisted.prot_latched == (P(EMERGENCY_STOP) | P(WELDED)) &&
		  persisted.welded_mask == 0x1 && persisted.disconnect);
	CU_ASSERT(batt_set_connect(&B, true));
	CU_ASSERT_FALSE(batt_set_connect(&B, true));
	tick(T0_MS + 10);
	CU_ASSERT_EQUAL(relays_cmd, 0);
	CU_ASSERT(!persisted.disconnect &&
		  persisted.prot_latched == (P(EMERGENCY_STOP) | P(WELDED)));
	nev = 0;
	batt_reset(&B, false);
	tick(T0_MS + 20);
	CU_ASSERT_EQUAL(relays_cmd, CHG | DSG);
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_PROT_RESET, "protection emergency_stop reset"));
	CU_ASSERT_PTR_NOT_NULL(find_ev(EV_PROT_RESET, "protection contactor_welded reset"));
	CU_ASSERT(persisted.prot_latched == 0 && persisted.welded_mask == 0 &&
		  !persisted.disconnect);
}

/* A state file that cannot be read: the latches are unknown, so the pack
 * stays disconnected until an operator connects. No file at all is a
 * first start. */
static void test_unreadable_state(void)
{
	struct batt_restore r = { .file = "/x/state", .rc = -EINVAL,
				  .why = "state file /x/state: bad CRC" };
	const struct ev *e;

	start(&r);
	e = find_ev(EV_STATE_FILE, "state file /x/state: bad CRC; SOC starts unknown");
	CU_ASSERT(e && e->prio == LOG_CRIT);
	CU_ASSERT(B.disconnect && !B.so.soc_valid);
	frames_at(T0_MS);
	CU_ASSERT_EQUAL(relays_cmd, 0);
	CU_ASSERT(npersist >= 1 && persisted.disconnect);
	CU_ASSERT(batt_set_connect(&B, true));
	tick(T0_MS + 10);
	CU_ASSERT_EQUAL(relays_cmd, CHG | DSG);

	start(NULL);
	e = find_ev(0, "state file /var/lib/bmsd/state: none yet");
	CU_ASSERT(e && e->prio == LOG_INFO && nev == 1);
	CU_ASSERT_FALSE(B.disconnect);
}

static void test_current(void)
{
	struct bp_current c = { .flags = BP_CUR_S1_VALID, .mA = { -1500, 7000 } };
	struct batt_current bc;
	int32_t mA = 1;

	batt_current(NULL, &bc);
	CU_ASSERT(!bc.valid && !bc.trusted && !bc.over_range && bc.mA == 0);
	batt_current(&c, &bc);
	CU_ASSERT(bc.valid && bc.trusted && !bc.over_range && bc.mA == -1500);
	c.flags |= BP_CUR_S2_SELECTED;
	batt_current(&c, &bc);
	CU_ASSERT(bc.valid && bc.trusted && bc.mA == 7000);
	c.flags |= BP_CUR_IMPLAUSIBLE;
	batt_current(&c, &bc);
	CU_ASSERT(bc.valid && !bc.trusted && bc.mA == 7000);
	c = (struct bp_current){ .flags = BP_CUR_S2_RANGE, .mA = { 10, BP_CURRENT_MA_NA } };
	CU_ASSERT(batt_pack_current(&c, &mA) && mA == 10);
	c.flags |= BP_CUR_S2_SELECTED;
	mA = 1;
	CU_ASSERT(!batt_pack_current(&c, &mA) && mA == 1);
	batt_current(&c, &bc);
	CU_ASSERT(!bc.valid && !bc.trusted && bc.over_range && bc.mA == 0);
}

/* A critical open-all's reaction runs from the frame that set it to the
 * command that opened the relays; a command the link could not take yet
 * is no reaction, the one that goes out when it is up again is. */
static void test_reactions(void)
{
	struct batt_in in;
	uint32_t us[BATT_REACTIONS];
	uint64_t t = T0_MS;

	start(NULL);
	frames_at(t);
	CU_ASSERT_EQUAL(relays_cmd, CHG | DSG);
	CU_ASSERT_EQUAL(batt_reactions(&B, us), 0);

	t += 10;
	pk.safety = BP_SAFETY_TRIPPED;
	input(&in, t, t * 1000u - 250u);
	batt_step(&B, &in, t * 1000u, &out);
	plant();
	CU_ASSERT(out.send && relays_cmd == 0 && out.daemon_state == 2);
	CU_ASSERT(batt_reactions(&B, us) == 1 && us[0] == 250);

	pk.safety = BP_SAFETY_ARMED;
	batt_reset(&B, true);
	for (int i = 0; i < 3; i++)
		tick(t += 10);
	CU_ASSERT(relays_cmd == (CHG | DSG) && out.daemon_state == 1);

	t += 10;
	pk.safety = BP_SAFETY_TRIPPED;
	pk.link_up = false;
	input(&in, t, t * 1000u - 100u);
	batt_step(&B, &in, t * 1000u, &out);
	plant();
	CU_ASSERT(!out.send && out.relays == 0 && relays_cmd == (CHG | DSG));
	CU_ASSERT_EQUAL(B.nreactions, 1);
	pk.link_up = true;
	step(t + 7, (t + 7) * 1000u);
	CU_ASSERT(out.send && relays_cmd == 0 && B.nreactions == 2);
	CU_ASSERT(batt_reactions(&B, us) == 2 && us[0] == 250 && us[1] == 7100);
}

/* A reload keeps the state: a latch stays, the limits carry on. */
static void test_reconfigure(void)
{
	static struct cfg c2;

	start(NULL);
	pk.safety = BP_SAFETY_TRIPPED;
	frames_at(T0_MS);
	pk.safety = BP_SAFETY_ARMED;
	tick(T0_MS + 10);
	CU_ASSERT_EQUAL(prot_state_of(&B.prot, PROT_MCU_TRIP), PROT_ST_LATCHED);
	c2 = cfg;
	batt_reconfigure(&B, &c2, T0_MS + 15);
	CU_ASSERT_PTR_EQUAL(B.cfg, &c2);
	tick(T0_MS + 20);
	CU_ASSERT_EQUAL(prot_state_of(&B.prot, PROT_MCU_TRIP), PROT_ST_LATCHED);
	CU_ASSERT_EQUAL(relays_cmd, 0);
	npersist = 0;
	batt_fini(&B);
	CU_ASSERT(npersist == 1 && persisted.prot_latched == P(MCU_TRIP));
	CU_ASSERT_FALSE(B.on);
}

static const struct cu_test scenario_tests[] = {
	CU_TEST(test_over_voltage),
	CU_TEST(test_cold_charge),
	CU_TEST(test_mcu_trip),
	CU_TEST(test_mcu_trip_reset_early),
	CU_TEST(test_emergency_stop),
	CU_TEST(test_reset_scope),
	CU_TEST(test_disconnect),
	CU_TEST(test_untrusted_current),
	CU_TEST(test_current_over_range),
	CU_TEST(test_balance_soc),
	CU_END,
};

static const struct cu_test unit_tests[] = {
	CU_TEST(test_restore),
	CU_TEST(test_unreadable_state),
	CU_TEST(test_current),
	CU_TEST(test_reactions),
	CU_TEST(test_reconfigure),
	CU_END,
};

void cu_register(void)
{
	cu_add("batt_scenarios", scenario_tests);
	cu_add("batt", unit_tests);
}
