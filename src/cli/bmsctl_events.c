/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsctl events: the event log read from its files (src/store/evlog.h), so
 * that it works while bmsd is down; printed as text or JSON lines, the last
 * N records or those since a time, and followed as it grows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmsctl_cmd.h"
#include "bmsctl_events.h"
#include "evlog.h"
#include "json.h"

#define FOLLOW_MS 500
#define EVENTS_N_MAX 1000000ul

static const char *prio_name(unsigned int p)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};

	return p < 8 ? names[p] : "?";
}

static void print_rec(const struct evlog_rec *r, bool json)
{
	time_t t = (time_t)(r->realtime_us / 1000000u);
	unsigned int ms = (unsigned int)(r->realtime_us / 1000u % 1000u);
	char when[64];
	struct tm tm;

	if (json) {
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
			snprintf(when, sizeof(when), "?");
		printf("{\"seq\":%" PRIu64 ",\"time\":\"%s.%03uZ\",\"realtime_us\":%" PRIu64
		       ",\"mono_us\":%" PRIu64 ",\"prio\":\"%s\",\"code\":%u,\"text\":",
		       r->seq, when, ms, r->realtime_us, r->mono_us, prio_name(r->prio),
		       (unsigned int)r->code);
		json_fprint_str(stdout, r->text);
		fputs("}\n", stdout);
		return;
	}
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "(bad time)");
	printf("%s.%03u  %-7s  %3u  ", when, ms, prio_name(r->prio), (unsigned int)r->code);
	text_safe(stdout, r->text);
	fputc('\n', stdout);
}

struct ev_ctx {
	bool json;
	uint64_t since_us;      /* 0: everything */
	uint64_t after_seq;     /* print only records with a greater seq */
	uint64_t max_seq;       /* highest seq of this pass */
	unsigned long want;     /* -n: ring of this many records, 0: print directly */
	struct evlog_rec *ring;
	unsigned long ring_n, ring_head;
	uint64_t printed;
};

static int ev_cb(const struct evlog_rec *r, void *arg)
{
	struct ev_ctx *e = arg;

	if (r->seq > e->max_seq)
		e->max_seq = r->seq;
	if (r->seq <= e->after_seq || r->realtime_us < e->since_us)
		return 0;
	if (e->ring) {
		e->ring[e->ring_head] = *r;
		e->ring_head = (e->ring_head + 1) % e->want;
		if (e->ring_n < e->want)
			e->ring_n++;
		return 0;
	}
	print_rec(r, e->json);
	e->printed++;
	return 0;
}

static void ring_flush(struct ev_ctx *e)
{
	unsigned long i, start;

	if (!e->ring)
		return;
	start = (e->ring_head + e->want - e->ring_n) % e->want;
	for (i = 0; i < e->ring_n; i++)
		print_rec(&e->ring[(start + i) % e->want], e->json);
	e->printed += e->ring_n;
	e->ring_n = 0;
	e->ring_head = 0;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]" local, "@EPOCH", "-N{s,m,h,d}". */
static int parse_since(const char *s, uint64_t *out_us)
{
	struct tm tm;
	time_t t;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s[0] == '@') {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno || end == s + 1 || *end || v > UINT64_MAX / 1000000u)
			return -EINVAL;
		*out_us = (uint64_t)v * 1000000u;
		return 0;
	}
	if (s[0] == '-') {
		char *end;
		unsigned long v;
		unsigned long mul;
		struct timespec now;

		errno = 0;
		v = strtoul(s + 1, &end, 10);
		if (errno || end == s + 1 || !end[0] || end[1])
			return -EINVAL;
		switch (end[0]) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -EINVAL;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		if (v > (unsigned long)now.tv_sec / mul)
			*out_us = 0;
		else
			*out_us = ((uint64_t)now.tv_sec - (uint64_t)v * mul) * 1000000u;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 ||
	    n != 10)
		return -EINVAL;
	s += n;
	if (*s == ' ' || *s == 'T') {
		int m = 0;

		if (sscanf(s + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 || m != 5)
			return -EINVAL;
		s += 1 + m;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &tm.tm_sec, &m) != 1 || m != 2)
				return -EINVAL;
			s += 1 + m;
		}
	}
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -EINVAL;
	*out_us = (uint64_t)t * 1000000u;
	return 0;
}

static void report_damage(const char *dir, const struct evlog_read_stats *st,
			  uint64_t *reported)
{
	if (st->corrupt <= *reported)
		return;
	fprintf(stderr, "%s: %s: skipped %" PRIu64 " bytes in %" PRIu64
		" corrupt stretch%s of the event log\n", prog, dir, st->skipped_bytes,
		st->corrupt, st->corrupt == 1 ? "" : "es");
	*reported = st->corrupt;
}

/* -f: the records added to the log in @dir after e->after_seq, every
 * FOLLOW_MS, until a signal or until stdout is gone */
static void follow_log(const char *dir, struct ev_ctx *e, uint64_t *reported)
{
	struct evlog_read_stats st;

	while (!stop) {
		struct timespec ts = { 0, FOLLOW_MS * 1000000L };
		uint64_t before = e->after_seq;

		if (nanosleep(&ts, NULL) < 0 && stop)
			break;
		e->max_seq = 0;
		if (evlog_read(dir, ev_cb, e, &st) < 0)
			continue;       /* rotation or a directory being recreated: retry */
		report_damage(dir, &st, reported);
		if (st.records && e->max_seq < before) {
			/* the log was started afresh: everything in it is new */
			e->after_seq = 0;
			evlog_read(dir, ev_cb, e, &st);
		}
		if (e->max_seq > e->after_seq)
			e->after_seq = e->max_seq;
		if (fflush(stdout) == EOF)
			break;
	}
}

int do_events(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "dir", required_argument, 0, 'd' },
		{ "lines", required_argument, 0, 'n' },
		{ "since", required_argument, 0, OPT_SINCE },
		{ "follow", no_argument, 0, 'f' },
		{ 0, 0, 0, 0 },
	};
	struct evlog_read_stats st;
	struct ev_ctx e = { 0 };
	const char *dir = DEFAULT_EVDIR;
	uint64_t reported = 0;
	bool follow = false, none = false;
	int ch, rc;

	while ((ch = next_opt(argc, argv, c, o, "d:n:f", lopts)) >= 0) {
		char *end;

		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			errno = 0;
			e.want = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    e.want > EVENTS_N_MAX)
				return usage_error(c, "-n wants a number from 0 to %lu, not '%s'",
						   EVENTS_N_MAX, optarg);
			none = e.want == 0;     /* nothing now, only new ones */
			break;
		case OPT_SINCE:
			if (parse_since(optarg, &e.since_us) < 0)
				return usage_error(c, "--since wants 'YYYY-MM-DD [HH:MM[:SS]]', "
						   "'@EPOCH' or '-N{s,m,h,d}', not '%s'", optarg);
			break;
		case 'f':
			follow = true;
			break;
		default:
			return ch & 0xff;
		}
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	e.json = o->json;
	if (none)
		e.after_seq = UINT64_MAX;
	if (e.want) {
		e.ring = calloc(e.want, sizeof(*e.ring));
		if (!e.ring)
			die_nomem();
	}
	catch_signals();
	rc = evlog_read(dir, ev_cb, &e, &st);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot read the event log in %s: %s\n", prog, dir,
			evlog_error());
		free(e.ring);
		return EXIT_FAIL;
	}
	report_damage(dir, &st, &reported);
	ring_flush(&e);
	free(e.ring);
	e.ring = NULL;
	e.after_seq = e.max_seq;
	fflush(stdout);
	if (follow)
		follow_log(dir, &e, &reported);
	return EXIT_OK;
}
