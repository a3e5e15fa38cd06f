/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evlog-torture: the event log under SIGKILL, its checker, and a quick
 * benchmark.
 *
 *   evlog-torture [--max-bytes N] [--sync] [--chunked] [--self-check] [--seed S]
 *                 [--count N] DIR
 *       Append records to the log in DIR forever (or N of them). The content
 *       of each record follows from its seq, so that a reader can verify it.
 *       After each append returns, its seq is written to stdout as one line.
 *       --chunked writes every record in small pieces (evlog's test hook) so
 *       that a kill lands inside records. At start, one line on stderr tells
 *       what the log's recovery found. --self-check reads the log back after
 *       the first append and exits 3 unless it is spotless (nothing skipped,
 *       seqs consecutive), which catches what a recovery left behind before
 *       rotation can carry it away.
 *
 *   evlog-torture --verify [--max-bytes N] [--acked FILE] DIR
 *       Read the log back and check it: every record is the one its seq
 *       says, seqs are consecutive, the newest record is at least the last
 *       seq in FILE (the writers' stdout), the seqs in FILE strictly
 *       increase, nothing corrupt is found (one torn tail is allowed), and
 *       the files keep the size bound. Prints the counts; exits 0 or 1.
 *
 *   evlog-torture --bench [--count N] [--text-len L] [--sync] DIR
 *       Time N appends of an L-byte text (default 20000 and 60).
 *
 * Exit status 2: usage or open error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"

struct want {
	uint16_t code;
	int prio;
	uint64_t rt, mono;
	size_t len;
	char text[EVLOG_TEXT_MAX + 1];
};

/* The content of record @seq. */
static void gen(uint64_t seq, struct want *w)
{
	uint64_t h = seq * 0x9E3779B97F4A7C15ull;

	h ^= h >> 29;
	w->len = (size_t)(h % (EVLOG_TEXT_MAX + 1));
	w->code = (uint16_t)(h >> 16);
	w->prio = (int)((h >> 40) % 8);
	w->rt = 1700000000000000ull + seq * 1000;
	w->mono = seq * 997;
	for (size_t i = 0; i < w->len; i++)
		w->text[i] = (char)(' ' + ((h >> (i % 48)) + i * 7) % 95);
	w->text[w->len] = '\0';
}

static bool matches(const struct evlog_rec *r)
{
	struct want w;

	gen(r->seq, &w);
	return r->code == w.code && r->prio == w.prio && r->realtime_us == w.rt &&
	       r->mono_us == w.mono && r->len == w.len && memcmp(r->text, w.text, w.len) == 0 &&
	       r->text[r->len] == '\0';
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || s[0] == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: evlog-torture [--max-bytes N] [--sync] [--chunked] [--self-check] [--seed S]\n"
		"                     [--count N] DIR\n"
		"       evlog-torture --verify [--max-bytes N] [--acked FILE] DIR\n"
		"       evlog-torture --bench [--count N] [--text-len L] [--sync] DIR\n");
}

struct check {
	uint64_t first, last, n, bad_content, out_of_order, gaps;
};

static int on_rec(const struct evlog_rec *r, void *arg)
{
	struct check *c = arg;

	if (!matches(r)) {
		if (c->bad_content++ < 5)
			fprintf(stderr, "verify: record seq %" PRIu64 " has the wrong content\n",
				r->seq);
	}
	if (c->n && r->seq <= c->last) {
		if (c->out_of_order++ < 5)
			fprintf(stderr, "verify: seq %" PRIu64 " after %" PRIu64 "\n", r->seq,
				c->last);
	} else if (c->n && r->seq != c->last + 1) {
		if (c->gaps++ < 5)
			fprintf(stderr, "verify: seqs %" PRIu64 "..%" PRIu64 " missing\n",
				c->last + 1, r->seq - 1);
	}
	if (!c->n)
		c->first = r->seq;
	c->last = r->seq;
	c->n++;
	return 0;
}

/* Right after recovery and one append, the log must be spotless: no
 * garbage left before the new record, and its seq right after the newest
 * one recovered. */
static int self_check(const char *dir)
{
	struct evlog_read_stats st;
	struct check c = { 0 };
	int rc = evlog_read(dir, on_rec, &c, &st);

	if (rc || c.bad_content || c.out_of_order || c.gaps || st.corrupt || st.torn ||
	    st.skipped_bytes) {
		fprintf(stderr, "evlog-torture: self-check after the first append: read %d, %"
			PRIu64 " wrong, %" PRIu64 " out of order, %" PRIu64 " gaps, %" PRIu64
			" corrupt, %" PRIu64 " torn, %" PRIu64 " bytes skipped\n", rc,
			c.bad_content, c.out_of_order, c.gaps, st.corrupt, st.torn,
			st.skipped_bytes);
		return 3;
	}
	return 0;
}

static int run_writer(const char *dir, uint32_t max_bytes, bool sync, bool chunked,
		      bool check, uint32_t seed, uint64_t count)
{
	const struct evlog_stats *st;
	struct evlog *l;
	int rc;

	rc = evlog_open(&l, dir, max_bytes, sync, NULL);
	if (rc) {
		fprintf(stderr, "evlog-torture: open %s: %s\n", dir, strerror(-rc));
		return 2;
	}
	st = evlog_stats(l);
	fprintf(stderr, "evlog-torture: recovered_bytes %" PRIu64 " corrupt_found %" PRIu64
		" next_seq %" PRIu64 "\n", st->recovered_bytes, st->corrupt_found, st->next_seq);
	if (chunked)
		evlog_set_chunking(l, seed ? seed : 1);
	for (uint64_t i = 0; !count || i < count; i++) {
		uint64_t seq = st->next_seq;
		char line[24];
		struct want w;
		int n;

		gen(seq, &w);
		rc = evlog_append(l, w.code, w.prio, w.text, w.rt, w.mono);
		if (rc) {
			fprintf(stderr, "evlog-torture: append %" PRIu64 ": %s\n", seq,
				strerror(-rc));
			evlog_close(l);
			return 1;
		}
		if (check && i == 0) {
			rc = self_check(dir);
			if (rc) {
				evlog_close(l);
				return rc;
			}
		}
		/* one write(): the line is either reported whole or not at all */
		n = snprintf(line, sizeof(line), "%" PRIu64 "\n", seq);
		if (write(STDOUT_FILENO, line, (size_t)n) != n) {
			evlog_close(l);
			return 1;
		}
	}
	evlog_close(l);
	return 0;
}

static long file_size(const char *dir, const char *name)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &sb) < 0 ? -1 : (long)sb.st_size;
}

static int run_verify(const char *dir, uint32_t max_bytes, const char *acked)
{
	struct evlog_read_stats st;
	struct check c = { 0 };
	uint64_t n_acked = 0, max_acked = 0, acked_in_window = 0, acked_disorder = 0;
	long cur = file_size(dir, EVLOG_FILE_CUR), old = file_size(dir, EVLOG_FILE_OLD);
	int rc, fails = 0;

	rc = evlog_read(dir, on_rec, &c, &st);
	if (rc) {
		fprintf(stderr, "verify: read %s: %s\n", dir, strerror(-rc));
		return 2;
	}
	if (acked) {
		FILE *f = fopen(acked, "r");
		char line[64];

		if (!f) {
			fprintf(stderr, "verify: %s: %s\n", acked, strerror(errno));
			return 2;
		}
		/* a line without its newline was never reported */
		while (fgets(line, sizeof(line), f)) {
			size_t k = strlen(line);
			uint64_t s;

			if (k == 0 || line[k - 1] != '\n')
				break;
			line[k - 1] = '\0';
			if (!parse_u64(line, &s)) {
				fprintf(stderr, "verify: bad line in %s: %s\n", acked, line);
				fails++;
				continue;
			}
			if (n_acked && s <= max_acked)
				acked_disorder++;
			if (s > max_acked)
				max_acked = s;
			if (c.n && s >= c.first && s <= c.last)
				acked_in_window++;
			n_acked++;
		}
		fclose(f);
	}
	if (c.bad_content || c.out_of_order || c.gaps) {
		fprintf(stderr, "verify: FAIL: %" PRIu64 " wrong, %" PRIu64 " out of order, %"
			PRIu64 " gaps\n", c.bad_content, c.out_of_order, c.gaps);
		fails++;
	}
	if (st.corrupt || st.torn > 1) {
		fprintf(stderr, "verify: FAIL: %" PRIu64 " corrupt stretches, %" PRIu64
			" torn tails\n", st.corrupt, st.torn);
		fails++;
	}
	if (max_acked && (!c.n || c.last < max_acked)) {
		fprintf(stderr, "verify: FAIL: seq %" PRIu64 " was reported written, newest"
			" in the log is %" PRIu64 "\n", max_acked, c.last);
		fails++;
	}
	if (acked_disorder) {
		fprintf(stderr, "verify: FAIL: %" PRIu64 " reported seqs did not increase\n",
			acked_disorder);
		fails++;
	}
	if (cur > (long)max_bytes / 2 || (cur < 0 ? 0 : cur) + (old < 0 ? 0 : old) > (long)max_bytes ||
	    (old >= 0 && old <= (long)(max_bytes / 2 - EVLOG_REC_MAX))) {
		fprintf(stderr, "verify: FAIL: file sizes %ld + %ld for max %" PRIu32 "\n", cur,
			old, max_bytes);
		fails++;
	}
	printf("verify: records %" PRIu64 " (seq %" PRIu64 "..%" PRIu64 "), reported %"
	       PRIu64 " (newest %" PRIu64 ", %" PRIu64 " in the window), torn %" PRIu64
	       ", corrupt %" PRIu64 ", skipped_bytes %" PRIu64 ", bytes %ld + %ld: %s\n",
	       c.n, c.first, c.last, n_acked, max_acked, acked_in_window, st.torn, st.corrupt,
	       st.skipped_bytes, old < 0 ? 0 : old, cur < 0 ? 0 : cur, fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}

static int run_bench(const char *dir, uint64_t count, size_t text_len, bool sync)
{
	char text[EVLOG_TEXT_MAX + 1];
	struct evlog *l;
	double t0, dt;
	int rc;

	rc = evlog_open(&l, dir, 1024 * 1024, sync, NULL);
	if (rc) {
		fprintf(stderr, "evlog-torture: open %s: %s\n", dir, strerror(-rc));
		return 2;
	}
	memset(text, 'x', text_len);
	text[text_len] = '\0';
	t0 = now_s();
	for (uint64_t i = 0; i < count; i++) {
		rc = evlog_append(l, 1, 6, text, i, i);
		if (rc) {
			fprintf(stderr, "evlog-torture: append: %s\n", strerror(-rc));
			evlog_close(l);
			return 1;
		}
	}
	dt = now_s() - t0;
	printf("bench: %" PRIu64 " appends of %zu-byte texts (%zu bytes per record), sync %s:"
	       " %.3f s, %.0f appends/s, %.1f us each, %" PRIu64 " rotations\n",
	       count, text_len, EVLOG_REC_FIXED + text_len, sync ? "on" : "off", dt,
	       count / dt, dt * 1e6 / count, evlog_stats(l)->rotations);
	evlog_close(l);
	return 0;
}

int main(int argc, char **argv)
{
	enum { WRITE, VERIFY, BENCH } mode = WRITE;
	const char *dir = NULL, *acked = NULL;
	uint64_t max_bytes = 16384, seed = 0, count = 0, text_len = 60;
	bool sync = false, chunked = false, check = false, count_set = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t *num = NULL;

		if (!strcmp(a, "--verify"))
			mode = VERIFY;
		else if (!strcmp(a, "--bench"))
			mode = BENCH;
		else if (!strcmp(a, "--sync"))
			sync = true;
		else if (!strcmp(a, "--chunked"))
			chunked = true;
		else if (!strcmp(a, "--self-check"))
			check = true;
		else if (!strcmp(a, "--max-bytes"))
			num = &max_bytes;
		else if (!strcmp(a, "--seed"))
			num = &seed;
		else if (!strcmp(a, "--count"))
			num = &count;
		else if (!strcmp(a, "--text-len"))
			num = &text_len;
		else if (!strcmp(a, "--acked") && i + 1 < argc)
			acked = argv[++i];
		else if (a[0] != '-' && !dir)
			dir = a;
		else {
			usage();
			return 2;
		}
		if (num) {
			if (!parse_u64(i + 1 < argc ? argv[++i] : NULL, num)) {
				usage();
				return 2;
			}
			if (num == &count)
				count_set = true;
		}
	}
	if (!dir || max_bytes < EVLOG_MIN_BYTES || max_bytes > UINT32_MAX ||
	    text_len > EVLOG_TEXT_MAX || seed > UINT32_MAX || (mode == BENCH && count_set && !count)) {
		usage();
		return 2;
	}
	switch (mode) {
	case VERIFY:
		return run_verify(dir, (uint32_t)max_bytes, acked);
	case BENCH:
		return run_bench(dir, count_set ? count : 20000, (size_t)text_len, sync);
	default:
		return run_writer(dir, (uint32_t)max_bytes, sync, chunked, check, (uint32_t)seed,
				  count);
	}
}
