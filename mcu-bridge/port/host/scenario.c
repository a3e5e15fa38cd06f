/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "../../proto/bp.h"

enum op {
	OP_CURRENT,
	OP_SOC,
	OP_CELL,
	OP_TEMP,
	OP_AMBIENT,
	OP_HUMIDITY,
	OP_SUPPLY,
	OP_NTC,
	OP_CELL_NTC,
	OP_BOARD,
	OP_RELAY,
	OP_DI,
	OP_LINK,
	OP_SCALE,
	OP_WAIT,
	OP_STATUS,
	OP_HELP,
	OP_QUIT,
	OP_COUNT
};

struct cmd_def {
	const char *name;
	const char *syntax;
	int nargs;
};

static const struct cmd_def defs[OP_COUNT] = {
	[OP_CURRENT] = { "current", "current <mA>", 1 },
	[OP_SOC] = { "soc", "soc <pct>", 1 },
	[OP_CELL] = { "cell", "cell <board> <cell> <mV|auto>", 3 },
	[OP_TEMP] = { "temp", "temp <board> <sensor> <dC|auto>", 3 },
	[OP_AMBIENT] = { "ambient", "ambient <dC>", 1 },
	[OP_HUMIDITY] = { "humidity", "humidity <pct>", 1 },
	[OP_SUPPLY] = { "supply", "supply <mV>", 1 },
	[OP_NTC] = { "ntc", "ntc <n> ok|open|short", 2 },
	[OP_CELL_NTC] = { "cell-ntc", "cell-ntc <board> <sensor> ok|open|short", 3 },
	[OP_BOARD] = { "board", "board <board> online|offline|crc|slow|exception", 2 },
	[OP_RELAY] = { "relay", "relay <n> ok|welded|stuck", 2 },
	[OP_DI] = { "di", "di <n> on|off|auto", 2 },
	[OP_LINK] = { "link", "link up|down", 1 },
	[OP_SCALE] = { "scale", "scale <x>", 1 },
	[OP_WAIT] = { "wait", "wait <seconds>", 1 },
	[OP_STATUS] = { "status", "status", 0 },
	[OP_HELP] = { "help", "help", 0 },
	[OP_QUIT] = { "quit", "quit", 0 },
};

/* Value ranges, in the units of the commands. */
#define CELL_MV_MAX ((int64_t)BP_CELL_MV_MAX)
#define TEMP_DC_MIN ((int64_t)BP_TEMP_DC_MIN)
#define TEMP_DC_MAX ((int64_t)BP_TEMP_DC_MAX)
#define AMBIENT_DC_MIN (-550)
#define AMBIENT_DC_MAX 1250
#define SUPPLY_MV_MAX 60000
#define SCALE_MIN 0.1
#define SCALE_MAX 1000.0
#define WAIT_S_MAX 1e9

#define MAX_TOKENS 6

/* "board <n> exception": the board answers every request with exception
 * code 4, server device failure. */
#define BOARD_EXCEPTION_CODE 0x04

enum board_mode { BM_ONLINE, BM_OFFLINE, BM_CRC, BM_SLOW, BM_EXCEPTION };

/* A parsed command: indexes from 0, values range-checked against what the
 * hardware can have; the pack's own geometry is checked separately. */
struct cmd {
	enum op op;
	int a, b;        /* board / sensor / relay / input index */
	int64_t v;       /* integer value */
	double d;        /* decimal value */
	bool release;    /* "auto" */
	uint8_t state;   /* a word argument, by its position in the list */
};

static const char *const sensor_words[] = { "ok", "open", "short", NULL };
static const char *const board_words[] = { "online", "offline", "crc", "slow", "exception",
					   NULL };
static const char *const relay_words[] = { "ok", "welded", "stuck", NULL };
static const char *const di_words[] = { "on", "off", "auto", NULL };
static const char *const link_words[] = { "up", "down", NULL };

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t cap, const char *fmt,
						      ...)
{
	va_list ap;

	if (!cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* --- parsing ----------------------------------------------------------- */

static bool parse_int(const char *t, int64_t *v)
{
	char *end;
	long long x;

	if (!*t)
		return false;
	errno = 0;
	x = strtoll(t, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool parse_dec(const char *t, double *v)
{
	char *end;
	double x;

	if (!*t)
		return false;
	errno = 0;
	x = strtod(t, &end);
	if (errno || *end || !isfinite(x))
		return false;
	*v = x;
	return true;
}

static int word_index(const char *t, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!strcmp(t, words[i]))
			return i;
	return -1;
}

static void list_words(char *buf, size_t cap, const char *const *words)
{
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (i = 0; words[i] && len < cap; i++) {
		int k = snprintf(buf + len, cap - len, "%s%s", i ? "|" : "", words[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static void command_list(char *buf, size_t cap)
{
	size_t len = 0;
	int i;

	if (!cap)
		return;
	buf[0] = 0;
	for (i = 0; i < OP_COUNT && len < cap; i++) {
		int k = snprintf(buf + len, cap - len, "%s%s", i ? " " : "", defs[i].name);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

/* Each parser returns 0, or -1 with the "<what>" part of the message. */
static int p_index(const char *t, const char *what, int max, int *idx, char *msg,
		   size_t cap)
{
	int64_t v;

	if (!parse_int(t, &v)) {
		say(msg, cap, "%s '%s' is not a number", what, t);
		return -1;
	}
	if (v < 1 || v > max) {
		say(msg, cap, "%s %s out of range 1..%d", what, t, max);
		return -1;
	}
	*idx = (int)v - 1;
	return 0;
}

static int p_int(const char *t, const char *what, int64_t lo, int64_t hi, int64_t *v,
		 char *msg, size_t cap)
{
	if (!parse_int(t, v)) {
		say(msg, cap, "%s '%s' is not a whole number", what, t);
		return -1;
	}
	if (*v < lo || *v > hi) {
		say(msg, cap, "%s %s out of range %" PRId64 "..%" PRId64, what, t, lo, hi);
		return -1;
	}
	return 0;
}

static int p_dec(const char *t, const char *what, double lo, double hi, double *v, char *msg,
		 size_t cap)
{
	if (!parse_dec(t, v)) {
		say(msg, cap, "%s '%s' is not a number", what, t);
		return -1;
	}
	if (*v < lo || *v > hi) {
		say(msg, cap, "%s %s out of range %g..%g", what, t, lo, hi);
		return -1;
	}
	return 0;
}

static int p_word(const char *t, const char *const *words, uint8_t *state, char *msg,
		  size_t cap)
{
	char list[96];
	int i = word_index(t, words);

	if (i < 0) {
		list_words(list, sizeof(list), words);
		say(msg, cap, "'%s' is not one of %s", t, list);
		return -1;
	}
	*state = (uint8_t)i;
	return 0;
}

/* Split @line (copied into @buf) into words; a '#' ends the line. Returns
 * the word count, or -1 if the line is too long or has too many words. */
static int tokenize(const char *line, char *buf, size_t bufsz, char **tok)
{
	size_t len = strcspn(line, "#\r\n");
	int n = 0;
	char *p, *save = NULL;

	if (len >= bufsz)
		return -1;
	memcpy(buf, line, len);
	buf[len] = 0;
	for (p = strtok_r(buf, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_TOKENS)
			return -2;
		tok[n++] = p;
	}
	return n;
}

/* Parse the words @tok[0..n-1] of a command. Returns 0, or -1 with the
 * complete message ("<what>, expected <syntax>") in @msg. */
static int parse_cmd(char **tok, int n, struct cmd *c, char *msg, size_t cap)
{
	const struct cmd_def *d = NULL;
	char what[160];
	int i, rc = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < OP_COUNT; i++)
		if (!strcmp(tok[0], defs[i].name)) {
			d = &defs[i];
			c->op = (enum op)i;
			break;
		}
	if (!d) {
		char list[200];

		command_list(list, sizeof(list));
		say(msg, cap, "unknown command '%s', expected one of: %s", tok[0], list);
		return -1;
	}
	if (n - 1 != d->nargs) {
		if (d->nargs == 0)
			say(msg, cap, "%s takes no argument, expected %s", d->name, d->syntax);
		else
			say(msg, cap, "%s takes %d argument%s, not %d, expected %s", d->name,
			    d->nargs, d->nargs > 1 ? "s" : "", n - 1, d->syntax);
		return -1;
	}

	switch (c->op) {
	case OP_CURRENT:
		rc = p_int(tok[1], "current", BP_CURRENT_MA_MIN, BP_CURRENT_MA_MAX, &c->v, what,
			   sizeof(what));
		break;
	case OP_SOC:
		rc = p_dec(tok[1], "soc", 0.0, 100.0, &c->d, what, sizeof(what));
		break;
	case OP_HUMIDITY:
		rc = p_dec(tok[1], "humidity", 0.0, 100.0, &c->d, what, sizeof(what));
		break;
	case OP_CELL:
	case OP_TEMP:
		rc = p_index(tok[1], "board", BP_MAX_BOARDS, &c->a, what, sizeof(what));
		if (!rc && c->op == OP_CELL)
			rc = p_index(tok[2], "cell", BP_MAX_CELLS, &c->b, what, sizeof(what));
		else if (!rc)
			rc = p_index(tok[2], "sensor", BP_MAX_TEMPS, &c->b, what, sizeof(what));
		if (rc)
			break;
		if (!strcmp(tok[3], "auto"))
			c->release = true;
		else if (c->op == OP_CELL)
			rc = p_int(tok[3], "voltage", 0, CELL_MV_MAX, &c->v, what, sizeof(what));
		else
			rc = p_int(tok[3], "temperature", TEMP_DC_MIN, TEMP_DC_MAX, &c->v, what,
				   sizeof(what));
		break;
	case OP_AMBIENT:
		rc = p_int(tok[1], "ambient", AMBIENT_DC_MIN, AMBIENT_DC_MAX, &c->v, what,
			   sizeof(what));
		break;
	case OP_SUPPLY:
		rc = p_int(tok[1], "supply", 0, SUPPLY_MV_MAX, &c->v, what, sizeof(what));
		break;
	case OP_NTC:
		rc = p_index(tok[1], "NTC", BP_NUM_NTC, &c->a, what, sizeof(what));
		if (!rc)
			rc = p_word(tok[2], sensor_words, &c->state, what, sizeof(what));
		break;
	case OP_CELL_NTC:
		rc = p_index(tok[1], "board", BP_MAX_BOARDS, &c->a, what, sizeof(what));
		if (!rc)
			rc = p_index(tok[2], "sensor", BP_MAX_TEMPS, &c->b, what, sizeof(what));
		if (!rc)
			rc = p_word(tok[3], sensor_words, &c->state, what, sizeof(what));
		break;
	case OP_BOARD:
		rc = p_index(tok[1], "board", BP_MAX_BOARDS, &c->a, what, sizeof(what));
		if (!rc)
			rc = p_word(tok[2], board_words, &c->state, what, sizeof(what));
		break;
	case OP_RELAY:
		rc = p_index(tok[1], "relay", BP_NUM_RELAYS, &c->a, what, sizeof(what));
		if (!rc)
			rc = p_word(tok[2], relay_words, &c->state, what, sizeof(what));
		break;
	case OP_DI:
		rc = p_index(tok[1], "input", BP_NUM_DI, &c->a, what, sizeof(what));
		if (!rc)
			rc = p_word(tok[2], di_words, &c->state, what, sizeof(what));
		break;
	case OP_LINK:
		rc = p_word(tok[1], link_words, &c->state, what, sizeof(what));
		break;
	case OP_SCALE:
		rc = p_dec(tok[1], "scale", SCALE_MIN, SCALE_MAX, &c->d, what, sizeof(what));
		break;
	case OP_WAIT:
		rc = p_dec(tok[1], "wait", 0.0, WAIT_S_MAX, &c->d, what, sizeof(what));
		break;
	case OP_STATUS:
	case OP_HELP:
	case OP_QUIT:
	case OP_COUNT:
		break;
	}
	if (rc)
		say(msg, cap, "%s: %s, expected %s", d->name, what, d->syntax);
	return rc;
}

/* Indexes against the simulated pack, which may be smaller than the
 * hardware allows. */
static int check_geometry(const struct cmd *c, const struct pack_cfg *pc, char *msg, size_t cap)
{
	const struct cmd_def *d = &defs[c->op];
	bool cell = c->op == OP_CELL;

	switch (c->op) {
	case OP_CELL:
	case OP_TEMP:
	case OP_CELL_NTC:
	case OP_BOARD:
		if (c->a >= pc->boards) {
			say(msg, cap, "%s: board %d out of range 1..%d (the pack has %d), expected %s",
			    d->name, c->a + 1, pc->boards, pc->boards, d->syntax);
			return -1;
		}
		if (c->op == OP_BOARD)
			return 0;
		if (c->b >= (cell ? pc->cells : pc->temps)) {
			int max = cell ? pc->cells : pc->temps;

			if (max == 0)
				say(msg, cap, "%s: the boards have no temperature sensor, expected %s",
				    d->name, d->syntax);
			else
				say(msg, cap,
				    "%s: %s %d out of range 1..%d (a board has %d), expected %s",
				    d->name, cell ? "cell" : "sensor", c->b + 1, max, max,
				    d->syntax);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* --- execution --------------------------------------------------------- */

static void status(const struct sim *s, char *reply, size_t cap)
{
	const struct pack *p = &s->pack;
	unsigned int vmin = 0xFFFF, vmax = 0;
	int b, c;

	for (b = 0; b < p->cfg.boards; b++)
		for (c = 0; c < p->cfg.cells; c++) {
			unsigned int v = pack_cell_mV(p, b, c);

			vmin = v < vmin ? v : vmin;
			vmax = v > vmax ? v : vmax;
		}
	say(reply, cap,
	    "{\"t_s\":%.3f,\"soc_pct\":%.3f,\"soc_min_pct\":%.3f,\"current_mA\":%" PRId32
	    ",\"demand_mA\":%" PRId32 ",\"charge_in_mAs\":%" PRIu64 ",\"charge_out_mAs\":%" PRIu64
	    ",\"cell_min_mV\":%u,\"cell_max_mV\":%u,\"temp_dC\":%d,\"ambient_dC\":%d"
	    ",\"heater\":%s,\"relays\":%u,\"contacts\":%u,\"di\":%u,\"dos\":%u"
	    ",\"link\":\"%s\",\"scale\":%g}",
	    (double)s->pack_us / 1e6, pack_soc_pct(p), pack_soc_min_pct(p), pack_current_mA(p),
	    p->demand_mA, pack_charge_in_mAs(p), pack_charge_out_mAs(p), vmin, vmax,
	    pack_pack_dC(p), pack_ext_dC(p, 0), pack_heater_on(p) ? "true" : "false",
	    s->relay_coil, s->relay_contacts, sim_di(s), s->dos, s->link_down ? "down" : "up",
	    s->time_scale);
}

static void apply(struct sim *s, const struct cmd *c, char *reply, size_t cap)
{
	struct pack *p = &s->pack;

	say(reply, cap, "ok");
	switch (c->op) {
	case OP_CURRENT:
		pack_set_demand(p, (int32_t)c->v);
		break;
	case OP_SOC:
		pack_set_soc(p, c->d);
		break;
	case OP_CELL:
		pack_force_cell(p, c->a, c->b, c->release ? -1 : (int32_t)c->v);
		break;
	case OP_TEMP:
		pack_force_temp(p, c->a, c->b, c->release ? INT16_MIN : (int16_t)c->v);
		break;
	case OP_AMBIENT:
		pack_set_ambient(p, (int16_t)c->v);
		break;
	case OP_HUMIDITY:
		pack_set_humidity(p, c->d);
		break;
	case OP_SUPPLY:
		pack_set_supply(p, (uint32_t)c->v);
		break;
	case OP_NTC:
		pack_set_ntc_fault(p, c->a, c->state);
		break;
	case OP_CELL_NTC:
		pack_set_cell_ntc_fault(p, c->a, c->b, c->state);
		break;
	case OP_BOARD: {
		struct simboard *sb = &s->bus.board[c->a];

		sb->offline = c->state == BM_OFFLINE;
		sb->corrupt_crc = c->state == BM_CRC;
		sb->slow = c->state == BM_SLOW;
		sb->exception = c->state == BM_EXCEPTION ? BOARD_EXCEPTION_CODE : 0;
		sb->truncate = 0;
		sb->mangle = SIMBOARD_MANGLE_NONE;
		break;
	}
	case OP_RELAY:
		s->relay_fault[c->a] = c->state == 1 ? SIM_RELAY_WELDED
				       : c->state == 2 ? SIM_RELAY_STUCK
						       : SIM_RELAY_OK;
		s->relay_contacts = sim_contacts(s);
		break;
	case OP_DI: {
		uint8_t bit = (uint8_t)(1u << c->a);

		if (c->state == 2) {
			s->di_forced_mask &= (uint8_t)~bit;
			s->di_forced_val &= (uint8_t)~bit;
		} else {
			s->di_forced_mask |= bit;
			if (c->state == 0)
				s->di_forced_val |= bit;
			else
				s->di_forced_val &= (uint8_t)~bit;
		}
		break;
	}
	case OP_LINK:
		s->link_down = c->state == 1;
		break;
	case OP_SCALE:
		s->time_scale = c->d;
		break;
	case OP_STATUS:
		status(s, reply, cap);
		break;
	case OP_HELP: {
		size_t len = 0;
		int i;

		if (!cap)
			break;
		reply[0] = 0;
		for (i = 0; i < OP_COUNT && len < cap; i++) {
			int k = snprintf(reply + len, cap - len, "%s%s", i ? "; " : "commands: ",
					 defs[i].syntax);

			if (k < 0)
				break;
			len += (size_t)k;
		}
		break;
	}
	case OP_QUIT:
		s->quit = true;
		break;
	case OP_WAIT:
	case OP_COUNT:
		break;
	}
}

int scenario_exec(struct sim *s, const char *line, char *reply, size_t cap)
{
	char buf[SCENARIO_LINE_MAX + 1], msg[400];
	char *tok[MAX_TOKENS];
	struct cmd c;
	int n;

	if (cap)
		reply[0] = 0;
	n = tokenize(line, buf, sizeof(buf), tok);
	if (n == 0)
		return 0;
	if (n == -1) {
		say(reply, cap, "error: line longer than %d characters, expected one command",
		    SCENARIO_LINE_MAX);
		return -1;
	}
	if (n < 0) {
		say(reply, cap, "error: too many words, expected one command per line");
		return -1;
	}
	if (tok[0][0] == '@') {
		say(reply, cap, "error: a time prefix is only valid in a scenario file, "
				"expected a command without @<seconds>");
		return -1;
	}
	if (parse_cmd(tok, n, &c, msg, sizeof(msg)) ||
	    check_geometry(&c, &s->pack.cfg, msg, sizeof(msg))) {
		say(reply, cap, "error: %s", msg);
		return -1;
	}
	if (c.op == OP_WAIT) {
		say(reply, cap, "error: wait is only valid in a scenario file, "
				"expected wait <seconds> in a file given with --scenario");
		return -1;
	}
	apply(s, &c, reply, cap);
	return 0;
}

/* --- scripts ----------------------------------------------------------- */

static char *dup_str(const char *t)
{
	size_t n = strlen(t) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, t, n);
	return d;
}

static uint64_t to_us(double s)
{
	return (uint64_t)llround(s * 1e6);
}

static int add_step(struct scenario_script *sc, size_t *alloc, uint64_t at_us,
		    unsigned int line, const char *text)
{
	if (sc->n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 16;
		struct scenario_step *ns = realloc(sc->step, na * sizeof(*ns));

		if (!ns)
			return -1;
		sc->step = ns;
		*alloc = na;
	}
	sc->step[sc->n].text = dup_str(text);
	if (!sc->step[sc->n].text)
		return -1;
	sc->step[sc->n].at_us = at_us;
	sc->step[sc->n].line = line;
	sc->n++;
	return 0;
}

/* Parse one script line at time *@t_us (advanced by "@" and "wait").
 * Returns 0, or -1 with the message in @msg. */
static int load_line(struct scenario_script *sc, size_t *alloc, const char *line,
		     unsigned int lineno, uint64_t *t_us, char *msg, size_t cap)
{
	char buf[SCENARIO_LINE_MAX + 1], text[SCENARIO_LINE_MAX + 1];
	char *tok[MAX_TOKENS];
	char **cmd_tok = tok;
	struct cmd c;
	size_t len;
	int n, i;

	n = tokenize(line, buf, sizeof(buf), tok);
	if (n == 0)
		return 0;
	if (n == -1) {
		say(msg, cap, "line longer than %d characters, expected one command",
		    SCENARIO_LINE_MAX);
		return -1;
	}
	if (n < 0) {
		say(msg, cap, "too many words, expected [@<seconds>] <command>");
		return -1;
	}
	if (tok[0][0] == '@') {
		double at;
		uint64_t at_us;

		if (!parse_dec(tok[0] + 1, &at) || at < 0 || at > WAIT_S_MAX) {
			say(msg, cap, "bad time '%s', expected @<seconds> (0..%g)", tok[0],
			    WAIT_S_MAX);
			return -1;
		}
		at_us = to_us(at);
		if (at_us < *t_us) {
			say(msg, cap, "time %s is before %.6g s, already reached, expected "
				      "times in increasing order",
			    tok[0], (double)*t_us / 1e6);
			return -1;
		}
		*t_us = at_us;
		cmd_tok++;
		n--;
		if (n == 0)
			return 0;
	}
	if (parse_cmd(cmd_tok, n, &c, msg, cap))
		return -1;
	if (c.op == OP_WAIT) {
		if (*t_us + to_us(c.d) > to_us(WAIT_S_MAX)) {
			say(msg, cap, "the script runs past %g s, expected a shorter wait",
			    WAIT_S_MAX);
			return -1;
		}
		*t_us += to_us(c.d);
		return 0;
	}
	/* keep the command alone, in a canonical spacing */
	len = 0;
	text[0] = 0;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? " " : "",
					cmd_tok[i]);
	if (add_step(sc, alloc, *t_us, lineno, text)) {
		say(msg, cap, "out of memory");
		return -1;
	}
	return 0;
}

int scenario_load_text(struct scenario_script *sc, const char *name, const char *text,
		       char *err, size_t cap)
{
	char line[SCENARIO_LINE_MAX + 2], msg[400];
	const char *p = text;
	unsigned int lineno = 0;
	uint64_t t_us = 0;
	size_t alloc = 0;

	memset(sc, 0, sizeof(*sc));
	if (cap)
		err[0] = 0;
	sc->name = dup_str(name);
	if (!sc->name) {
		say(err, cap, "%s: out of memory", name);
		return -1;
	}
	while (*p) {
		size_t len = strcspn(p, "\n");
		size_t clen = strcspn(p, "#\n"); /* a comment may be of any length */

		lineno++;
		if (clen > SCENARIO_LINE_MAX) {
			say(err, cap, "%s:%u: line longer than %d characters, expected one command",
			    name, lineno, SCENARIO_LINE_MAX);
			goto err;
		}
		memcpy(line, p, clen);
		line[clen] = 0;
		p += len;
		if (*p == '\n')
			p++;
		if (load_line(sc, &alloc, line, lineno, &t_us, msg, sizeof(msg))) {
			say(err, cap, "%s:%u: %s", name, lineno, msg);
			goto err;
		}
	}
	sc->end_us = t_us;
	return 0;
err:
	scenario_free(sc);
	return -1;
}

int scenario_load(struct scenario_script *sc, const char *path, char *err, size_t cap)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, alloc = 0;
	int rc;

	memset(sc, 0, sizeof(*sc));
	f = fopen(path, "r");
	if (!f) {
		say(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (alloc - len < 4096) {
			char *nt = realloc(text, alloc + 65536);

			if (!nt) {
				free(text);
				fclose(f);
				say(err, cap, "%s: out of memory", path);
				return -1;
			}
			text = nt;
			alloc += 65536;
		}
		got = fread(text + len, 1, alloc - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		say(err, cap, "%s: read error", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	text[len] = 0;
	if (strlen(text) != len) {
		say(err, cap, "%s: contains a NUL byte, expected a text file", path);
		free(text);
		return -1;
	}
	rc = scenario_load_text(sc, path, text, err, cap);
	free(text);
	return rc;
}

int scenario_check(const struct scenario_script *sc, const struct sim *s, char *err,
		   size_t cap)
{
	char buf[SCENARIO_LINE_MAX + 1], msg[400];
	char *tok[MAX_TOKENS];
	struct cmd c;
	size_t i;

	for (i = 0; i < sc->n; i++) {
		int n = tokenize(sc->step[i].text, buf, sizeof(buf), tok);

		if (n <= 0 || parse_cmd(tok, n, &c, msg, sizeof(msg)) ||
		    check_geometry(&c, &s->pack.cfg, msg, sizeof(msg))) {
			say(err, cap, "%s:%u: %s", sc->name, sc->step[i].line, msg);
			return -1;
		}
	}
	return 0;
}

void scenario_run_due(struct scenario_script *sc, struct sim *s)
{
	char reply[1024];

	while (sc->next < sc->n && sc->step[sc->next].at_us <= s->pack_us) {
		const struct scenario_step *st = &sc->step[sc->next++];
		int rc = scenario_exec(s, st->text, reply, sizeof(reply));

		if (rc)
			sc->errors++;
		if (sc->log && rc)
			fprintf(sc->log, "%s:%u: %s\n", sc->name, st->line, reply);
		else if (sc->log && strcmp(reply, "ok"))
			fprintf(sc->log, "%s\n", reply);
	}
}

uint64_t scenario_next_us(const struct scenario_script *sc)
{
	return sc->next < sc->n ? sc->step[sc->next].at_us : UINT64_MAX;
}

bool scenario_done(const struct scenario_script *sc, const struct sim *s)
{
	return sc->next >= sc->n && s->pack_us >= sc->end_us;
}

void scenario_free(struct scenario_script *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->step[i].text);
	free(sc->step);
	free(sc->name);
	memset(sc, 0, sizeof(*sc));
}
