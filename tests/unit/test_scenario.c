/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "port/host/scenario.h"
#include "port/host/sim.h"

static struct sim s, before;
static char reply[2048];

static void reset(uint8_t boards, uint8_t cells, uint8_t temps)
{
	struct pack_cfg c;

	memset(&s, 0, sizeof(s));
	pack_default_cfg(&c);
	c.boards = boards;
	c.cells = cells;
	c.temps = temps;
	pack_init(&s.pack, &c);
	s.bus.nboards = boards;
	s.time_scale = 1.0;
}

static int run(const char *line)
{
	return scenario_exec(&s, line, reply, sizeof(reply));
}

/* The line fails with a message that has @what in it, the expected syntax,
 * and leaves the simulation exactly as it was. */
static void bad(const char *line, const char *what, const char *syntax)
{
	int rc;

	memcpy(&before, &s, sizeof(s));
	rc = run(line);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(!strncmp(reply, "error: ", 7));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, what));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, ", expected "));
	if (syntax)
		CU_ASSERT_PTR_NOT_NULL(strstr(reply, syntax));
	CU_ASSERT(memcmp(&s, &before, sizeof(s)) == 0);
	if (rc != -1 || !strstr(reply, what))
		fprintf(stderr, "\n  line '%s' -> %d '%s'\n", line, rc, reply);
}

static void good(const char *line)
{
	int rc = run(line);

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(reply, "ok");
	if (rc)
		fprintf(stderr, "\n  line '%s' -> '%s'\n", line, reply);
}

static void test_blank_and_comments(void)
{
	static const char *const lines[] = { "", "   ", "\t", "# a comment", "  # indented",
					     "\r\n", "\n", NULL };
	int i;

	reset(2, 4, 2);
	for (i = 0; lines[i]; i++) {
		strcpy(reply, "junk");
		memcpy(&before, &s, sizeof(s));
		CU_ASSERT_EQUAL(run(lines[i]), 0);
		CU_ASSERT_STRING_EQUAL(reply, "");
		CU_ASSERT(memcmp(&s, &before, sizeof(s)) == 0);
	}
	/* a trailing comment, CR LF and extra blanks around the words */
	good("  current   1500 # charge gently\r\n");
	CU_ASSERT_EQUAL(s.pack.demand_mA, 1500);
}

static void test_unknown_and_malformed(void)
{
	static const char *const names[] = { "current", "soc", "cell", "temp", "ambient",
					     "humidity", "supply", "ntc", "cell-ntc", "board",
					     "relay", "di", "link", "scale", "wait", "status",
					     "help", "quit", NULL };
	char longline[400];
	int i;

	reset(2, 4, 2);
	bad("foo 1", "unknown command 'foo'", "one of: current soc cell");
	for (i = 0; names[i]; i++)
		CU_ASSERT_PTR_NOT_NULL(strstr(reply, names[i]));
	bad("CURRENT 5", "unknown command 'CURRENT'", NULL);
	bad("@5 current 1", "time prefix", "without @<seconds>");
	bad("cell 1 1 1 1 1 1 1", "too many words", NULL);
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "current ", 8);
	longline[sizeof(longline) - 1] = 0;
	bad(longline, "longer than 255", NULL);
	/* a long comment is not a long command */
	memcpy(longline, "current 7 #", 11);
	good(longline);
	CU_ASSERT_EQUAL(s.pack.demand_mA, 7);
}

static void test_current(void)
{
	reset(2, 4, 2);
	good("current 5000");
	CU_ASSERT_EQUAL(s.pack.demand_mA, 5000);
	good("current -8388607");
	CU_ASSERT_EQUAL(s.pack.demand_mA, -8388607);
	good("current 0");
	CU_ASSERT_EQUAL(s.pack.demand_mA, 0);
	bad("current 8388608", "out of range -8388607..8388607", "expected current <mA>");
	bad("current -8388608", "out of range", "current <mA>");
	bad("current", "current takes 1 argument, not 0", "current <mA>");
	bad("current 1 2", "takes 1 argument, not 2", "current <mA>");
	bad("current abc", "'abc' is not a whole number", "current <mA>");
	bad("current 1.5", "not a whole number", NULL);
	bad("current 99999999999999999999", "not a whole number", NULL);
	bad("current 12abc", "not a whole number", NULL);
}

static void test_soc(void)
{
	reset(2, 4, 2);
	good("soc 75.5");
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&s.pack), 75.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_min_pct(&s.pack), 75.5, 1e-9);
	good("soc 0");
	good("soc 100");
	CU_ASSERT_DOUBLE_EQUAL(pack_soc_pct(&s.pack), 100, 1e-9);
	bad("soc 100.01", "out of range 0..100", "soc <pct>");
	bad("soc -1", "out of range", NULL);
	bad("soc nan", "not a number", NULL);
	bad("soc inf", "not a number", NULL);
	bad("soc", "takes 1 argument", "soc <pct>");
	bad("soc 5%", "not a number", NULL);
}

static void test_cell(void)
{
	uint16_t model;

	reset(2, 4, 2);
	model = pack_cell_mV(&s.pack, 1, 3);
	good("cell 2 4 3650");
	CU_ASSERT_EQUAL(pack_cell_mV(&s.pack, 1, 3), 3650);
	good("cell 2 4 0");
	CU_ASSERT_EQUAL(pack_cell_mV(&s.pack, 1, 3), 0);
	good("cell 1 1 16382");
	CU_ASSERT_EQUAL(pack_cell_mV(&s.pack, 0, 0), 16382);
	good("cell 2 4 auto");
	CU_ASSERT_EQUAL(pack_cell_mV(&s.pack, 1, 3), model);
	bad("cell 3 1 3000", "board 3 out of range 1..2 (the pack has 2)",
	    "cell <board> <cell> <mV|auto>");
	bad("cell 0 1 3000", "board 0 out of range 1..32", NULL);
	bad("cell 33 1 3000", "board 33 out of range 1..32", NULL);
	bad("cell 1 5 3000", "cell 5 out of range 1..4 (a board has 4)", NULL);
	bad("cell 1 25 3000", "cell 25 out of range 1..24", NULL);
	bad("cell 1 1 16383", "voltage 16383 out of range 0..16382", NULL);
	bad("cell 1 1 -1", "out of range", NULL);
	bad("cell 1 1 high", "'high' is not a whole number", NULL);
	bad("cell x 1 3000", "board 'x' is not a number", NULL);
	bad("cell 1 1", "cell takes 3 arguments, not 2", "cell <board> <cell> <mV|auto>");
}

static void test_temp(void)
{
	int16_t model;

	reset(2, 4, 2);
	model = pack_temp_dC(&s.pack, 0, 1);
	good("temp 1 2 -400");
	CU_ASSERT_EQUAL(pack_temp_dC(&s.pack, 0, 1), -400);
	good("temp 1 2 8191");
	CU_ASSERT_EQUAL(pack_temp_dC(&s.pack, 0, 1), 8191);
	good("temp 1 2 auto");
	CU_ASSERT_EQUAL(pack_temp_dC(&s.pack, 0, 1), model);
	bad("temp 1 3 100", "sensor 3 out of range 1..2 (a board has 2)",
	    "temp <board> <sensor> <dC|auto>");
	bad("temp 1 9 100", "sensor 9 out of range 1..8", NULL);
	bad("temp 1 1 8192", "out of range -8191..8191", NULL);
	bad("temp 1 1 -8192", "out of range", NULL);
	bad("temp 1 1 AUTO", "not a whole number", NULL);
	bad("temp 3 1 100", "board 3 out of range 1..2", NULL);

	reset(1, 4, 0);
	bad("temp 1 1 100", "the boards have no temperature sensor", NULL);
	bad("cell-ntc 1 1 open", "no temperature sensor", NULL);
}

static void test_environment(void)
{
	reset(2, 4, 2);
	good("ambient -200");
	CU_ASSERT_EQUAL(pack_ext_dC(&s.pack, 0), -200);
	good("ambient 1250");
	good("ambient -550");
	bad("ambient -551", "out of range -550..1250", "ambient <dC>");
	bad("ambient 1251", "out of range", NULL);
	bad("ambient", "takes 1 argument", NULL);

	good("humidity 85.5");
	CU_ASSERT_DOUBLE_EQUAL(s.pack.humidity_pct, 85.5, 1e-9);
	bad("humidity 101", "out of range 0..100", "humidity <pct>");
	good("supply 9000");
	CU_ASSERT_EQUAL(s.pack.supply_mV, 9000);
	bad("supply 60001", "out of range 0..60000", "supply <mV>");
	bad("supply -1", "out of range", NULL);
}

static void test_ntc(void)
{
	reset(2, 4, 2);
	good("ntc 1 open");
	CU_ASSERT_EQUAL(s.pack.ntc[0], PACK_SENSOR_OPEN);
	good("ntc 2 short");
	CU_ASSERT_EQUAL(s.pack.ntc[1], PACK_SENSOR_SHORT);
	good("ntc 1 ok");
	CU_ASSERT_EQUAL(s.pack.ntc[0], PACK_SENSOR_OK);
	bad("ntc 3 ok", "NTC 3 out of range 1..2", "ntc <n> ok|open|short");
	bad("ntc 0 ok", "out of range", NULL);
	bad("ntc 1 broken", "'broken' is not one of ok|open|short", NULL);
	bad("ntc 1", "takes 2 arguments, not 1", NULL);

	good("cell-ntc 2 2 open");
	CU_ASSERT_EQUAL(s.pack.cell_ntc[1][1], PACK_SENSOR_OPEN);
	good("cell-ntc 2 2 short");
	CU_ASSERT_EQUAL(s.pack.cell_ntc[1][1], PACK_SENSOR_SHORT);
	good("cell-ntc 2 2 ok");
	CU_ASSERT_EQUAL(s.pack.cell_ntc[1][1], PACK_SENSOR_OK);
	bad("cell-ntc 2 3 open", "sensor 3 out of range 1..2",
	    "cell-ntc <board> <sensor> ok|open|short");
	bad("cell-ntc 3 1 open", "board 3 out of range", NULL);
	bad("cell-ntc 1 1 closed", "not one of ok|open|short", NULL);
}

static void test_board(void)
{
	struct simboard *b = &s.bus.board[1];

	reset(2, 4, 2);
	good("board 2 offline");
	CU_ASSERT(b->offline && !b->corrupt_crc && !b->slow && !b->exception);
	good("board 2 crc");
	CU_ASSERT(!b->offline && b->corrupt_crc && !b->slow && !b->exception);
	good("board 2 slow");
	CU_ASSERT(!b->offline && !b->corrupt_crc && b->slow && !b->exception);
	good("board 2 exception");
	CU_ASSERT(!b->offline && !b->corrupt_crc && !b->slow);
	CU_ASSERT_EQUAL(b->exception, 0x04);
	b->truncate = 3;
	b->mangle = SIMBOARD_MANGLE_FUNC;
	good("board 2 online");
	CU_ASSERT(!b->offline && !b->corrupt_crc && !b->slow && !b->exception);
	CU_ASSERT_EQUAL(b->truncate, 0);
	CU_ASSERT_EQUAL(b->mangle, SIMBOARD_MANGLE_NONE);
	CU_ASSERT(!s.bus.board[0].offline);
	bad("board 3 offline", "board 3 out of range 1..2 (the pack has 2)",
	    "board <board> online|offline|crc|slow|exception");
	bad("board 1 dead", "'dead' is not one of online|offline|crc|slow|exception", NULL);
	bad("board 1", "takes 2 arguments", NULL);
}

static void test_relay(void)
{
	reset(2, 4, 2);
	good("relay 1 welded");
	CU_ASSERT_EQUAL(s.relay_fault[0], SIM_RELAY_WELDED);
	CU_ASSERT_EQUAL(s.relay_contacts, 0x1); /* closed with the coil off */
	s.relay_coil = 0x4;
	good("relay 3 stuck");
	CU_ASSERT_EQUAL(s.relay_fault[2], SIM_RELAY_STUCK);
	CU_ASSERT_EQUAL(s.relay_contacts, 0x1); /* open with the coil on */
	good("relay 3 ok");
	CU_ASSERT_EQUAL(s.relay_contacts, 0x5);
	good("relay 1 ok");
	CU_ASSERT_EQUAL(s.relay_fault[0], SIM_RELAY_OK);
	CU_ASSERT_EQUAL(s.relay_contacts, 0x4);
	good("relay 4 welded");
	CU_ASSERT_EQUAL(s.relay_contacts, 0xC);
	bad("relay 5 ok", "relay 5 out of range 1..4", "relay <n> ok|welded|stuck");
	bad("relay 0 ok", "out of range", NULL);
	bad("relay 1 melted", "not one of ok|welded|stuck", NULL);
}

static void test_di(void)
{
	reset(2, 4, 2);
	good("di 2 on");
	CU_ASSERT_EQUAL(s.di_forced_mask, 0x2);
	CU_ASSERT_EQUAL(s.di_forced_val, 0x2);
	good("di 4 off");
	CU_ASSERT_EQUAL(s.di_forced_mask, 0xA);
	CU_ASSERT_EQUAL(s.di_forced_val, 0x2);
	good("di 2 off");
	CU_ASSERT_EQUAL(s.di_forced_val, 0x0);
	good("di 2 auto");
	CU_ASSERT_EQUAL(s.di_forced_mask, 0x8);
	CU_ASSERT_EQUAL(s.di_forced_val, 0x0);
	bad("di 5 on", "input 5 out of range 1..4", "di <n> on|off|auto");
	bad("di 1 maybe", "not one of on|off|auto", NULL);
	bad("di on", "takes 2 arguments", NULL);
}

static void test_link_scale_quit(void)
{
	reset(2, 4, 2);
	good("link down");
	CU_ASSERT(s.link_down);
	good("link up");
	CU_ASSERT(!s.link_down);
	bad("link sideways", "not one of up|down", "link up|down");
	bad("link", "takes 1 argument", NULL);

	good("scale 0.1");
	CU_ASSERT_DOUBLE_EQUAL(s.time_scale, 0.1, 1e-12);
	good("scale 1000");
	CU_ASSERT_DOUBLE_EQUAL(s.time_scale, 1000, 1e-12);
	good("scale 1e2");
	CU_ASSERT_DOUBLE_EQUAL(s.time_scale, 100, 1e-12);
	bad("scale 0.09", "out of range 0.1..1000", "scale <x>");
	bad("scale 1001", "out of range", NULL);
	bad("scale fast", "not a number", NULL);

	bad("wait 5", "wait is only valid in a scenario file", "wait <seconds>");
	bad("wait -1", "out of range", NULL);
	bad("wait", "takes 1 argument", NULL);

	bad("quit now", "quit takes no argument", "expected quit");
	CU_ASSERT(!s.quit);
	good("quit");
	CU_ASSERT(s.quit);
}

static void test_help(void)
{
	reset(2, 4, 2);
	CU_ASSERT_EQUAL(run("help"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "cell <board> <cell> <mV|auto>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "board <board> online|offline|crc|slow|exception"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "quit"));
	bad("help me", "takes no argument", NULL);
}

static void test_status(void)
{
	static const char *const keys[] = { "t_s",	     "soc_pct",	    "soc_min_pct",
					    "current_mA",    "demand_mA",   "charge_in_mAs",
					    "charge_out_mAs", "cell_min_mV", "cell_max_mV",
					    "temp_dC",	     "ambient_dC",  "heater",
					    "relays",	     "contacts",    "di",
					    "dos",	     "link",	    "scale",
					    NULL };
	char key[40];
	size_t len;
	int i;

	reset(2, 4, 2);
	s.pack_us = 2500000;
	s.relay_coil = 0x6;
	s.relay_contacts = 0x6;
	s.link_down = true;
	run("current 10000");
	pack_step(&s.pack, 10000000, s.relay_contacts);
	run("cell 1 2 2800");
	run("cell 2 3 3700");
	CU_ASSERT_EQUAL(run("status"), 0);
	len = strlen(reply);
	CU_ASSERT(len > 2 && reply[0] == '{' && reply[len - 1] == '}');
	CU_ASSERT_PTR_NULL(strchr(reply, '\n'));
	for (i = 0; keys[i]; i++) {
		snprintf(key, sizeof(key), "\"%s\":", keys[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(reply, key));
		if (!strstr(reply, key))
			fprintf(stderr, "\n  missing %s in %s\n", key, reply);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"t_s\":2.500,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"current_mA\":10000,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"charge_in_mAs\":100000,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"charge_out_mAs\":0,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"cell_min_mV\":2800,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"cell_max_mV\":3700,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"temp_dC\":250,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"relays\":6,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"contacts\":6,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"link\":\"down\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"heater\":false"));
	bad("status now", "status takes no argument", NULL);

	/* the contacts of relay 1 feed DI 3; a forced DI 1 reads on */
	s.di_feedback[2] = 1;
	s.relay_contacts = 0x1;
	run("di 1 on");
	run("status");
	CU_ASSERT_PTR_NOT_NULL(strstr(reply, "\"di\":5,"));
}

static void test_small_reply_buffer(void)
{
	char small[8];

	reset(2, 4, 2);
	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(scenario_exec(&s, "foo", small, sizeof(small)), -1);
	CU_ASSERT_EQUAL(small[7], 0);
	CU_ASSERT_STRING_EQUAL(small, "error: ");
	CU_ASSERT_EQUAL(scenario_exec(&s, "status", small, sizeof(small)), 0);
	CU_ASSERT_EQUAL(strlen(small), 7);
	CU_ASSERT_EQUAL(scenario_exec(&s, "help", small, sizeof(small)), 0);
	CU_ASSERT_EQUAL(strlen(small), 7);
	CU_ASSERT_EQUAL(scenario_exec(&s, "current 3", NULL, 0), 0);
	CU_ASSERT_EQUAL(s.pack.demand_mA, 3);
	CU_ASSERT_EQUAL(scenario_exec(&s, "current x", NULL, 0), -1);
}

/* --- scripts ----------------------------------------------------------- */

static const char timed[] =
	"# a timed script\n"
	"current 1000\n"
	"wait 10\n"
	"@30 current 2000   # absolute\n"
	"\n"
	"ambient 100\n"
	"wait 0.5\n"
	"@40\n"
	"link down\n"
	"wait 5\r\n"
	"link up\n"
	"wait 60\n";

static void test_script_timing(void)
{
	struct scenario_script sc;
	char err[256];

	reset(2, 4, 2);
	CU_ASSERT_EQUAL(scenario_load_text(&sc, "t.scn", timed, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(sc.n, 5);
	CU_ASSERT_EQUAL(sc.step[0].at_us, 0);
	CU_ASSERT_EQUAL(sc.step[0].line, 2);
	CU_ASSERT_EQUAL(sc.step[1].at_us, 30000000);
	CU_ASSERT_STRING_EQUAL(sc.step[1].text, "current 2000");
	CU_ASSERT_EQUAL(sc.step[2].at_us, 30000000);
	CU_ASSERT_EQUAL(sc.step[2].line, 6);
	CU_ASSERT_EQUAL(sc.step[3].at_us, 40000000);
	CU_ASSERT_EQUAL(sc.step[4].at_us, 45000000);
	CU_ASSERT_EQUAL(sc.end_us, 105000000);
	CU_ASSERT_EQUAL(scenario_check(&sc, &s, err, sizeof(err)), 0);

	CU_ASSERT_EQUAL(scenario_next_us(&sc), 0);
	scenario_run_due(&sc, &s);
	CU_ASSERT_EQUAL(s.pack.demand_mA, 1000);
	CU_ASSERT_EQUAL(scenario_next_us(&sc), 30000000);
	s.pack_us = 29999999;
	scenario_run_due(&sc, &s);
	CU_ASSERT_EQUAL(s.pack.demand_mA, 1000);
	s.pack_us = 30000000;
	scenario_run_due(&sc, &s);
	CU_ASSERT_EQUAL(s.pack.demand_mA, 2000);
	CU_ASSERT_EQUAL(pack_ext_dC(&s.pack, 0), 100);
	CU_ASSERT(!s.link_down);
	/* a late run catches up in file order: down, then up */
	s.pack_us = 50000000;
	scenario_run_due(&sc, &s);
	CU_ASSERT(!s.link_down);
	CU_ASSERT_EQUAL(sc.next, 5);
	CU_ASSERT_EQUAL(scenario_next_us(&sc), UINT64_MAX);
	/* the trailing wait keeps the script going */
	CU_ASSERT(!scenario_done(&sc, &s));
	s.pack_us = 105000000;
	CU_ASSERT(scenario_done(&sc, &s));
	CU_ASSERT_EQUAL(sc.errors, 0);
	scenario_free(&sc);
	CU_ASSERT_EQUAL(sc.n, 0);
	CU_ASSERT_PTR_NULL(sc.step);
	scenario_free(&sc); /* twice is harmless */

	/* an empty script is done at once */
	CU_ASSERT_EQUAL(scenario_load_text(&sc, "e.scn", "# nothing\n\n", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sc.n, 0);
	s.pack_us = 0;
	CU_ASSERT(scenario_done(&sc, &s));
	scenario_free(&sc);
}

static void load_fails(const char *text, const char *msg)
{
	struct scenario_script sc;
	char err[512];
	int rc = scenario_load_text(&sc, "bad.scn", text, err, sizeof(err));

	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, msg));
	CU_ASSERT_EQUAL(sc.n, 0);
	CU_ASSERT_PTR_NULL(sc.step);
	CU_ASSERT_PTR_NULL(sc.name);
	if (rc != -1 || !strstr(err, msg))
		fprintf(stderr, "\n  script -> '%s', wanted '%s'\n", err, msg);
}

static void test_script_errors(void)
{
	char text[600];

	load_fails("current 1\n# ok\nfrob 2\n", "bad.scn:3: unknown command 'frob', expected one of:");
	load_fails("current 1\ncurrent\n", "bad.scn:2: current takes 1 argument");
	load_fails("soc 120\n", "bad.scn:1: soc: soc 120 out of range 0..100, expected soc <pct>");
	load_fails("cell 40 1 3000\n", "bad.scn:1: cell: board 40 out of range 1..32");
	load_fails("@10 current 1\n@5 current 2\n",
		   "bad.scn:2: time @5 is before 10 s, already reached");
	load_fails("wait 10\n@5 current 2\n", "bad.scn:2: time @5 is before 10 s");
	load_fails("@x current 1\n", "bad.scn:1: bad time '@x', expected @<seconds>");
	load_fails("@-1 current 1\n", "bad.scn:1: bad time '@-1'");
	load_fails("@ current 1\n", "bad.scn:1: bad time '@'");
	load_fails("wait -3\n", "bad.scn:1: wait: wait -3 out of range");
	load_fails("wait\n", "bad.scn:1: wait takes 1 argument");
	load_fails("@999999999\nwait 1\nwait 1\n", "bad.scn:3: the script runs past 1e+09 s");
	load_fails("\n\n\n\nrelay 9 ok", "bad.scn:5: relay: relay 9 out of range 1..4");
	load_fails("@1 @2 current 1\n", "bad.scn:1: unknown command '@2'");
	load_fails("board 1 1 1 1 1 1 1\n", "bad.scn:1: too many words");
	memset(text, 'a', sizeof(text));
	text[sizeof(text) - 1] = 0;
	load_fails(text, "bad.scn:1: line longer than 255 characters");

	/* a long comment is fine */
	{
		struct scenario_script sc;
		char err[256];

		memcpy(text, "quit #", 6);
		CU_ASSERT_EQUAL(scenario_load_text(&sc, "c.scn", text, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(sc.n, 1);
		scenario_free(&sc);
	}
}

static void test_script_check_and_log(void)
{
	struct scenario_script sc;
	char err[256], logbuf[1024];
	FILE *log;
	size_t n;

	reset(2, 4, 2);
	CU_ASSERT_EQUAL(scenario_load_text(&sc, "g.scn",
					   "status\n@1 cell 1 4 3000\n@2 cell 3 1 3000\nstatus\n",
					   err, sizeof(err)),
			0);
	/* loading knows only the hardware; the pack has 2 boards */
	CU_ASSERT_EQUAL(scenario_check(&sc, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "g.scn:3: cell: board 3 out of range 1..2"));

	/* run anyway: the bad step is counted and logged, the rest run */
	log = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	sc.log = log;
	s.pack_us = 2000000;
	scenario_run_due(&sc, &s);
	CU_ASSERT_EQUAL(sc.errors, 1);
	CU_ASSERT_EQUAL(pack_cell_mV(&s.pack, 0, 3), 3000);
	CU_ASSERT(scenario_done(&sc, &s));
	rewind(log);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, log);
	logbuf[n] = 0;
	fclose(log);
	/* two status lines and the error; "ok" replies are not logged */
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "{\"t_s\":2.000,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "g.scn:3: error: cell: board 3"));
	CU_ASSERT_PTR_NULL(strstr(logbuf, "ok\n"));
	scenario_free(&sc);

	CU_ASSERT_EQUAL(scenario_load_text(&sc, "g.scn", "cell 2 4 auto\ntemp 2 2 1\n", err,
					   sizeof(err)),
			0);
	CU_ASSERT_EQUAL(scenario_check(&sc, &s, err, sizeof(err)), 0);
	reset(2, 4, 1);
	CU_ASSERT_EQUAL(scenario_check(&sc, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "g.scn:2: temp: sensor 2 out of range 1..1"));
	scenario_free(&sc);
}

static void test_script_files(void)
{
	struct scenario_script sc;
	char path[] = "/tmp/test_scenario_XXXXXX";
	char err[512];
	FILE *f;
	int fd;

	reset(1, 16, 4);
	CU_ASSERT_EQUAL(scenario_load(&sc, "/nonexistent/dir/x.scn", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/dir/x.scn: No such file or directory");
	CU_ASSERT_EQUAL(sc.n, 0);

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("current 100\n@2 soc 20\nbogus\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(scenario_load(&sc, path, err, sizeof(err)), -1);
	CU_ASSERT(!strncmp(err, path, strlen(path)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: unknown command 'bogus'"));

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("current 100\n@2 soc 20", f); /* no final newline */
	fclose(f);
	CU_ASSERT_EQUAL(scenario_load(&sc, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sc.n, 2);
	CU_ASSERT_EQUAL(sc.step[1].at_us, 2000000);
	CU_ASSERT_STRING_EQUAL(sc.name, path);
	scenario_free(&sc);

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("quit\n\0junk\n", 1, 11, f);
	fclose(f);
	CU_ASSERT_EQUAL(scenario_load(&sc, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL byte"));
	unlink(path);
}

/* The sample shipped in tests/scenarios loads, checks, and runs to its end
 * on the default pack, charging then discharging through closed relays. */
static void test_sample_cycle(void)
{
	struct scenario_script sc;
	char err[512];
	uint64_t in_max = 0;

	reset(1, 16, 4);
	CU_ASSERT_EQUAL_FATAL(scenario_load(&sc, "tests/scenarios/cycle.scn", err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(scenario_check(&sc, &s, err, sizeof(err)), 0);
	CU_ASSERT(sc.n > 3);
	s.relay_coil = s.relay_contacts = 0x7; /* both paths closed */
	while (!scenario_done(&sc, &s) && !s.quit && s.pack_us < UINT64_C(86400000000)) {
		scenario_run_due(&sc, &s);
		pack_step(&s.pack, 100000, s.relay_contacts);
		s.pack_us += 100000;
		if (pack_charge_in_mAs(&s.pack) > in_max)
			in_max = pack_charge_in_mAs(&s.pack);
	}
	CU_ASSERT(scenario_done(&sc, &s) || s.quit);
	CU_ASSERT_EQUAL(sc.errors, 0);
	CU_ASSERT(pack_charge_in_mAs(&s.pack) > 0);
	CU_ASSERT(pack_charge_out_mAs(&s.pack) > 0);
	scenario_free(&sc);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_blank_and_comments),
		CU_TEST(test_unknown_and_malformed),
		CU_TEST(test_current),
		CU_TEST(test_soc),
		CU_TEST(test_cell),
		CU_TEST(test_temp),
		CU_TEST(test_environment),
		CU_TEST(test_ntc),
		CU_TEST(test_board),
		CU_TEST(test_relay),
		CU_TEST(test_di),
		CU_TEST(test_link_scale_quit),
		CU_TEST(test_help),
		CU_TEST(test_status),
		CU_TEST(test_small_reply_buffer),
		CU_TEST(test_script_timing),
		CU_TEST(test_script_errors),
		CU_TEST(test_script_check_and_log),
		CU_TEST(test_script_files),
		CU_TEST(test_sample_cycle),
		CU_END,
	};

	cu_add("scenario", tests);
}
