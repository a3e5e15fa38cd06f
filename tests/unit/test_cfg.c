/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg: the corpus of broken and valid files (tests/cfg/), the examples in
 * etc/, defaults, board profiles and their overrides, the MCU config, the
 * schema's own consistency and its documentation in man/bmsd.yaml.5.
 * Paths are relative to the repository root, where the suites run.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "cfg.h"
#include "fixture.h"
#include "mcu_cfg.h"
#include "port/host/simcfg.h"
#include "profile.h"
#include "proto/bp.h"

#define MIN_BAD 45u

static const char minimal_21[] =
	"board: main-2.1\n"
	"link:\n"
	"  interface: socketcan:can0\n"
	"pack:\n"
	"  boards: 2\n"
	"  cells_per_board: 16\n"
	"safety_floor:\n"
	"  cell_high_mV: 3650\n"
	"  cell_low_mV: 2500\n"
	"  short_circuit_mA: 200000\n"
	"current_sensors:\n"
	"  cs1:\n"
	"    sensitivity_uV_per_A: 10000\n"
	"    range_mA: 240000\n";

/* ---- helpers ------------------------------------------------------------ */

static int parse_str(const char *text, struct cfg *c, struct cfg_error *e)
{
	return cfg_parse("t.yaml", text, strlen(text), c, e);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static void expect_error(const char *text, int line, int col, const char *sub)
{
	struct cfg c;
	struct cfg_error e;
	int rc = parse_str(text, &c, &e);

	if (rc != -EINVAL || e.line != line || e.col != col || !strstr(e.msg, sub))
		fprintf(stderr, "\nexpected %d:%d '%s', got rc %d %d:%d '%s'\n", line, col, sub, rc,
			e.line, e.col, e.msg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, line);
	CU_ASSERT_EQUAL(e.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
}

static void expect_bp_ok(const struct cfg *c)
{
	struct bp_config b;
	uint8_t blob[BP_CFG_BLOB_MAX];

	cfg_to_bp(c, &b);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	CU_ASSERT(bp_config_pack(&b, blob, sizeof(blob)) > 0);
}

/* ---- the corpus --------------------------------------------------------- */

static void test_corpus_bad(void)
{
	glob_t g;
	size_t i, n = 0;

	CU_ASSERT_EQUAL_FATAL(glob("tests/cfg/bad/*.yaml", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct cfg c, before;
		struct cfg_error e;
		char first[600], sub[600], prefix[700];
		int line = 0, col = 0, rc, off = 0;
		FILE *f = fopen(path, "rb");
		bool ok;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		if (!fgets(first, sizeof(first), f))
			first[0] = 0;
		fclose(f);
		first[strcspn(first, "\r\n")] = 0;
		ok = sscanf(first, "# expect: %d:%d: %n", &line, &col, &off) == 2 && off > 0;
		CU_ASSERT(ok);
		if (!ok) {
			fprintf(stderr, "\n%s: no '# expect: LINE:COL: text' line\n", path);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s", first + off);
		memset(&c, 0x5A, sizeof(c));
		before = c;
		rc = cfg_load(path, &c, &e);
		snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
		ok = rc == -EINVAL && e.line == line && e.col == col && strstr(e.msg, sub) &&
		     !strncmp(e.msg, prefix, strlen(prefix));
		if (!ok)
			fprintf(stderr, "\n%s:\n  expected %d:%d: %s\n  got rc %d, %d:%d: %s\n",
				path, line, col, sub, rc, e.line, e.col, e.msg);
		CU_ASSERT(ok);
		/* a refused file leaves the caller's config as it was */
		CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);
		n++;
	}
	globfree(&g);
	CU_ASSERT(n >= MIN_BAD);
}

static void test_corpus_good(void)
{
	glob_t g;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(glob("tests/cfg/good/*.yaml", 0, NULL, &g), 0);
	CU_ASSERT(g.gl_pathc >= 10);
	for (i = 0; i < g.gl_pathc; i++) {
		struct cfg a, b;
		struct cfg_error e;
		size_t len = 0;
		char *buf = slurp(g.gl_pathv[i], &len);
		int rc = cfg_load(g.gl_pathv[i], &a, &e);

		if (rc)
			fprintf(stderr, "\n%s: %s\n", g.gl_pathv[i], e.msg);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc) {
			free(buf);
			continue;
		}
		expect_bp_ok(&a);
		/* the same bytes parse to the same struct, padding included */
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		CU_ASSERT_EQUAL(cfg_parse(g.gl_pathv[i], buf, len, &b, &e), 0);
		CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
		free(buf);
	}
	globfree(&g);
}

/* ---- the examples ------------------------------------------------------- */

static void test_example_2r(void)
{
	struct cfg c;
	struct cfg_error e;
	int rc = cfg_load("etc/bmsd.yaml", &c, &e);

	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.board, PROFILE_MAIN_2R);
	CU_ASSERT_STRING_EQUAL(c.link.interface, "socketcan:can0");
	CU_ASSERT_STRING_EQUAL(c.control.socket, "/run/bmsd/bmsd.sock");
	CU_ASSERT_STRING_EQUAL(c.control.group, "bmsd");
	CU_ASSERT_STRING_EQUAL(c.event_log.dir, "/var/lib/bmsd");
	CU_ASSERT_FALSE(c.gpio.run_led.configured);
	expect_bp_ok(&c);
}

static void test_example_21(void)
{
	struct cfg c;
	struct cfg_error e;
	struct bp_config b;
	int rc = cfg_load("etc/bmsd-main-2.1.yaml", &c, &e);

	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.board, PROFILE_MAIN_2_1);
	CU_ASSERT_TRUE(c.humidity.enabled);
	CU_ASSERT_EQUAL(c.relays.relay[0].role, CFG_RELAY_DISCHARGE);
	CU_ASSERT_EQUAL(c.temperature_sensors.t[0].model, CFG_NTC_STEINHART);
	cfg_to_bp(&c, &b);
	CU_ASSERT_EQUAL(b.current_sensors, 1);
	CU_ASSERT_EQUAL(b.ntc[0].model, BP_NTC_STEINHART);
	CU_ASSERT_EQUAL(b.ntc[1].model, BP_NTC_NONE);
	expect_bp_ok(&c);
}

static void test_example_demo(void)
{
	struct cfg c;
	struct cfg_error e;
	struct bp_config mine, sim;
	uint8_t a[BP_CFG_BLOB_MAX], s[BP_CFG_BLOB_MAX];
	int la, ls, rc = cfg_load("etc/bmsd-demo.yaml", &c, &e);

	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.board, PROFILE_MAIN_2R);
	CU_ASSERT_STRING_EQUAL(c.link.interface, "slcan:/tmp/bmsd-demo/bridge");
	CU_ASSERT_EQUAL(c.pack.boards, 4);
	CU_ASSERT_EQUAL(c.pack.cells_per_board, 16);
	CU_ASSERT_EQUAL(c.pack.temps_per_board, 4);
	CU_ASSERT_EQUAL(c.safety_floor.cell_high_mV, 3800);
	CU_ASSERT_EQUAL(c.safety_floor.cell_low_mV, 2000);
	CU_ASSERT_EQUAL(c.safety_floor.temp_high_dC, 650);
	CU_ASSERT_EQUAL(c.safety_floor.temp_low_dC, -300);
	CU_ASSERT_EQUAL(c.safety_floor.short_circuit_mA, 1000000);
	CU_ASSERT_STRING_EQUAL(c.control.socket, "/tmp/bmsd-demo/bmsd.sock");
	CU_ASSERT_STRING_EQUAL(c.control.group, "");
	CU_ASSERT_STRING_EQUAL(c.event_log.dir, "/tmp/bmsd-demo/state");
	/* the bridge config is bms-sim's own preset, humidity aside: main-2r
	 * has no humidity input */
	cfg_to_bp(&c, &mine);
	simcfg_default(&sim, 4, 16, 4);
	CU_ASSERT_EQUAL(mine.hum_gain_dpct_per_V, 0);
	mine.hum_gain_dpct_per_V = sim.hum_gain_dpct_per_V;
	mine.hum_offset_mV = sim.hum_offset_mV;
	la = bp_config_pack(&mine, a, sizeof(a));
	ls = bp_config_pack(&sim, s, sizeof(s));
	CU_ASSERT(la > 0);
	CU_ASSERT_EQUAL(la, ls);
	CU_ASSERT_EQUAL(memcmp(a, s, (size_t)ls), 0);
}

/* The integrator's examples show every key, commented or not. */
static bool mentions;

static const char *example_text;

static void key_mentioned(const struct cfg_key *k, const char *path, unsigned int depth, void *arg)
{
	char want[80];

	(void)path;
	(void)depth;
	(void)arg;
	if (k->count)
		snprintf(want, sizeof(want), "%s1:", k->name);
	else
		snprintf(want, sizeof(want), "%s:", k->name);
	if (!strstr(example_text, want)) {
		fprintf(stderr, "\nexample lacks '%s'\n", want);
		mentions = false;
	}
}

static void test_examples_show_every_key(void)
{
	static const char *const files[] = { "etc/bmsd.yaml", "etc/bmsd-main-2.1.yaml" };

	for (unsigned int i = 0; i < 2; i++) {
		size_t len;
		char *t = slurp(files[i], &len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		example_text = t;
		mentions = true;
		cfg_schema_walk(key_mentioned, NULL);
		CU_ASSERT_TRUE(mentions);
		free(t);
	}
}

/* ---- defaults and profiles ---------------------------------------------- */

static void test_defaults(void)
{
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(parse_str(minimal_21, &c, &e), 0);
	CU_ASSERT_EQUAL(c.link.bitrate_bps, 1000000);
	CU_ASSERT_EQUAL(c.link.heartbeat_period_ms, 100);
	CU_ASSERT_EQUAL(c.link.stale_ms, 300);
	CU_ASSERT_EQUAL(c.link.config_timeout_ms, 1000);
	CU_ASSERT_EQUAL(c.pack.temps_per_board, 0);
	CU_ASSERT_EQUAL(c.pack.logic_offline_ms, 1000);
	CU_ASSERT_EQUAL(c.safety_floor.heartbeat_timeout_ms, 500);
	CU_ASSERT_EQUAL(c.safety_floor.temp_high_dC, 650);
	CU_ASSERT_EQUAL(c.safety_floor.temp_low_dC, -300);
	CU_ASSERT_EQUAL(c.current_sensors.cs[0].offset_uV, 0);
	CU_ASSERT_EQUAL(c.current_sensors.plausibility_mA, 10000);
	CU_ASSERT_EQUAL(c.temperature_sensors.t[0].model, CFG_NTC_NONE);
	CU_ASSERT_EQUAL(c.temperature_sensors.t[0].beta_K, 3950);
	CU_ASSERT_EQUAL(c.temperature_sensors.t[0].r25_ohm, 10000);
	CU_ASSERT_TRUE(c.temperature_sensors.t[0].floor_trip);
	CU_ASSERT_FALSE(c.humidity.enabled);
	CU_ASSERT_EQUAL(c.inputs.debounce_ms, 20);
	for (unsigned int i = 0; i < CFG_INPUTS; i++) {
		CU_ASSERT_EQUAL(c.inputs.in[i].role, CFG_IN_NONE);
		CU_ASSERT_FALSE(c.inputs.in[i].invert);
		CU_ASSERT_EQUAL(c.outputs.out[i].role, CFG_OUT_NONE);
		CU_ASSERT_FALSE(c.outputs.out[i].invert);
	}
	CU_ASSERT_FALSE(c.gpio.run_led.configured);
	CU_ASSERT_FALSE(c.gpio.fault_led.configured);
	CU_ASSERT_FALSE(c.gpio.mcu_reset.configured);
	CU_ASSERT_FALSE(c.gpio.mcu_boot0.configured);
	CU_ASSERT_FALSE(c.gpio.rs485_de.configured);
	CU_ASSERT_EQUAL(c.gpio.run_led.offset, -1);
	CU_ASSERT_STRING_EQUAL(c.control.socket, "/run/bmsd/bmsd.sock");
	CU_ASSERT_STRING_EQUAL(c.control.group, "bmsd");
	CU_ASSERT_STRING_EQUAL(c.event_log.dir, "/var/lib/bmsd");
	CU_ASSERT_EQUAL(c.event_log.max_KiB, 1024);
	CU_ASSERT_TRUE(c.event_log.sync);
	CU_ASSERT_PTR_EQUAL(cfg_profile(&c), profile_find("main-2.1"));
}

static void test_profile_defaults_21(void)
{
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(parse_str(minimal_21, &c, &e), 0);
	CU_ASSERT_EQUAL(c.relays.relay[0].role, CFG_RELAY_DISCHARGE);
	CU_ASSERT_EQUAL(c.relays.relay[1].role, CFG_RELAY_ALLOW_CHARGING);
	CU_ASSERT_EQUAL(c.relays.relay[2].role, CFG_RELAY_CHARGE);
	CU_ASSERT_EQUAL(c.relays.relay[3].role, CFG_RELAY_HEATER);
	CU_ASSERT_TRUE(c.current_sensors.cs[0].enabled);
	CU_ASSERT_FALSE(c.current_sensors.cs[1].enabled);
}

static void test_profile_defaults_2r(void)
{
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(parse_str(fixture_cfg, &c, &e), 0);
	CU_ASSERT_EQUAL(c.board, PROFILE_MAIN_2R);
	CU_ASSERT_EQUAL(c.relays.relay[0].role, CFG_RELAY_MAIN);
	for (unsigned int i = 1; i < CFG_RELAYS; i++)
		CU_ASSERT_EQUAL(c.relays.relay[i].role, CFG_RELAY_NONE);
	CU_ASSERT_TRUE(c.current_sensors.cs[0].enabled);
	CU_ASSERT_FALSE(c.current_sensors.cs[1].enabled);
	/* without relays, main-2r has no contactor: refused, not defaulted */
	expect_error("board: main-2r\nlink: {interface: socketcan:can0}\n"
		     "pack: {boards: 1, cells_per_board: 4}\n"
		     "safety_floor: {cell_high_mV: 3650, cell_low_mV: 2500, short_circuit_mA: 9}\n"
		     "current_sensors: {cs1: {sensitivity_uV_per_A: 10000, range_mA: 240000}}\n",
		     1, 1, "no relay drives a contactor");
}

static void test_overrides(void)
{
	struct cfg c;
	struct cfg_error e;

	/* only what differs: relay 2 off, relay 4 an alarm; the rest stays */
	CU_ASSERT_EQUAL_FATAL(parse_base_plus(minimal_21, "relays:\n  P9: {role: none}\n"
				       "  relay4:\n    role: alarm\n", &c, &e), 0);
	CU_ASSERT_EQUAL(c.relays.relay[0].role, CFG_RELAY_DISCHARGE);
	CU_ASSERT_EQUAL(c.relays.relay[1].role, CFG_RELAY_NONE);
	CU_ASSERT_EQUAL(c.relays.relay[2].role, CFG_RELAY_CHARGE);
	CU_ASSERT_EQUAL(c.relays.relay[3].role, CFG_RELAY_ALARM);
	/* a sensor the profile enables can be turned off, a second enabled */
	CU_ASSERT_EQUAL_FATAL(parse_base_plus(fixture_cfg, "inputs:\n  in2: {role: feedback-relay1}\n",
					 &c, &e), 0);
	CU_ASSERT_EQUAL(c.inputs.in[1].role, CFG_IN_FEEDBACK_RELAY1);
	/* moving the charge role off its default relay needs both changes */
	expect_error("board: main-2.1\nlink: {interface: socketcan:can0}\n"
		     "pack: {boards: 1, cells_per_board: 4}\n"
		     "safety_floor: {cell_high_mV: 3650, cell_low_mV: 2500, short_circuit_mA: 9}\n"
		     "current_sensors: {cs1: {sensitivity_uV_per_A: 10000, range_mA: 240000}}\n"
		     "relays: {relay4: {role: charge}}\n",
		     6, 25, "role 'charge' is given to both relay3 (P6) and relay4 (P7)");
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21,
				   "relays:\n  relay3: {role: none}\n  relay4: {role: charge}\n",
				   &c, &e),
			0);
	CU_ASSERT_EQUAL(c.relays.relay[3].role, CFG_RELAY_CHARGE);
}

static void test_aliases(void)
{
	struct cfg a, b;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(parse_base_plus(fixture_cfg,
					 "  relay2: {role: charge}\n"
					 "inputs:\n  in1: {role: feedback-relay1, invert: true}\n"
					 "outputs:\n  out3: {role: ready}\n"
					 "temperature_sensors:\n  t2: {model: beta}\n",
					 &a, &e), 0);
	CU_ASSERT_EQUAL_FATAL(parse_base_plus(fixture_cfg,
					 "  X5: {role: charge}\n"
					 "inputs:\n  DI_1: {role: feedback-relay1, invert: true}\n"
					 "outputs:\n  DO_3: {role: ready}\n"
					 "temperature_sensors:\n  T_SENS2: {model: beta}\n",
					 &b, &e), 0);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(a.relays.relay[1].role, CFG_RELAY_CHARGE);
	CU_ASSERT_EQUAL(a.outputs.out[2].role, CFG_OUT_READY);
	CU_ASSERT_EQUAL(a.temperature_sensors.t[1].model, CFG_NTC_BETA);
	/* main-2.1's names */
	CU_ASSERT_EQUAL_FATAL(parse_base_plus(minimal_21,
					 "relays:\n  P6: {role: none}\n  P8: {role: main}\n"
					 "inputs:\n  IN_4: {role: emergency-stop}\n"
					 "outputs:\n  OUT_2: {role: alarm}\n"
					 "temperature_sensors:\n  Vts: {model: beta}\n",
					 &a, &e),
			      0);
	CU_ASSERT_EQUAL(a.relays.relay[0].role, CFG_RELAY_MAIN);
	CU_ASSERT_EQUAL(a.relays.relay[2].role, CFG_RELAY_NONE);
	CU_ASSERT_EQUAL(a.inputs.in[3].role, CFG_IN_EMERGENCY_STOP);
	CU_ASSERT_EQUAL(a.outputs.out[1].role, CFG_OUT_ALARM);
	CU_ASSERT_EQUAL(a.temperature_sensors.t[0].model, CFG_NTC_BETA);
	/* both names of one channel: refused, whichever comes first */
	expect_error("board: main-2.1\nrelays:\n  P6: {role: none}\n  relay3: {role: none}\n", 4, 3,
		     "'relay3' and 'P6' (at 3:3) name the same relay");
	/* another board's connector */
	expect_error("board: main-2.1\nrelays:\n  X4: {role: none}\n", 3, 3,
		     "('X4' is relay1 on main-2r)");
}

static void test_group_and_strings(void)
{
	struct cfg c;
	struct cfg_error e;
	char buf[512];

	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "control:\n  group: \"\"\n", &c, &e), 0);
	CU_ASSERT_STRING_EQUAL(c.control.group, "");
	/* null is not the empty string */
	expect_error("board: main-2.1\ncontrol:\n  group:\n", 3, 9,
		     "expected a string (got nothing)");
	/* longest socket path that fits sun_path */
	snprintf(buf, sizeof(buf), "control:\n  socket: /%0106d\n", 0);
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, buf, &c, &e), 0);
	CU_ASSERT_EQUAL(strlen(c.control.socket), CFG_SOCKET_MAX - 1);
	snprintf(buf, sizeof(buf), "control:\n  socket: /%0107d\n", 0);
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, buf, &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too long: 108 bytes, at most 107"));
	/* block scalars are strings too */
	CU_ASSERT_EQUAL(
	    parse_str("board: main-2.1\nlink:\n  interface: |-\n    slcan:/dev/ttyUSB0\n"
		      "pack: {boards: 1, cells_per_board: 4}\n"
		      "safety_floor: {cell_high_mV: 3650, cell_low_mV: 2500, "
		      "short_circuit_mA: 9}\n"
		      "current_sensors: {cs1: {sensitivity_uV_per_A: 10000, "
		      "range_mA: 240000}}\n",
		      &c, &e),
	    0);
	CU_ASSERT_STRING_EQUAL(c.link.interface, "slcan:/dev/ttyUSB0");
	/* a quoted key is a key */
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "\"event_log\": {'sync': false}\n", &c, &e), 0);
	CU_ASSERT_FALSE(c.event_log.sync);
}

static void test_gpio(void)
{
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(cfg_load("tests/cfg/good/gpio.yaml", &c, &e), 0);
	CU_ASSERT_TRUE(c.gpio.run_led.configured);
	CU_ASSERT_STRING_EQUAL(c.gpio.run_led.chip, "gpiochip0");
	CU_ASSERT_STRING_EQUAL(c.gpio.run_led.line, "17");
	CU_ASSERT_EQUAL(c.gpio.run_led.offset, 17);
	CU_ASSERT_FALSE(c.gpio.run_led.active_low);
	CU_ASSERT_STRING_EQUAL(c.gpio.fault_led.chip, "/dev/gpiochip0");
	CU_ASSERT_STRING_EQUAL(c.gpio.fault_led.line, "GPIO27");
	CU_ASSERT_EQUAL(c.gpio.fault_led.offset, -1);
	CU_ASSERT_EQUAL(c.gpio.mcu_reset.offset, 0);
	CU_ASSERT_TRUE(c.gpio.mcu_reset.active_low);
	/* a quoted number is a line name */
	CU_ASSERT_STRING_EQUAL(c.gpio.mcu_boot0.line, "1");
	CU_ASSERT_EQUAL(c.gpio.mcu_boot0.offset, -1);
	CU_ASSERT_EQUAL(c.gpio.rs485_de.offset, 65535);
	/* the same line twice on different chips is fine */
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "gpio:\n  run_led: {chip: a, line: 1}\n"
				   "  fault_led: {chip: b, line: 1}\n", &c, &e), 0);
	expect_error("board: main-2.1\ngpio:\n  run_led: {chip: a, lines: 1}\n", 3, 22,
		     "unknown key 'lines'; did you mean 'line'?");
}

/* ---- the MCU configuration ---------------------------------------------- */

static void test_to_bp(void)
{
	struct cfg c;
	struct cfg_error e;
	struct bp_config b;

	CU_ASSERT_EQUAL_FATAL(
	    parse_str("board: main-2r\n"
		      "link: {interface: socketcan:can0}\n"
		      "pack: {boards: 5, cells_per_board: 13, temps_per_board: 3, "
		      "logic_offline_ms: 2500}\n"
		      "safety_floor: {heartbeat_timeout_ms: 700, cell_high_mV: 4250, "
		      "cell_low_mV: 2700, temp_high_dC: 600, temp_low_dC: -250, "
		      "short_circuit_mA: 500000}\n"
		      "current_sensors:\n"
		      "  cs1: {sensitivity_uV_per_A: -3000, offset_uV: 1234, range_mA: 300000}\n"
		      "  cs2: {enabled: true, sensitivity_uV_per_A: 667, range_mA: 3000000}\n"
		      "  plausibility_mA: 7000\n"
		      "temperature_sensors:\n"
		      "  t1: {model: steinhart, sh_a: 0.001, sh_b: 0.0002, sh_c: 1e-7, "
		      "floor_trip: false}\n"
		      "  t2: {model: beta, beta_K: 3435, r25_ohm: 4700}\n"
		      "relays: {relay1: {role: main}}\n"
		      "inputs: {debounce_ms: 35}\n",
		      &c, &e),
	    0);
	cfg_to_bp(&c, &b);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	CU_ASSERT_EQUAL(b.board_count, 5);
	CU_ASSERT_EQUAL(b.cells_per_board, 13);
	CU_ASSERT_EQUAL(b.temps_per_board, 3);
	CU_ASSERT_EQUAL(b.logic_offline_ms, 2500);
	CU_ASSERT_EQUAL(b.heartbeat_timeout_ms, 700);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 4250);
	CU_ASSERT_EQUAL(b.cell_crit_low_mV, 2700);
	CU_ASSERT_EQUAL(b.temp_crit_high_dC, 600);
	CU_ASSERT_EQUAL(b.temp_crit_low_dC, -250);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 500000);
	CU_ASSERT_EQUAL(b.plausibility_mA, 7000);
	CU_ASSERT_EQUAL(b.di_debounce_ms, 35);
	CU_ASSERT_EQUAL(b.current_sensors, 2);
	/* 1e9 / 3000 = 333333.3 uA/mV, negative: the sensor points the other way */
	CU_ASSERT_EQUAL(b.cs[0].gain_uA_per_mV, -333333);
	CU_ASSERT_EQUAL(b.cs[0].offset_uV, 1234);
	CU_ASSERT_EQUAL(b.cs[0].range_mA, 300000);
	/* 1e9 / 667 = 1499250.37: rounded to nearest */
	CU_ASSERT_EQUAL(b.cs[1].gain_uA_per_mV, 1499250);
	CU_ASSERT_EQUAL(b.cs[1].range_mA, 3000000);
	CU_ASSERT_EQUAL(b.ntc[0].model, BP_NTC_STEINHART);
	CU_ASSERT_DOUBLE_EQUAL(b.ntc[0].sh_a, 0.001, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b.ntc[0].sh_b, 0.0002, 1e-10);
	CU_ASSERT_DOUBLE_EQUAL(b.ntc[0].sh_c, 1e-7, 1e-13);
	CU_ASSERT_EQUAL(b.ntc[1].model, BP_NTC_BETA);
	CU_ASSERT_EQUAL(b.ntc[1].beta_K, 3435);
	CU_ASSERT_EQUAL(b.ntc[1].r25_ohm, 4700);
	/* t1 stays out of the floor's trip, t2 takes part */
	CU_ASSERT_EQUAL(b.ntc_enable, 0x2);
	CU_ASSERT_EQUAL(b.cell_ntc.model, BP_NTC_NONE);
	CU_ASSERT_EQUAL(b.hum_gain_dpct_per_V, 0);

	/* one sensor: sensor 2's fields stay zero; humidity on main-2.1 */
	CU_ASSERT_EQUAL_FATAL(
	    parse_base_plus(minimal_21,
		       "humidity: {enabled: true, "
		       "sensitivity_uV_per_pct: 30000, offset_mV: 800}\n"
		       "temperature_sensors: {t1: {model: beta, floor_trip: true}}\n",
		       &c, &e),
	    0);
	cfg_to_bp(&c, &b);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	CU_ASSERT_EQUAL(b.current_sensors, 1);
	CU_ASSERT_EQUAL(b.cs[0].gain_uA_per_mV, 100000);
	CU_ASSERT_EQUAL(b.cs[1].gain_uA_per_mV, 0);
	CU_ASSERT_EQUAL(b.cs[1].range_mA, 0);
	CU_ASSERT_EQUAL(b.ntc_enable, 0x1);
	CU_ASSERT_EQUAL(b.ntc[1].model, BP_NTC_NONE);
	/* mV = 800 + 30 * RH: 1e7 / 30000 = 333 (0.1 %RH per V) */
	CU_ASSERT_EQUAL(b.hum_gain_dpct_per_V, 333);
	CU_ASSERT_EQUAL(b.hum_offset_mV, 800);
	/* a model of none never enters the floor, whatever floor_trip says */
	CU_ASSERT_EQUAL_FATAL(
	    parse_base_plus(minimal_21, "temperature_sensors: {t1: {floor_trip: true}}\n", &c, &e), 0);
	cfg_to_bp(&c, &b);
	CU_ASSERT_EQUAL(b.ntc_enable, 0);
}

/* ---- every numeric key at and beyond its range -------------------------- */

struct kv {
	char path[96];
	char val[64];
};

static unsigned int segs(const char *path, char s[][40], unsigned int max)
{
	unsigned int n = 0;
	const char *p = path;

	while (*p && n < max) {
		size_t l = strcspn(p, ".");

		snprintf(s[n++], 40, "%.*s", (int)l, p);
		p += l;
		if (*p == '.')
			p++;
	}
	return n;
}

/* Block YAML from path/value pairs grouped by section. Returns the line of
 * entry @mark (1-based). */
static int emit(const struct kv *kv, unsigned int n, unsigned int mark, char *out, size_t cap)
{
	char prev[6][40], cur[6][40];
	unsigned int np = 0, line = 1, mline = 0;
	size_t len = 0;

	out[0] = 0;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int nc = segs(kv[i].path, cur, 6), d = 0;

		while (d < np && d + 1 < nc && !strcmp(prev[d], cur[d]))
			d++;
		for (unsigned int j = d; j < nc; j++) {
			len += (size_t)snprintf(out + len, cap - len, "%*s%s:%s%s\n", (int)(2 * j),
						"", cur[j], j + 1 == nc ? " " : "",
						j + 1 == nc ? kv[i].val : "");
			if (i == mark && j + 1 == nc)
				mline = line;
			line++;
		}
		memcpy(prev, cur, sizeof(cur));
		np = nc;
	}
	return (int)mline;
}

static const struct kv base_2r[] = {
	{ "board", "main-2r" },
	{ "link.interface", "socketcan:can0" },
	{ "pack.boards", "1" },
	{ "pack.cells_per_board", "16" },
	{ "safety_floor.cell_high_mV", "3650" },
	{ "safety_floor.cell_low_mV", "2500" },
	{ "safety_floor.short_circuit_mA", "200000" },
	{ "current_sensors.cs1.sensitivity_uV_per_A", "10000" },
	{ "current_sensors.cs1.range_mA", "240000" },
	{ "relays.relay1.role", "main" },
	{ "gpio.run_led.chip", "gpiochip0" },
	{ "gpio.run_led.line", "4" },
};

struct bounds {
	unsigned int tried, refused;
	bool ok;
};

/* Parse the base with @path set to @val; returns rc, fills @e and @line. */
static int try_value(const char *path, const char *val, struct cfg_error *e, int *line)
{
	struct kv kv[32];
	unsigned int n = 0, at, best = 0, bestd = 0;
	char text[4096], s1[6][40], s2[6][40];
	struct cfg c;
	bool h = !strncmp(path, "humidity.", 9);
	int rc;

	for (unsigned int i = 0; i < sizeof(base_2r) / sizeof(base_2r[0]); i++)
		kv[n++] = base_2r[i];
	if (h) {
		snprintf(kv[0].val, sizeof(kv[0].val), "main-2.1");
		snprintf(kv[9].path, sizeof(kv[9].path), "relays.relay2.role");
		snprintf(kv[9].val, sizeof(kv[9].val), "none");
	}
	/* replace, or insert after the entry sharing the longest prefix */
	at = n;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int a = segs(kv[i].path, s1, 6), b = segs(path, s2, 6), d = 0;

		if (!strcmp(kv[i].path, path)) {
			at = i;
			break;
		}
		while (d < a && d < b && !strcmp(s1[d], s2[d]))
			d++;
		if (d >= bestd) {
			bestd = d;
			best = i + 1;
		}
	}
	if (at == n) {
		at = bestd ? best : n;
		memmove(&kv[at + 1], &kv[at], (n - at) * sizeof(kv[0]));
		n++;
	}
	snprintf(kv[at].path, sizeof(kv[at].path), "%s", path);
	snprintf(kv[at].val, sizeof(kv[at].val), "%s", val);
	*line = emit(kv, n, at, text, sizeof(text));
	rc = parse_str(text, &c, e);
	if (!rc) {
		struct bp_config b;

		cfg_to_bp(&c, &b);
		if (bp_config_check(&b) != BP_OK) {
			fprintf(stderr, "\n%s: %s accepted, but bp_config_check refuses it\n", path,
				val);
			rc = -1000;
		}
	}
	return rc;
}

static void bound_key(const struct cfg_key *k, const char *docpath, unsigned int depth, void *arg)
{
	struct bounds *b = arg;
	char path[128], in[2][40], out[2][40];
	struct cfg_error e;
	int line, rc;

	(void)depth;
	if (k->type != CFG_T_INT && k->type != CFG_T_FLOAT)
		return;
	/* repeated sections: their first channel */
	snprintf(path, sizeof(path), "%s", docpath);
	for (char *p = path; (p = strchr(p, 'N')); p++)
		if (p[1] == '.' || !p[1])
			*p = '1';
	if (k->type == CFG_T_INT) {
		snprintf(in[0], 40, "%lld", (long long)k->min);
		snprintf(in[1], 40, "%lld", (long long)k->max);
		snprintf(out[0], 40, "%lld", (long long)k->min - 1);
		snprintf(out[1], 40, "%lld", (long long)k->max + 1);
	} else {
		snprintf(in[0], 40, "%.17g", k->fmin);
		snprintf(in[1], 40, "%.17g", k->fmax);
		snprintf(out[0], 40, "%.17g", k->fmin - 0.5);
		snprintf(out[1], 40, "%.17g", k->fmax + 0.5);
	}
	for (unsigned int i = 0; i < 2; i++) {
		/* in range: accepted, or refused for a rule between keys */
		rc = try_value(path, in[i], &e, &line);
		b->tried++;
		if (rc == -1000 || (rc && strstr(e.msg, "out of range") && e.line == line)) {
			fprintf(stderr, "\n%s: %s refused: %s\n", path, in[i], e.msg);
			b->ok = false;
		}
		/* beyond: refused at the value, saying so */
		rc = try_value(path, out[i], &e, &line);
		b->tried++;
		if (rc != -EINVAL || !strstr(e.msg, "out of range") || e.line != line) {
			fprintf(stderr, "\n%s: %s: rc %d, line %d (want %d): %s\n", path, out[i],
				rc, e.line, line, e.msg);
			b->ok = false;
		} else {
			b->refused++;
		}
	}
}

static void test_ranges_every_key(void)
{
	struct bounds b = { .ok = true };
	struct cfg_error e;
	int line;

	/* the base itself parses */
	CU_ASSERT_EQUAL(try_value("pack.boards", "1", &e, &line), 0);
	cfg_schema_walk(bound_key, &b);
	CU_ASSERT_TRUE(b.ok);
	CU_ASSERT(b.tried >= 100);
	CU_ASSERT_EQUAL(b.refused * 2, b.tried);
}

/* ---- the schema and its documentation ----------------------------------- */

struct audit {
	bool ok;
	unsigned int leaves;
};

static void bad(struct audit *a, const char *path, const char *why)
{
	fprintf(stderr, "\nschema: %s: %s\n", path, why);
	a->ok = false;
}

static void audit_key(const struct cfg_key *k, const char *path, unsigned int depth, void *arg)
{
	struct audit *a = arg;
	const char *n = k->name;

	(void)depth;
	if (!k->desc || !*k->desc)
		bad(a, path, "no description");
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			bad(a, path, "a key is letters, digits and underscores");
	if (k->type == CFG_T_SECTION) {
		if (!k->sub)
			bad(a, path, "a section without keys");
		return;
	}
	a->leaves++;
	if (k->unit) {
		size_t ln = strlen(n), lu = strlen(k->unit);

		if (ln <= lu + 1 || n[ln - lu - 1] != '_' || strcmp(n + ln - lu, k->unit))
			bad(a, path, "the unit is not the end of the name");
	}
	if (k->type == CFG_T_INT) {
		bool sgn = k->flags & CFG_K_SIGNED;
		int64_t lo = sgn ? -(INT64_C(1) << (8 * k->size - 1)) : 0;
		int64_t hi = sgn ? (INT64_C(1) << (8 * k->size - 1)) - 1
				 : (k->size >= 8 ? INT64_MAX : (INT64_C(1) << (8 * k->size)) - 1);

		if (k->min > k->max)
			bad(a, path, "min above max");
		if (k->min < lo || k->max > hi)
			bad(a, path, "the range does not fit the field");
		/* counts and identifiers are not quantities */
		if (!k->unit && strcmp(n, "boards") && strcmp(n, "cells_per_board") &&
		    strcmp(n, "temps_per_board") && strcmp(n, "address") && strcmp(n, "port"))
			bad(a, path, "a quantity without a unit in its name");
		if (k->def) {
			long long d = strtoll(k->def, NULL, 10);

			if (d < k->min || d > k->max)
				bad(a, path, "the default is out of range");
		}
	}
	if (k->type == CFG_T_FLOAT && !(k->fmin < k->fmax))
		bad(a, path, "an empty range");
	if (k->type == CFG_T_STRING && k->max != (int64_t)k->size - 1)
		bad(a, path, "the length limit is not the buffer's");
	if (k->type == CFG_T_ENUM && (!k->names || !k->names[0].name || k->size != sizeof(int)))
		bad(a, path, "an enum needs names and an int field");
	if (k->type == CFG_T_BOOL && k->size != sizeof(bool))
		bad(a, path, "a boolean needs a bool field");
	if (!k->def && !(k->flags & (CFG_K_REQUIRED | CFG_K_PROFILE)) && !k->needed)
		bad(a, path, "neither a default nor required");
	if ((k->flags & CFG_K_REQUIRED) && k->def)
		bad(a, path, "required with a default");
}

static void test_schema(void)
{
	struct audit a = { .ok = true };
	char buf[256];

	cfg_schema_walk(audit_key, &a);
	CU_ASSERT_TRUE(a.ok);
	CU_ASSERT(a.leaves >= 40);
	CU_ASSERT_STRING_EQUAL(cfg_key_default(&cfg_schema[0]), "required");
	CU_ASSERT_STRING_EQUAL(cfg_key_range(&cfg_schema[0], buf, sizeof(buf)),
			       "one of: main-2r, main-2.1");
	CU_ASSERT_STRING_EQUAL(cfg_key_type_name(&cfg_schema[0]), "enum");
	CU_ASSERT_EQUAL(cfg_key_range(&cfg_schema[0], buf, 0), buf);
}

static const char *man_text;
static bool man_ok;

static void key_in_man(const struct cfg_key *k, const char *path, unsigned int depth, void *arg)
{
	char want[200];

	(void)k;
	(void)arg;
	/* top-level sections are subsection headings */
	snprintf(want, sizeof(want), "\n.%s %s\n", depth ? "B" : "SS", path);
	if (!strstr(man_text, want)) {
		fprintf(stderr, "\nman/bmsd.yaml.5 lacks %s: run make man/bmsd.yaml.5\n", path);
		man_ok = false;
	}
}

static void test_man_page(void)
{
	const struct profile *p;
	size_t len;
	char *t = slurp("man/bmsd.yaml.5", &len);
	char want[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	man_text = t;
	man_ok = true;
	cfg_schema_walk(key_in_man, NULL);
	CU_ASSERT_TRUE(man_ok);
	/* and every connector of both boards */
	for (unsigned int i = 0; (p = profile_at(i)); i++)
		for (unsigned int j = 0; j < p->nconns; j++) {
			snprintf(want, sizeof(want), "\n.B %s\n", p->conns[j].name);
			CU_ASSERT_PTR_NOT_NULL(strstr(t, want));
		}
	CU_ASSERT_PTR_NOT_NULL(strstr(t, ".TH BMSD.YAML 5"));
	free(t);
}

/* ---- files and buffers -------------------------------------------------- */

static void test_load_errors(void)
{
	char dir[] = "/tmp/test_cfg.XXXXXX", path[128], *buf;
	struct cfg c;
	struct cfg_error e;
	size_t n, len;
	FILE *f;

	CU_ASSERT_EQUAL(cfg_load("tests/cfg/no-such-file.yaml", &c, &e), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "tests/cfg/no-such-file.yaml: cannot open: "));
	CU_ASSERT_EQUAL(e.line, 0);
	CU_ASSERT_EQUAL(cfg_load("tests/cfg", &c, &e), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "tests/cfg: "));
	/* a NULL error pointer is allowed */
	CU_ASSERT_EQUAL(cfg_load("tests/cfg/no-such-file.yaml", &c, NULL), -ENOENT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	/* exactly the cap: a valid config padded with a comment */
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	buf = malloc(CFG_FILE_MAX + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	len = strlen(minimal_21);
	memcpy(buf, minimal_21, len);
	buf[len] = '#';
	for (n = len + 1; n < CFG_FILE_MAX - 1; n++)
		buf[n] = 'x';
	buf[CFG_FILE_MAX - 1] = '\n';
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(buf, 1, CFG_FILE_MAX, f), CFG_FILE_MAX);
	fclose(f);
	CU_ASSERT_EQUAL(cfg_load(path, &c, &e), 0);
	/* one byte more */
	f = fopen(path, "ab");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputc('\n', f);
	fclose(f);
	CU_ASSERT_EQUAL(cfg_load(path, &c, &e), -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "too large"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, path));
	/* the buffer API has the same cap */
	buf[CFG_FILE_MAX] = '\n';
	CU_ASSERT_EQUAL(cfg_parse("mem", buf, CFG_FILE_MAX + 1, &c, &e), -EFBIG);
	free(buf);
	unlink(path);

	/* not a regular file: refused before anything is read */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(cfg_load(path, &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));
	unlink(path);

	/* unreadable: only meaningful without root's override */
	snprintf(path, sizeof(path), "%s/secret.yaml", dir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(minimal_21, f);
	fclose(f);
	CU_ASSERT_EQUAL(chmod(path, 0), 0);
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(cfg_load(path, &c, &e), -EACCES);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "Permission denied"));
	}
	unlink(path);
	rmdir(dir);
}

static void test_buffers(void)
{
	static const char nul[] = "board: main-2.1\npack:\n  boards: 1\0\n";
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL(cfg_parse("x", NULL, 0, &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x:1:1: empty configuration"));
	CU_ASSERT_EQUAL(cfg_parse(NULL, "", 0, &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(config):1:1: "));
	CU_ASSERT_EQUAL(cfg_parse("x", "  \n\n# nothing\n", 13, &c, NULL), -EINVAL);
	/* a NUL inside the buffer is a character libyaml refuses, with its place */
	CU_ASSERT_EQUAL(cfg_parse("x", nul, sizeof(nul) - 1, &c, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.line, 3);
	CU_ASSERT_EQUAL(e.col, 12);
	/* only the first len bytes count */
	CU_ASSERT_EQUAL(cfg_parse("x", minimal_21, strlen(minimal_21) - 5, &c, &e), -EINVAL);
	CU_ASSERT_EQUAL(cfg_parse("x", minimal_21, strlen(minimal_21), &c, &e), 0);
	/* NULL out: validate only */
	CU_ASSERT_EQUAL(cfg_parse("x", minimal_21, strlen(minimal_21), NULL, &e), 0);
}

static void test_numbers(void)
{
	struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "inputs: {debounce_ms: +7}\n", &c, &e), 0);
	CU_ASSERT_EQUAL(c.inputs.debounce_ms, 7);
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "current_sensors2: 1\n", &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'current_sensors'?"));
	/* INT64 limits do not wrap */
	expect_error("board: main-2.1\npack: {boards: -9223372036854775808}\n", 2, 16,
		     "out of range 1..32");
	expect_error("board: main-2.1\npack: {boards: 9223372036854775808}\n", 2, 16,
		     "out of range 1..32");
	expect_error("board: main-2.1\npack: {boards: -}\n", 2, 16, "expected a decimal integer");
	expect_error("board: main-2.1\npack: {boards: 1_0}\n", 2, 16, "expected a decimal integer");
	/* decimal numbers in their forms */
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "temperature_sensors: {t1: {model: steinhart, "
				   "sh_a: .5, sh_b: -5., sh_c: 1E-3}}\n", &c, &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "out of range -1..1, not 0 (got '-5.')"));
	CU_ASSERT_EQUAL(parse_base_plus(minimal_21, "temperature_sensors: {t1: {model: steinhart, "
				   "sh_a: .5, sh_b: -0.5, sh_c: 1E-3}}\n", &c, &e), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.temperature_sensors.t[0].sh_a, 0.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(c.temperature_sensors.t[0].sh_c, 0.001, 1e-12);
	expect_error("board: main-2.1\ntemperature_sensors: {t1: {sh_a: 1e}}\n", 2, 34,
		     "expected a decimal number");
	expect_error("board: main-2.1\ntemperature_sensors: {t1: {sh_a: .}}\n", 2, 34,
		     "expected a decimal number");
	expect_error("board: main-2.1\ntemperature_sensors: {t1: {sh_a: -.inf}}\n", 2, 34,
		     "expected a decimal number");
}

static void test_suggestions(void)
{
	/* at every level, among the keys of that level only */
	expect_error("board: main-2.1\nlnk:\n  interface: x\n", 2, 1, "did you mean 'link'?");
	expect_error("board: main-2.1\nevent_log: {max_kib: 5}\n", 2, 13,
		     "did you mean 'max_KiB'?");
	expect_error("board: main-2.1\ncurrent_sensors: {cs1: {sensitivty_uV_per_A: 5}}\n", 2, 25,
		     "did you mean 'sensitivity_uV_per_A'?");
	expect_error("board: main-2.1\noutputs: {out1: {invret: true}}\n", 2, 18,
		     "did you mean 'invert'?");
	expect_error("board: main-2.1\ntemperature_sensors: {t1: {beta: 3950}}\n", 2, 28,
		     "did you mean 'beta_K'?");
	/* nothing close: the keys of the level are listed */
	expect_error("board: main-2.1\npack: {zzzzzzzzzz: 1}\n", 2, 8,
		     "expected one of: boards, cells_per_board, temps_per_board, logic_offline_ms");
	/* an alias spelt in the wrong case */
	expect_error("board: main-2.1\nrelays: {p8: {role: main}}\n", 2, 10, "did you mean 'P8'?");
	/* a misspelt board is not silently one of them */
	expect_error("board: main2.1\n", 1, 8, "did you mean 'main-2.1'?");
}

/* ---- names and profiles ------------------------------------------------- */

static void test_role_names(void)
{
	CU_ASSERT_STRING_EQUAL(cfg_relay_role_name(CFG_RELAY_ALLOW_CHARGING), "allow-charging");
	CU_ASSERT_STRING_EQUAL(cfg_relay_role_name(CFG_RELAY_NONE), "none");
	CU_ASSERT_STRING_EQUAL(cfg_relay_role_name(CFG_RELAY_ROLE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(cfg_input_role_name(CFG_IN_FEEDBACK_RELAY4), "feedback-relay4");
	CU_ASSERT_STRING_EQUAL(cfg_input_role_name(CFG_IN_CHARGER_CONNECTED), "charger-connected");
	CU_ASSERT_STRING_EQUAL(cfg_input_role_name(CFG_INPUT_ROLE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(cfg_output_role_name(CFG_OUT_CHARGING_ALLOWED), "charging-allowed");
	CU_ASSERT_STRING_EQUAL(cfg_output_role_name(CFG_OUTPUT_ROLE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(cfg_ntc_model_name(CFG_NTC_STEINHART), "steinhart");
	CU_ASSERT_STRING_EQUAL(cfg_ntc_model_name(CFG_NTC_MODEL_COUNT), "?");
	/* every value has a name */
	for (int i = 0; i < CFG_RELAY_ROLE_COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(cfg_relay_role_name((enum cfg_relay_role)i), "?");
	for (int i = 0; i < CFG_INPUT_ROLE_COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(cfg_input_role_name((enum cfg_input_role)i), "?");
	for (int i = 0; i < CFG_OUTPUT_ROLE_COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(cfg_output_role_name((enum cfg_output_role)i), "?");
}

static bool has_conns(const struct profile *p, const char *const *names)
{
	bool ok = true;

	for (; *names; names++)
		if (!profile_conn_find(p, *names)) {
			fprintf(stderr, "\n%s lacks %s\n", p->name, *names);
			ok = false;
		}
	return ok;
}

static void test_profiles(void)
{
	static const char *const conns_2r[] = {
		"X1", "X2", "X3", "X4", "X5", "X6", "X7", "X8", "X9", "X10", "X11", "X12", "X13",
		"J1", "J2", "J3", "DS2", "DS3", "DS4", "DS1.1", "DS1.2", "DS1.3", "DS1.4", NULL,
	};
	static const char *const conns_21[] = {
		"P1", "P6", "P7", "P8", "P9", "P11", "P12", "P13", "P14", "P15", "P21", "P22",
		"DS1", "DS2", "DS3", "DS4", "DS5", "DS6", "DS7", "DS8", NULL,
	};
	const struct profile *r = profile_find("main-2r"), *t = profile_find("main-2.1"), *p;
	const struct profile_channel *ch;
	unsigned int i, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(profile_find("main-2"));
	CU_ASSERT_PTR_NULL(profile_find(NULL));
	CU_ASSERT_PTR_EQUAL(profile_by_id(PROFILE_MAIN_2R), r);
	CU_ASSERT_PTR_EQUAL(profile_by_id(PROFILE_MAIN_2_1), t);
	CU_ASSERT_PTR_NULL(profile_by_id(PROFILE_COUNT));
	CU_ASSERT_EQUAL(r->hw_id, 1);
	CU_ASSERT_EQUAL(t->hw_id, 2);
	CU_ASSERT_TRUE(has_conns(r, conns_2r));
	CU_ASSERT_TRUE(has_conns(t, conns_21));
	CU_ASSERT_EQUAL(r->nconns, 23);
	CU_ASSERT_EQUAL(t->nconns, 20);
	for (n = 0; profile_at(n); n++) {
		p = profile_at(n);
		for (i = 0; profile_conn_at(p, i); i++) {
			const struct profile_conn *c = profile_conn_at(p, i);

			CU_ASSERT(c->function && strlen(c->function) > 10);
			CU_ASSERT(c->title && *c->title);
			CU_ASSERT_STRING_NOT_EQUAL(profile_conn_kind_name(c->kind), "?");
		}
		CU_ASSERT_EQUAL(i, p->nconns);
		for (i = 0; (ch = profile_channel_at(p, i)); i++) {
			/* every channel sits on a connector of the manual */
			CU_ASSERT_PTR_NOT_NULL(profile_conn_find(p, ch->connector));
			CU_ASSERT(ch->function && *ch->function);
			CU_ASSERT_PTR_EQUAL(profile_channel(p, ch->kind, ch->index), ch);
			CU_ASSERT_PTR_EQUAL(profile_channel_find(p, ch->kind, ch->key), ch);
			if (ch->alias)
				CU_ASSERT_PTR_EQUAL(profile_channel_find(p, ch->kind, ch->alias),
						    ch);
			CU_ASSERT(ch->index < p->count[ch->kind]);
		}
		CU_ASSERT_EQUAL(i, p->nchans);
	}
	CU_ASSERT_EQUAL(n, PROFILE_COUNT);
	CU_ASSERT_PTR_NULL(profile_conn_at(r, r->nconns));
	CU_ASSERT_PTR_NULL(profile_channel_at(r, r->nchans));
	/* the feature table: 2R has 2 sensors and 2 NTCs, 2.1 one of each and
	 * humidity; both have 4 relays, 4 DI and 4 DO */
	CU_ASSERT_EQUAL(r->count[PROFILE_CH_CURRENT], 2);
	CU_ASSERT_EQUAL(r->count[PROFILE_CH_NTC], 2);
	CU_ASSERT_EQUAL(r->count[PROFILE_CH_HUMIDITY], 0);
	CU_ASSERT_EQUAL(t->count[PROFILE_CH_CURRENT], 1);
	CU_ASSERT_EQUAL(t->count[PROFILE_CH_NTC], 1);
	CU_ASSERT_EQUAL(t->count[PROFILE_CH_HUMIDITY], 1);
	for (i = 0; i < 2; i++) {
		p = i ? t : r;
		CU_ASSERT_EQUAL(p->count[PROFILE_CH_RELAY], 4);
		CU_ASSERT_EQUAL(p->count[PROFILE_CH_INPUT], 4);
		CU_ASSERT_EQUAL(p->count[PROFILE_CH_OUTPUT], 4);
	}
	/* relays by connector: X4..X7 and P8, P9, P6, P7 */
	CU_ASSERT_EQUAL(profile_channel_find(r, PROFILE_CH_RELAY, "X6")->index, 2);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P6")->index, 2);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P8")->index, 0);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P8")->default_role,
			CFG_RELAY_DISCHARGE);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P9")->default_role,
			CFG_RELAY_ALLOW_CHARGING);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P6")->default_role,
			CFG_RELAY_CHARGE);
	CU_ASSERT_EQUAL(profile_channel_find(t, PROFILE_CH_RELAY, "P7")->default_role,
			CFG_RELAY_HEATER);
	CU_ASSERT_PTR_NULL(profile_channel_find(t, PROFILE_CH_CURRENT, "X9"));
	CU_ASSERT_PTR_NULL(profile_channel(t, PROFILE_CH_CURRENT, 1));
	CU_ASSERT_PTR_NULL(profile_channel_find(r, PROFILE_CH_RELAY, NULL));
	/* the LEDs carry their meaning */
	CU_ASSERT_PTR_NOT_NULL(strstr(profile_conn_find(r, "DS3")->function, "25 Hz"));
	CU_ASSERT_PTR_NOT_NULL(strstr(profile_conn_find(t, "DS3")->function, "2 Hz"));
	CU_ASSERT_PTR_NOT_NULL(strstr(profile_conn_find(t, "DS1")->function, "powered"));
	CU_ASSERT_EQUAL(profile_conn_find(t, "P21")->kind, PROFILE_CONN_JUMPER);
	CU_ASSERT_STRING_EQUAL(profile_ch_kind_name(PROFILE_CH_RELAY), "relay");
	CU_ASSERT_STRING_EQUAL(profile_ch_kind_name(PROFILE_CH_KIND_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(profile_conn_kind_name(PROFILE_CONN_KIND_COUNT), "?");
}

static void test_yaml_refusals(void)
{
	/* an alias is refused even where the anchor would be allowed */
	expect_error("board: main-2.1\nx: &a {b: 1}\n", 2, 4, "anchor 'a'");
	expect_error("board: main-2.1\n<<: *a\n", 2, 5, "alias 'a'");
	expect_error("board: main-2.1\nrelays: !custom {}\n", 2, 9, "tags are not supported");
	expect_error("board: main-2.1\n...\n---\nb: 1\n", 3, 1, "a second YAML document");
	/* duplicates inside a flow mapping */
	expect_error("board: main-2.1\npack: {boards: 1, boards: 2}\n", 2, 19,
		     "duplicate key 'boards' (first given at 2:8)");
	/* an escaped NUL does not cut a value short */
	expect_error("board: \"main-2.1\\0x\"\n", 1, 8,
		     "unknown value 'main-2.1\\x00x'; did you mean 'main-2.1'?");
	/* a duplicated board is caught like any other key */
	expect_error("board: main-2.1\nboard: main-2r\n", 2, 1, "duplicate key 'board'");
}

void cu_register(void)
{
	static const struct cu_test corpus[] = {
		CU_TEST(test_corpus_bad),
		CU_TEST(test_corpus_good),
		CU_TEST(test_example_2r),
		CU_TEST(test_example_21),
		CU_TEST(test_example_demo),
		CU_TEST(test_examples_show_every_key),
		CU_END,
	};
	static const struct cu_test tests[] = {
		CU_TEST(test_defaults),
		CU_TEST(test_profile_defaults_21),
		CU_TEST(test_profile_defaults_2r),
		CU_TEST(test_overrides),
		CU_TEST(test_aliases),
		CU_TEST(test_group_and_strings),
		CU_TEST(test_gpio),
		CU_TEST(test_to_bp),
		CU_TEST(test_ranges_every_key),
		CU_TEST(test_schema),
		CU_TEST(test_man_page),
		CU_TEST(test_load_errors),
		CU_TEST(test_buffers),
		CU_TEST(test_numbers),
		CU_TEST(test_suggestions),
		CU_TEST(test_role_names),
		CU_TEST(test_profiles),
		CU_TEST(test_yaml_refusals),
		CU_END,
	};

	cu_add("cfg-corpus", corpus);
	cu_add("cfg", tests);
}
