/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cu.h"
#include "diskw.h"
#include "evlog.h"
#include "proto/crc.h"

/* ---- helpers ---------------------------------------------------------- */

static char tmp_dir[64];

/* A fresh directory under /tmp; its path is tmp_dir. */
static const char *mk_tmp(void)
{
	strcpy(tmp_dir, "/tmp/evlog-test.XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		abort();
	}
	return tmp_dir;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static void rm_dir(const char *dir)
{
	chmod(dir, 0700);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove the last directory made by mk_tmp(). */
static void rm_tmp(void)
{
	rm_dir(tmp_dir);
}

static void path_of(char *buf, size_t sz, const char *dir, const char *name)
{
	snprintf(buf, sz, "%s/%s", dir, name);
}

/* Size of @name in @dir, -1 if missing. */
static long fsize(const char *dir, const char *name)
{
	char p[256];
	struct stat sb;

	path_of(p, sizeof(p), dir, name);
	return stat(p, &sb) < 0 ? -1 : (long)sb.st_size;
}

/* Whole content of @name in @dir; *@len gets its size. */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char p[256];
	uint8_t *b;
	long n = fsize(dir, name);
	FILE *f;

	path_of(p, sizeof(p), dir, name);
	CU_ASSERT_FATAL(n >= 0);
	b = malloc((size_t)n + 1);
	f = fopen(p, "rb");
	CU_ASSERT_FATAL(b && f);
	CU_ASSERT_FATAL(fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spew(const char *dir, const char *name, const void *b, size_t len)
{
	char p[256];
	FILE *f;

	path_of(p, sizeof(p), dir, name);
	f = fopen(p, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(b, 1, len, f) == len);
	fclose(f);
}

/* Deterministic content of record @seq: text length @n. */
struct want {
	uint16_t code;
	int prio;
	uint64_t rt, mono;
	char text[EVLOG_TEXT_MAX + 1];
};

static void gen(uint64_t seq, size_t n, struct want *w)
{
	w->code = (uint16_t)(seq * 40503u);
	w->prio = (int)(seq % 8);
	w->rt = 1700000000000000ull + seq * 1000003ull;
	w->mono = seq * 7919ull;
	for (size_t i = 0; i < n; i++)
		w->text[i] = (char)(' ' + (seq * 31 + i * 7) % 95);
	w->text[n] = '\0';
}

static int append_gen(struct evlog *l, uint64_t seq, size_t n)
{
	struct want w;

	gen(seq, n, &w);
	return evlog_append(l, w.code, w.prio, w.text, w.rt, w.mono);
}

/* The record equals what gen() makes for its own seq. */
static bool rec_is_gen(const struct evlog_rec *r)
{
	struct want w;

	gen(r->seq, r->len, &w);
	return r->code == w.code && r->prio == w.prio && r->realtime_us == w.rt &&
	       r->mono_us == w.mono && strlen(r->text) == r->len &&
	       memcmp(r->text, w.text, r->len) == 0;
}

#define SINK_MAX 1024

struct sink {
	size_t n;
	int stop_after;         /* 0: never */
	struct evlog_rec r[SINK_MAX];
};

static struct sink sink;

static int collect(const struct evlog_rec *r, void *arg)
{
	struct sink *s = arg;

	if (s->n < SINK_MAX)
		s->r[s->n] = *r;
	s->n++;
	if (s->stop_after && (int)s->n == s->stop_after)
		return 7;
	return 0;
}

/* Read @dir into the sink; returns evlog_read's result. */
static int read_all(const char *dir, struct evlog_read_stats *st)
{
	memset(&sink, 0, sizeof(sink));
	return evlog_read(dir, collect, &sink, st);
}

/* The sink holds exactly the gen() records with seqs @seqs[0..n). */
static bool sink_is(const uint64_t *seqs, size_t n)
{
	if (sink.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sink.r[i].seq != seqs[i] || !rec_is_gen(&sink.r[i]))
			return false;
	return true;
}

/* The sink holds gen() records with consecutive seqs first..last. */
static bool sink_consecutive(uint64_t first, uint64_t last)
{
	if (sink.n != last - first + 1)
		return false;
	for (size_t i = 0; i < sink.n; i++)
		if (sink.r[i].seq != first + i || !rec_is_gen(&sink.r[i]))
			return false;
	return true;
}

/* Write records 1..n with the given text lengths to a fresh log in @dir
 * and return the bytes of its current file. */
static uint8_t *make_log(const char *dir, const size_t *lens, int n, size_t *len)
{
	struct evlog *l;

	CU_ASSERT_FATAL(evlog_open(&l, dir, 65536, false, NULL) == 0);
	for (int i = 0; i < n; i++)
		CU_ASSERT_FATAL(append_gen(l, (uint64_t)i + 1, lens[i]) == 0);
	evlog_close(l);
	return slurp(dir, EVLOG_FILE_CUR, len);
}

/* ---- tests -------------------------------------------------------------- */

static void test_roundtrip(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	struct evlog *l;
	char sub[128];

	/* the directory is created */
	path_of(sub, sizeof(sub), d, "log");
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, sub, 65536, true, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 1);
	for (uint64_t s = 1; s <= 50; s++)
		CU_ASSERT_EQUAL(append_gen(l, s, (size_t)(s * 13 % 120)), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 51);
	CU_ASSERT_EQUAL(evlog_stats(l)->appended, 50);
	CU_ASSERT_EQUAL(evlog_stats(l)->errors, 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->cur_bytes, (uint64_t)fsize(sub, EVLOG_FILE_CUR));

	/* readable while the writer holds it open */
	CU_ASSERT_EQUAL(read_all(sub, &st), 0);
	CU_ASSERT(sink_consecutive(1, 50));
	CU_ASSERT_EQUAL(st.records, 50);
	CU_ASSERT_EQUAL(st.corrupt + st.skipped_bytes + st.torn, 0);
	CU_ASSERT_EQUAL(append_gen(l, 51, 5), 0);
	CU_ASSERT_EQUAL(read_all(sub, &st), 0);
	CU_ASSERT(sink_consecutive(1, 51));
	evlog_close(l);

	CU_ASSERT_EQUAL(read_all(sub, NULL), 0);
	CU_ASSERT(sink_consecutive(1, 51));
	CU_ASSERT_EQUAL(sink.r[50].len, 5);

	struct stat sb;

	CU_ASSERT_EQUAL(stat(sub, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0022, 0);
	CU_ASSERT(S_ISDIR(sb.st_mode));
	rm_tmp();
}

/* The byte layout of docs/event-log.md, built here by hand. */
static void test_layout(void)
{
	const char *d = mk_tmp();
	static const uint8_t head[34] = {
		0xB3, 'E', 'V', 'L',            /* magic */
		1,                              /* version */
		3,                              /* prio */
		40, 0,                          /* length */
		1, 0, 0, 0, 0, 0, 0, 0,         /* seq */
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* realtime */
		0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, /* mono */
		0x34, 0x12,                     /* code */
	};
	uint8_t want[40], *got;
	struct evlog *l;
	uint32_t crc;
	size_t len;

	/* the CRC is CRC-32/ISO-HDLC: check value of "123456789" */
	CU_ASSERT_EQUAL(crc32_update(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);

	memcpy(want, head, 34);
	want[34] = 'h';
	want[35] = 'i';
	crc = crc32_update(0, want, 36);
	CU_ASSERT_EQUAL(crc, 0xD799C10Eu);      /* the example of the document */
	for (int i = 0; i < 4; i++)
		want[36 + i] = (uint8_t)(crc >> (8 * i));

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_append(l, 0x1234, 3, "hi", 0x0102030405060708ull,
				     0x1112131415161718ull), 0);
	evlog_close(l);
	got = slurp(d, EVLOG_FILE_CUR, &len);
	CU_ASSERT_EQUAL(len, 40);
	CU_ASSERT(len == 40 && memcmp(got, want, 40) == 0);
	free(got);

	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sink.n, 1);
	CU_ASSERT_EQUAL(sink.r[0].seq, 1);
	CU_ASSERT_EQUAL(sink.r[0].code, 0x1234);
	CU_ASSERT_EQUAL(sink.r[0].prio, 3);
	CU_ASSERT_EQUAL(sink.r[0].realtime_us, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(sink.r[0].mono_us, 0x1112131415161718ull);
	CU_ASSERT_STRING_EQUAL(sink.r[0].text, "hi");
	rm_tmp();
}

static void test_rotation_bound(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	const uint32_t max = 1024;
	struct evlog *l;
	bool ok = true;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, max, false, NULL), 0);
	for (uint64_t s = 1; s <= 300; s++) {
		long cur, old;

		CU_ASSERT_EQUAL(append_gen(l, s, (size_t)(s * 37 % 201)), 0);
		cur = fsize(d, EVLOG_FILE_CUR);
		old = fsize(d, EVLOG_FILE_OLD);
		if (cur > (long)max / 2 || cur + (old < 0 ? 0 : old) > (long)max)
			ok = false;
	}
	CU_ASSERT(ok);
	CU_ASSERT(evlog_stats(l)->rotations >= 50);
	evlog_close(l);

	/* oldest first across the two files, nothing missing inside the
	 * window, and the window ends at the newest record */
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink.n >= 4);
	CU_ASSERT(sink_consecutive(300 - sink.n + 1, 300));
	CU_ASSERT_EQUAL(st.corrupt + st.skipped_bytes + st.torn, 0);
	/* the previous file was full when it was rotated */
	CU_ASSERT(fsize(d, EVLOG_FILE_OLD) > (long)(max / 2 - EVLOG_REC_MAX));
	rm_tmp();
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* With sync on, the disk writer flushes behind the appends: every retired
 * file and every dup it was handed is closed again, evlog_flush() waits
 * for it, and what was written reads back. */
static void test_background_sync(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	struct evlog *l;
	int fds0 = open_fds();

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 2048, true, NULL), 0);
	for (uint64_t s = 1; s <= 400; s++)
		CU_ASSERT_EQUAL(append_gen(l, s, (size_t)(s * 13 % 150)), 0);
	CU_ASSERT_EQUAL(evlog_flush(l), 0);
	CU_ASSERT(evlog_stats(l)->rotations >= 20);
	CU_ASSERT_EQUAL(evlog_stats(l)->sync_errors, 0);
	/* the flush is complete: once more returns at once, still clean */
	CU_ASSERT_EQUAL(evlog_flush(l), 0);
	CU_ASSERT_EQUAL(evlog_flush(NULL), -EINVAL);
	evlog_close(l);
	CU_ASSERT_EQUAL(open_fds(), fds0);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink_consecutive(400 - sink.n + 1, 400));
	CU_ASSERT_EQUAL(st.corrupt + st.torn, 0);

	/* without sync, flush has nothing to wait for */
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 2048, false, NULL), 0);
	CU_ASSERT_EQUAL(append_gen(l, 401, 10), 0);
	CU_ASSERT_EQUAL(evlog_flush(l), 0);
	evlog_close(l);
	rm_tmp();
}

/* A job that holds the disk writer until a byte comes on @arg's pipe: a
 * stalled disk. */
static int stall(void *arg, const void *data, size_t len, char *err, size_t n)
{
	char c;

	return read(*(int *)arg, &c, 1) == 1 ? 0 : -EIO;
}

/* A writer shared with others, as in bmsd, whose completions come back
 * between bursts of appends that rotate: no sync is dropped, since each
 * kind has its job out and the next asked for when it completes. With the
 * disk stalled, the retired files queue up to two, one more waits, and
 * older waiting ones are dropped. */
static void test_shared_writer(void)
{
	const char *d = mk_tmp();
	struct evlog *l;
	struct diskw *w;
	int gate[2], fds0 = open_fds();
	struct diskw_job j = { .op = DISKW_CALL, .call = stall, .arg = &gate[0] };
	uint64_t s = 1;

	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 2048, true, w), 0);
	/* bursts of up to two rotations */
	while (s <= 400) {
		for (int i = 0; i < 8; i++, s++)
			CU_ASSERT_EQUAL(append_gen(l, s, (size_t)(s * 13 % 150)), 0);
		/* the loop's round: the jobs complete back */
		CU_ASSERT_EQUAL(evlog_flush(l), 0);
	}
	CU_ASSERT(evlog_stats(l)->rotations >= 20);
	CU_ASSERT_EQUAL(evlog_stats(l)->sync_errors, 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->sync_dropped, 0);

	/* stalled */
	CU_ASSERT_EQUAL_FATAL(pipe(gate), 0);
	CU_ASSERT_EQUAL_FATAL(diskw_submit(w, &j, NULL), 0);
	for (uint64_t r = evlog_stats(l)->rotations; evlog_stats(l)->rotations < r + 5; s++)
		CU_ASSERT_EQUAL(append_gen(l, s, 150), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->sync_dropped, 2);
	CU_ASSERT_EQUAL(write(gate[1], "g", 1), 1);
	CU_ASSERT_EQUAL(evlog_flush(l), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->sync_dropped, 2);
	evlog_close(l);
	diskw_free(w);
	close(gate[0]);
	close(gate[1]);
	CU_ASSERT_EQUAL(open_fds(), fds0);
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink_consecutive(s - sink.n, s - 1));
	rm_tmp();
}

/* Rotation happens exactly when a record would pass max_bytes / 2. */
static void test_rotation_edge(void)
{
	const char *d = mk_tmp();
	struct evlog *l;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 1024, false, NULL), 0);
	CU_ASSERT_EQUAL(append_gen(l, 1, 200), 0);     /* 238 */
	CU_ASSERT_EQUAL(append_gen(l, 2, 198), 0);     /* 236: 474 */
	CU_ASSERT_EQUAL(append_gen(l, 3, 0), 0);       /* 38: 512, the limit */
	CU_ASSERT_EQUAL(evlog_stats(l)->rotations, 0);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), 512);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_OLD), -1);
	CU_ASSERT_EQUAL(append_gen(l, 4, 0), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->rotations, 1);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_OLD), 512);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), 38);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink_consecutive(1, 4));
	rm_tmp();
}

static void test_seq_reopen(void)
{
	const char *d = mk_tmp();
	char a[256], b[256];
	struct evlog *l;

	for (int round = 0; round < 3; round++) {
		CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, round == 1, NULL), 0);
		CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, (uint64_t)round * 3 + 1);
		for (int i = 1; i <= 3; i++)
			CU_ASSERT_EQUAL(append_gen(l, (uint64_t)round * 3 + i, 20), 0);
		evlog_close(l);
	}
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink_consecutive(1, 9));

	/* a crash between the rename and the new file: no current file */
	path_of(a, sizeof(a), d, EVLOG_FILE_CUR);
	path_of(b, sizeof(b), d, EVLOG_FILE_OLD);
	CU_ASSERT_EQUAL(rename(a, b), 0);
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 10);
	CU_ASSERT_EQUAL(append_gen(l, 10, 20), 0);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink_consecutive(1, 10));

	/* a current file with only garbage: seq still from the previous */
	CU_ASSERT_EQUAL(rename(a, b), 0);
	spew(d, EVLOG_FILE_CUR, "garbage", 7);
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 11);
	CU_ASSERT_EQUAL(evlog_stats(l)->recovered_bytes, 7);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), 0);
	evlog_close(l);
	rm_tmp();
}

/* Cut the file at every byte offset inside its last record: the complete
 * records read back, the cut one never does, and after a reopen the log
 * continues as if the cut record had never been started. */
static void test_truncate_every_offset(void)
{
	char *ref = strdup(mk_tmp());
	static const size_t lens[] = { 10, 60, 0, 200 };
	struct evlog_read_stats st;
	size_t len, last, bad = 0;
	uint8_t *orig, *again;
	const char *d;

	orig = make_log(ref, lens, 4, &len);
	last = len - (EVLOG_REC_FIXED + 200);
	d = mk_tmp();
	for (size_t cut = last; cut < len; cut++) {
		struct evlog *l;
		size_t n2;
		bool ok;

		spew(d, EVLOG_FILE_CUR, orig, cut);
		ok = read_all(d, &st) == 0 && sink_consecutive(1, 3) &&
		     st.records == 3 && st.corrupt == 0 &&
		     st.torn == (cut > last) && st.skipped_bytes == cut - last;
		ok = ok && evlog_open(&l, d, 65536, false, NULL) == 0;
		if (!ok) {
			bad++;
			continue;
		}
		ok = evlog_stats(l)->recovered_bytes == cut - last &&
		     evlog_stats(l)->next_seq == 4 && fsize(d, EVLOG_FILE_CUR) == (long)last &&
		     append_gen(l, 4, 200) == 0;
		evlog_close(l);
		again = slurp(d, EVLOG_FILE_CUR, &n2);
		/* byte for byte the file that was never cut */
		ok = ok && n2 == len && memcmp(again, orig, len) == 0;
		free(again);
		ok = ok && read_all(d, &st) == 0 && sink_consecutive(1, 4) &&
		     st.skipped_bytes == 0 && st.torn == 0;
		if (!ok && bad++ < 5)
			fprintf(stderr, "\ncut at %zu of %zu fails\n", cut, len);
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(orig);
	rm_tmp();
	rm_dir(ref);
	free(ref);
}

/* Flip every bit of one record in turn. */
static void flip_record(int which, const uint64_t *want_seqs)
{
	char *ref = strdup(mk_tmp());
	static const size_t lens[] = { 30, 47, 30 };
	struct evlog_read_stats st;
	size_t len, start = 0, rlen, bad = 0;
	uint8_t *orig, *b;
	const char *d;

	orig = make_log(ref, lens, 3, &len);
	for (int i = 0; i < which; i++)
		start += EVLOG_REC_FIXED + lens[i];
	rlen = EVLOG_REC_FIXED + lens[which];
	b = malloc(len);
	d = mk_tmp();
	for (size_t i = start; i < start + rlen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			struct evlog *l;
			bool ok;

			memcpy(b, orig, len);
			b[i] ^= (uint8_t)(1u << bit);
			spew(d, EVLOG_FILE_CUR, b, len);
			ok = read_all(d, &st) == 0 && sink_is(want_seqs, 2) &&
			     st.records == 2 && st.skipped_bytes == rlen;
			/* a longer length in the last record looks cut short */
			if (which == 2)
				ok = ok && st.corrupt + st.torn == 1;
			else
				ok = ok && st.corrupt == 1 && st.torn == 0;
			/* only the tail is cut at open, never records after a
			 * bad one */
			ok = ok && evlog_open(&l, d, 65536, false, NULL) == 0;
			if (!ok) {
				if (bad++ < 5)
					fprintf(stderr, "\nrecord %d byte %zu bit %d\n", which, i,
						bit);
				continue;
			}
			if (which == 2)
				ok = evlog_stats(l)->recovered_bytes == rlen &&
				     evlog_stats(l)->next_seq == 3;
			else
				ok = evlog_stats(l)->recovered_bytes == 0 &&
				     evlog_stats(l)->corrupt_found == 1 &&
				     evlog_stats(l)->next_seq == 4;
			evlog_close(l);
			if (!ok && bad++ < 5)
				fprintf(stderr, "\nreopen: record %d byte %zu bit %d\n", which, i,
					bit);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(b);
	free(orig);
	rm_tmp();
	rm_dir(ref);
	free(ref);
}

static void test_bitflip_middle(void)
{
	static const uint64_t seqs[] = { 1, 3 };

	flip_record(1, seqs);
}

static void test_bitflip_first_last(void)
{
	static const uint64_t first[] = { 2, 3 }, last[] = { 1, 2 };

	flip_record(0, first);
	flip_record(2, last);
}

static void test_garbage_between(void)
{
	char *ref = strdup(mk_tmp());
	static const size_t lens[] = { 12, 60, 60 };
	struct evlog_read_stats st;
	uint8_t *orig, img[2048], g2[100];
	size_t len, o = 0, r1, r2, r3, garbage = 0;
	struct evlog *l;
	const char *d;
	uint32_t x = 12345;

	orig = make_log(ref, lens, 3, &len);
	r1 = EVLOG_REC_FIXED + lens[0];
	r2 = EVLOG_REC_FIXED + lens[1];
	r3 = EVLOG_REC_FIXED + lens[2];
	for (size_t i = 0; i < sizeof(g2); i++) {
		x = x * 1103515245u + 12345u;
		g2[i] = (uint8_t)(x >> 16);
	}
	/* sprinkle magics and a plausible header into the noise */
	memcpy(g2 + 10, orig, 4);
	memcpy(g2 + 40, orig, 8);

#define PUT(p, n) do { memcpy(img + o, (p), (n)); o += (n); } while (0)
#define JUNK(p, n) do { PUT(p, n); garbage += (n); } while (0)
	JUNK("hello", 5);                       /* before the first record */
	PUT(orig, r1);
	JUNK(g2, sizeof(g2));
	PUT(orig + r1, r2);
	JUNK(orig + r1, 20);                    /* a record cut short... */
	JUNK(orig, 4);                          /* ...and a bare magic */
	PUT(orig + r1 + r2, r3);
	JUNK("zzz", 3);                         /* not a record start */
#undef PUT
#undef JUNK
	d = mk_tmp();
	spew(d, EVLOG_FILE_CUR, img, o);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink_consecutive(1, 3));
	CU_ASSERT_EQUAL(st.corrupt, 4);
	CU_ASSERT_EQUAL(st.torn, 0);
	CU_ASSERT_EQUAL(st.skipped_bytes, garbage);

	/* the same with a torn record at the end instead of "zzz" */
	memcpy(img + o - 3, orig, 10);
	spew(d, EVLOG_FILE_CUR, img, o + 7);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink_consecutive(1, 3));
	CU_ASSERT_EQUAL(st.corrupt, 3);
	CU_ASSERT_EQUAL(st.torn, 1);
	CU_ASSERT_EQUAL(st.skipped_bytes, garbage + 7);

	/* the writer cuts only the tail and goes on after it */
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 65536, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->recovered_bytes, 10);
	CU_ASSERT_EQUAL(evlog_stats(l)->corrupt_found, 3);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 4);
	CU_ASSERT_EQUAL(append_gen(l, 4, 33), 0);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink_consecutive(1, 4));
	CU_ASSERT_EQUAL(st.corrupt, 3);
	CU_ASSERT_EQUAL(st.torn, 0);

	/* nothing but garbage */
	spew(d, EVLOG_FILE_CUR, g2, sizeof(g2));
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT_EQUAL(sink.n, 0);
	CU_ASSERT_EQUAL(st.records, 0);
	CU_ASSERT_EQUAL(st.skipped_bytes, sizeof(g2));
	CU_ASSERT_EQUAL(st.corrupt + st.torn, 1);

	/* garbage in the previous file does not hide the current one */
	spew(d, EVLOG_FILE_OLD, g2, sizeof(g2));
	spew(d, EVLOG_FILE_CUR, orig, len);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink_consecutive(1, 3));
	CU_ASSERT_EQUAL(st.skipped_bytes, sizeof(g2));

	/* a record with a NUL in its text is refused, even with a good CRC */
	memcpy(img, orig, r1);
	img[34 + 2] = 0;
	x = crc32_update(0, img, r1 - 4);
	for (int i = 0; i < 4; i++)
		img[r1 - 4 + i] = (uint8_t)(x >> (8 * i));
	spew(d, EVLOG_FILE_CUR, img, r1);
	path_of((char *)g2, sizeof(g2), d, EVLOG_FILE_OLD);
	CU_ASSERT_EQUAL(unlink((char *)g2), 0);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT_EQUAL(sink.n, 0);
	CU_ASSERT_EQUAL(st.skipped_bytes, r1);

	free(orig);
	rm_tmp();
	rm_dir(ref);
	free(ref);
}

static void test_seq_zero_refused(void)
{
	const char *d = mk_tmp();
	static const size_t lens[] = { 5 };
	struct evlog_read_stats st;
	uint8_t *orig;
	uint32_t crc;
	size_t len;

	orig = make_log(d, lens, 1, &len);
	orig[8] = 0;            /* seq 1 -> 0, CRC made right again */
	crc = crc32_update(0, orig, len - 4);
	for (int i = 0; i < 4; i++)
		orig[len - 4 + i] = (uint8_t)(crc >> (8 * i));
	spew(d, EVLOG_FILE_CUR, orig, len);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT_EQUAL(sink.n, 0);
	CU_ASSERT_EQUAL(st.skipped_bytes, len);
	free(orig);
	rm_tmp();
}

static void test_text_limits(void)
{
	const char *d = mk_tmp();
	char t[1001];
	struct evlog *l;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 65536, false, NULL), 0);
	memset(t, 'a', 1000);
	t[1000] = '\0';
	t[200] = '\0';
	CU_ASSERT_EQUAL(evlog_append(l, 1, 6, t, 1, 1), 0);       /* exactly max */
	t[200] = 'b';
	t[201] = '\0';
	CU_ASSERT_EQUAL(evlog_append(l, 2, 6, t, 2, 2), 0);       /* one over */
	t[201] = 'a';
	CU_ASSERT_EQUAL(evlog_append(l, 3, 6, t, 3, 3), 0);       /* far over */
	CU_ASSERT_EQUAL(evlog_stats(l)->truncated_texts, 2);
	/* never split a UTF-8 character: 199 + "é", 198 + "€" */
	memcpy(t + 199, "\xc3\xa9", 3);
	CU_ASSERT_EQUAL(evlog_append(l, 4, 6, t, 4, 4), 0);
	memcpy(t + 198, "\xe2\x82\xac", 4);
	CU_ASSERT_EQUAL(evlog_append(l, 5, 6, t, 5, 5), 0);
	memcpy(t + 197, "\xf0\x9f\x94\x8b", 5);                   /* 4-byte */
	CU_ASSERT_EQUAL(evlog_append(l, 6, 6, t, 6, 6), 0);
	CU_ASSERT_EQUAL(evlog_append(l, 7, 6, "", 7, 7), 0);
	CU_ASSERT_EQUAL(evlog_append(l, 8, 6, "tab\there\nnewline", 8, 8), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->truncated_texts, 5);
	evlog_close(l);

	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sink.n, 8);
	CU_ASSERT_EQUAL(sink.r[0].len, 200);
	CU_ASSERT_EQUAL(sink.r[1].len, 200);
	CU_ASSERT_EQUAL(sink.r[1].text[199], 'a');
	CU_ASSERT_EQUAL(sink.r[2].len, 200);
	CU_ASSERT_EQUAL(sink.r[3].len, 199);
	CU_ASSERT_EQUAL(sink.r[4].len, 198);
	CU_ASSERT_EQUAL(sink.r[5].len, 197);
	CU_ASSERT_EQUAL(sink.r[6].len, 0);
	CU_ASSERT_STRING_EQUAL(sink.r[6].text, "");
	CU_ASSERT_STRING_EQUAL(sink.r[7].text, "tab\there\nnewline");
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(strlen(sink.r[i].text), sink.r[i].len);
	rm_tmp();
}

static int never(const struct evlog_rec *r, void *arg)
{
	(void)r;
	(void)arg;
	return 0;
}

static void test_invalid_args(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	struct evlog *l = (struct evlog *)&st;

	CU_ASSERT_EQUAL(evlog_open(NULL, d, 4096, false, NULL), -EINVAL);
	CU_ASSERT_EQUAL(evlog_open(&l, NULL, 4096, false, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(l);
	CU_ASSERT_EQUAL(evlog_open(&l, "", 4096, false, NULL), -EINVAL);
	CU_ASSERT_EQUAL(evlog_open(&l, d, EVLOG_MIN_BYTES - 1, false, NULL), -EINVAL);
	CU_ASSERT_EQUAL(evlog_open(&l, d, 0, false, NULL), -EINVAL);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), -1);

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, EVLOG_MIN_BYTES, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_append(NULL, 1, 6, "x", 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(evlog_append(l, 1, 6, NULL, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(evlog_append(l, 1, -1, "x", 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(evlog_append(l, 1, 8, "x", 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(evlog_stats(l)->errors, 0);    /* only file system errors count */
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 1);
	CU_ASSERT_EQUAL(evlog_append(l, 0xFFFF, 0, "x", UINT64_MAX, UINT64_MAX), 0);
	CU_ASSERT_EQUAL(evlog_append(l, 0, 7, "y", 0, 0), 0);
	evlog_close(l);
	evlog_close(NULL);

	CU_ASSERT_EQUAL(evlog_read(NULL, never, NULL, &st), -EINVAL);
	CU_ASSERT_EQUAL(evlog_read("", never, NULL, &st), -EINVAL);
	CU_ASSERT_EQUAL(evlog_read(d, NULL, NULL, &st), -EINVAL);
	CU_ASSERT_EQUAL(st.records, 0);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT_EQUAL_FATAL(sink.n, 2);
	CU_ASSERT_EQUAL(sink.r[0].code, 0xFFFF);
	CU_ASSERT_EQUAL(sink.r[0].realtime_us, UINT64_MAX);
	CU_ASSERT_EQUAL(sink.r[1].prio, 7);
	rm_tmp();
}

/* What an unprivileged process gets on a directory it may not read. */
static int noaccess_results(const char *dir, int *open_rc, int *read_rc)
{
	struct evlog *l = NULL;

	*open_rc = evlog_open(&l, dir, 4096, false, NULL);
	evlog_close(l);
	*read_rc = evlog_read(dir, never, NULL, NULL);
	return 0;
}

static void test_bad_dir(void)
{
	const char *d = mk_tmp();
	char file[128], sub[128], deep[160];
	struct evlog *l;
	int o, r;

	/* a file where the directory should be */
	path_of(file, sizeof(file), d, "plain");
	spew(d, "plain", "x", 1);
	CU_ASSERT_EQUAL(evlog_open(&l, file, 4096, false, NULL), -ENOTDIR);
	CU_ASSERT_EQUAL(evlog_read(file, never, NULL, NULL), -ENOTDIR);
	/* a missing parent is not created */
	path_of(deep, sizeof(deep), d, "no/such");
	CU_ASSERT_EQUAL(evlog_open(&l, deep, 4096, false, NULL), -ENOENT);
	CU_ASSERT_EQUAL(evlog_read(deep, never, NULL, NULL), -ENOENT);
	/* an existing, empty directory is an empty log */
	path_of(sub, sizeof(sub), d, "empty");
	CU_ASSERT_EQUAL(mkdir(sub, 0750), 0);
	CU_ASSERT_EQUAL(read_all(sub, NULL), 0);
	CU_ASSERT_EQUAL(sink.n, 0);

	/* unreadable: root reads anything, so drop to nobody in a child */
	path_of(sub, sizeof(sub), d, "locked");
	CU_ASSERT_EQUAL(mkdir(sub, 0), 0);
	CU_ASSERT_EQUAL(chmod(d, 0711), 0);
	if (geteuid() != 0) {
		noaccess_results(sub, &o, &r);
	} else {
		int p[2], res[2] = { 1, 1 }, status;
		pid_t pid;

		CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
		pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			if (setgid(65534) || setuid(65534))
				_exit(3);
			noaccess_results(sub, &res[0], &res[1]);
			_exit(write(p[1], res, sizeof(res)) == sizeof(res) ? 0 : 4);
		}
		close(p[1]);
		CU_ASSERT_EQUAL(read(p[0], res, sizeof(res)), (ssize_t)sizeof(res));
		close(p[0]);
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		o = res[0];
		r = res[1];
	}
	CU_ASSERT_EQUAL(o, -EACCES);
	CU_ASSERT_EQUAL(r, -EACCES);
	rm_tmp();
}

static void test_one_writer(void)
{
	const char *d = mk_tmp();
	struct evlog *a, *b;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&a, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_open(&b, d, 4096, false, NULL), -EBUSY);
	CU_ASSERT_EQUAL(append_gen(a, 1, 3), 0);
	evlog_close(a);
	CU_ASSERT_EQUAL_FATAL(evlog_open(&b, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(b)->next_seq, 2);
	evlog_close(b);
	rm_tmp();
}

static void test_callback_stops(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	struct evlog *l;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 1024, false, NULL), 0);
	for (uint64_t s = 1; s <= 20; s++)
		CU_ASSERT_EQUAL(append_gen(l, s, 100), 0);
	evlog_close(l);
	memset(&sink, 0, sizeof(sink));
	sink.stop_after = 3;
	CU_ASSERT_EQUAL(evlog_read(d, collect, &sink, &st), 7);
	CU_ASSERT_EQUAL(sink.n, 3);
	CU_ASSERT_EQUAL(st.records, 3);
	rm_tmp();
}

/* The test hook writes the same bytes, only in pieces. */
static void test_chunked_same_bytes(void)
{
	char *a = strdup(mk_tmp());
	const char *b = mk_tmp();
	uint8_t *fa, *fb, *oa, *ob;
	size_t na, nb, noa, nob;
	struct evlog *la, *lb;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&la, a, 2048, false, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(evlog_open(&lb, b, 2048, false, NULL), 0);
	evlog_set_chunking(lb, 99);
	for (uint64_t s = 1; s <= 40; s++) {
		CU_ASSERT_EQUAL(append_gen(la, s, (size_t)(s * 11 % 201)), 0);
		CU_ASSERT_EQUAL(append_gen(lb, s, (size_t)(s * 11 % 201)), 0);
	}
	evlog_close(la);
	evlog_close(lb);
	fa = slurp(a, EVLOG_FILE_CUR, &na);
	fb = slurp(b, EVLOG_FILE_CUR, &nb);
	oa = slurp(a, EVLOG_FILE_OLD, &noa);
	ob = slurp(b, EVLOG_FILE_OLD, &nob);
	CU_ASSERT(na == nb && memcmp(fa, fb, na) == 0);
	CU_ASSERT(noa == nob && memcmp(oa, ob, noa) == 0);
	free(fa);
	free(fb);
	free(oa);
	free(ob);
	rm_tmp();
	rm_dir(a);
	free(a);
}

/* Readers while a writer (another process) appends and rotates as fast
 * as it can: never a bad record, never a hole between the two files, and
 * never an older view than the read before (the previous file read with a
 * current file that is gone or two rotations younger). */
static void test_read_while_rotating(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	int bad = 0, tries = 0, status;
	uint64_t seen = 0, newest = 0;
	pid_t pid;

	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct evlog *l;

		if (evlog_open(&l, d, 4096, false, NULL))
			_exit(1);
		for (;;)
			if (append_gen(l, evlog_stats(l)->next_seq, 150))
				_exit(1);
	}
	while (fsize(d, EVLOG_FILE_OLD) < 0 && tries++ < 5000)
		usleep(1000);
	/* at least 300 reads, and until the writer has rotated many times */
	for (int i = 0; i < 300 || (seen < 2000 && i < 100000); i++) {
		bool ok;

		ok = read_all(d, &st) == 0 && sink.n > 0 && st.corrupt == 0 && st.torn <= 1 &&
		     sink_consecutive(sink.r[0].seq, sink.r[0].seq + sink.n - 1) &&
		     sink.r[0].seq >= seen && sink.r[sink.n - 1].seq >= newest;
		if (sink.n) {
			seen = sink.r[0].seq;
			newest = sink.r[sink.n - 1].seq;
		}
		if (!ok && bad++ < 5)
			fprintf(stderr, "\nread %d: %zu records from %" PRIu64 ", %" PRIu64
				" corrupt, %" PRIu64 " torn\n", i, sink.n,
				sink.n ? sink.r[0].seq : 0, st.corrupt, st.torn);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* the writer really was going on */
	CU_ASSERT(seen >= 2000);
	CU_ASSERT_EQUAL(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	rm_tmp();
}

/*
 * The suite links with -Wl,--wrap=openat: evlog's openat() calls come
 * here, so a test can run a rotation exactly between the reader's opening
 * of the previous file and of the current one.
 */
int __real_openat(int dfd, const char *path, int flags, ...);
int __wrap_openat(int dfd, const char *path, int flags, ...);

static void (*race_hook)(void);
static int race_fired;
/* called with the directory before evlog creates events.log */
static void (*create_hook)(int dfd);

int __wrap_openat(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (create_hook && (flags & O_CREAT) && !strcmp(path, EVLOG_FILE_CUR)) {
		void (*fn)(int) = create_hook;

		create_hook = NULL;
		fn(dfd);
	}
	if (race_hook && (flags & O_ACCMODE) == O_RDONLY && !strcmp(path, EVLOG_FILE_CUR)) {
		void (*fn)(void) = race_hook;

		race_hook = NULL;
		race_fired++;
		fn();
	}
	return __real_openat(dfd, path, flags, mode);
}

static struct evlog *race_log;

/* Append until the writer has rotated once. */
static void race_rotate(void)
{
	uint64_t r = evlog_stats(race_log)->rotations;

	while (evlog_stats(race_log)->rotations == r)
		CU_ASSERT_FATAL(append_gen(race_log, evlog_stats(race_log)->next_seq, 150) == 0);
}

/* Only the rename: a writer stopped between the rename and the create. */
static void race_rename(void)
{
	char a[256], b[256];

	path_of(a, sizeof(a), tmp_dir, EVLOG_FILE_CUR);
	path_of(b, sizeof(b), tmp_dir, EVLOG_FILE_OLD);
	CU_ASSERT(rename(a, b) == 0);
}

static void test_read_races_rotation(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	uint64_t next;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&race_log, d, 4096, false, NULL), 0);
	race_rotate();                  /* both files exist */
	race_rotate();
	race_fired = 0;
	for (int i = 0; i < 3; i++) {
		race_hook = race_rotate;
		CU_ASSERT_EQUAL(read_all(d, &st), 0);
		CU_ASSERT_EQUAL(race_fired, i + 1);
		next = evlog_stats(race_log)->next_seq;
		/* the retry read the pair as it is after the rotation */
		CU_ASSERT(sink.n > 0 && sink_consecutive(sink.r[0].seq, next - 1));
		CU_ASSERT_EQUAL(st.corrupt + st.torn + st.skipped_bytes, 0);
	}
	race_hook = race_rename;
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT_EQUAL(race_fired, 4);
	CU_ASSERT(sink.n > 0 && sink_consecutive(sink.r[0].seq, next - 1));
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), -1);
	race_hook = NULL;
	evlog_close(race_log);
	rm_tmp();
}

/* A write that fails or stops short leaves the file at its last good
 * record, and the next append goes on cleanly. */
static void test_write_errors(void)
{
	const char *d = mk_tmp();
	struct evlog_read_stats st;
	struct rlimit old, lim;
	struct sigaction sa = { .sa_handler = SIG_IGN }, osa;
	char sub[128];
	struct evlog *l;
	uint64_t s;
	long size;
	int rc;

	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(append_gen(l, 1, 50), 0);
	size = fsize(d, EVLOG_FILE_CUR);

	CU_ASSERT_EQUAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	CU_ASSERT_EQUAL(sigaction(SIGXFSZ, &sa, &osa), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size;                            /* nothing fits */
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	CU_ASSERT_EQUAL(append_gen(l, 2, 50), -EFBIG);
	lim.rlim_cur = (rlim_t)size + 50;                       /* half fits */
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	CU_ASSERT_EQUAL(append_gen(l, 2, 50), -EFBIG);
	CU_ASSERT_EQUAL(fsize(d, EVLOG_FILE_CUR), size);
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &old), 0);
	CU_ASSERT_EQUAL(sigaction(SIGXFSZ, &osa, NULL), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->errors, 2);
	CU_ASSERT_EQUAL(evlog_stats(l)->next_seq, 2);
	CU_ASSERT_EQUAL(append_gen(l, 2, 50), 0);

	/* a rotation that cannot rename stores nothing and keeps the bound:
	 * a non-empty directory holds the previous file's name */
	path_of(sub, sizeof(sub), d, EVLOG_FILE_OLD);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	spew(sub, "x", "x", 1);
	for (s = 3, rc = 0; s <= 30 && rc == 0; s++)
		rc = append_gen(l, s, 100);
	CU_ASSERT_EQUAL(rc, -EISDIR);
	CU_ASSERT(fsize(d, EVLOG_FILE_CUR) <= 2048);
	CU_ASSERT_EQUAL(evlog_stats(l)->rotations, 0);
	CU_ASSERT_EQUAL(unlink(strcat(sub, "/x")), 0);
	path_of(sub, sizeof(sub), d, EVLOG_FILE_OLD);
	CU_ASSERT_EQUAL(rmdir(sub), 0);
	s = evlog_stats(l)->next_seq;
	CU_ASSERT_EQUAL(append_gen(l, s, 100), 0);
	CU_ASSERT_EQUAL(evlog_stats(l)->rotations, 1);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, &st), 0);
	CU_ASSERT(sink.n > 0 && sink_consecutive(s - sink.n + 1, s));
	CU_ASSERT_EQUAL(st.skipped_bytes + st.corrupt + st.torn, 0);
	rm_tmp();
}

/* ---- symbolic and hard links planted in the directory ------------------ */

/* A file outside the log's directory that a planted link points at. Its
 * content is no valid record: a writer that opened it would cut it to 0. */
static char victim_dir[64], victim[128];
static const char victim_text[] = "root:x:0:0:precious, not a log\n";

static void victim_make(void)
{
	strcpy(victim_dir, "/tmp/evlog-victim.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(victim_dir));
	path_of(victim, sizeof(victim), victim_dir, "victim");
	spew(victim_dir, "victim", victim_text, sizeof(victim_text) - 1);
}

/* The victim is as made, and nothing else appeared beside it. */
static bool victim_intact(void)
{
	size_t n;
	uint8_t *b = slurp(victim_dir, "victim", &n);
	bool ok = n == sizeof(victim_text) - 1 && memcmp(b, victim_text, n) == 0;
	struct stat sb;

	free(b);
	ok &= stat(victim, &sb) == 0 && sb.st_nlink == 1;
	ok &= fsize(victim_dir, "new") == -1;
	ok &= fsize(victim_dir, EVLOG_FILE_CUR) == -1 && fsize(victim_dir, EVLOG_FILE_OLD) == -1;
	return ok;
}

/* The last error names @name in @dir and says @what. */
static bool error_says(const char *dir, const char *name, const char *what)
{
	char p[256];

	path_of(p, sizeof(p), dir, name);
	if (strstr(evlog_error(), p) && strstr(evlog_error(), what))
		return true;
	fprintf(stderr, "\nevlog_error(): %s\n", evlog_error());
	return false;
}

static void link_at(const char *target, const char *dir, const char *name)
{
	char p[256];

	path_of(p, sizeof(p), dir, name);
	CU_ASSERT_EQUAL_FATAL(symlink(target, p), 0);
}

static void unlink_at(const char *dir, const char *name)
{
	char p[256];

	path_of(p, sizeof(p), dir, name);
	CU_ASSERT_EQUAL(unlink(p), 0);
}

/* A symbolic link in place of events.log or events.log.1 is refused with
 * -ELOOP, by the writer and the reader, and nothing is written through it. */
static void test_symlink_refused(void)
{
	const char *d = mk_tmp();
	char dangling[128];
	struct evlog *l = (struct evlog *)&sink;

	victim_make();
	link_at(victim, d, EVLOG_FILE_CUR);
	CU_ASSERT_EQUAL(evlog_open(&l, d, 4096, false, NULL), -ELOOP);
	CU_ASSERT_PTR_NULL(l);
	CU_ASSERT(error_says(d, EVLOG_FILE_CUR, "is a symbolic link"));
	CU_ASSERT_EQUAL(evlog_open(&l, d, 4096, true, NULL), -ELOOP);
	CU_ASSERT_EQUAL(read_all(d, NULL), -ELOOP);
	CU_ASSERT(error_says(d, EVLOG_FILE_CUR, "is a symbolic link"));
	CU_ASSERT_EQUAL(sink.n, 0);
	CU_ASSERT(victim_intact());
	unlink_at(d, EVLOG_FILE_CUR);

	/* a link to a file that does not exist: O_CREAT would make it */
	path_of(dangling, sizeof(dangling), victim_dir, "new");
	link_at(dangling, d, EVLOG_FILE_CUR);
	CU_ASSERT_EQUAL(evlog_open(&l, d, 4096, false, NULL), -ELOOP);
	CU_ASSERT(victim_intact());
	unlink_at(d, EVLOG_FILE_CUR);

	/* the previous file, read at open when the current one is empty */
	link_at(victim, d, EVLOG_FILE_OLD);
	CU_ASSERT_EQUAL(evlog_open(&l, d, 4096, false, NULL), -ELOOP);
	CU_ASSERT(error_says(d, EVLOG_FILE_OLD, "is a symbolic link"));
	CU_ASSERT_EQUAL(read_all(d, NULL), -ELOOP);
	CU_ASSERT(error_says(d, EVLOG_FILE_OLD, "is a symbolic link"));
	CU_ASSERT(victim_intact());
	unlink_at(d, EVLOG_FILE_OLD);

	/* gone: an ordinary log again (the empty events.log made above is fine) */
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, false, NULL), 0);
	CU_ASSERT_EQUAL(append_gen(l, 1, 20), 0);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink_consecutive(1, 1));
	CU_ASSERT(victim_intact());
	rm_tmp();
	rm_dir(victim_dir);
}

static void plant_link(int dfd)
{
	CU_ASSERT_EQUAL(symlinkat(victim, dfd, EVLOG_FILE_CUR), 0);
}

/* A link planted between a rotation's rename and its create (the window
 * in which no events.log exists) is not written through: the appends fail
 * until it is removed, then the log goes on. */
static void test_symlink_at_rotation(void)
{
	const char *d = mk_tmp();
	struct evlog *l;
	uint64_t s, first_lost;
	int rc;

	victim_make();
	CU_ASSERT_EQUAL_FATAL(evlog_open(&l, d, 4096, true, NULL), 0);
	for (s = 1; s <= 5; s++)
		CU_ASSERT_EQUAL(append_gen(l, s, 100), 0);
	create_hook = plant_link;
	for (rc = 0; rc == 0 && s < 100; s++)
		rc = append_gen(l, s, 100);
	CU_ASSERT_PTR_NULL(create_hook);        /* the rotation came */
	CU_ASSERT_EQUAL(rc, -ELOOP);
	CU_ASSERT(error_says(d, EVLOG_FILE_CUR, "is a symbolic link"));
	CU_ASSERT_EQUAL(evlog_stats(l)->rotations, 1);
	first_lost = s - 1;
	/* later appends reopen events.log: the link again */
	CU_ASSERT_EQUAL(append_gen(l, first_lost, 100), -ELOOP);
	CU_ASSERT_EQUAL(append_gen(l, first_lost, 100), -ELOOP);
	CU_ASSERT_EQUAL(evlog_stats(l)->errors, 3);
	CU_ASSERT(victim_intact());
	/* the administrator removes it */
	unlink_at(d, EVLOG_FILE_CUR);
	CU_ASSERT_EQUAL(append_gen(l, first_lost, 100), 0);
	CU_ASSERT_EQUAL(evlog_flush(l), 0);
	evlog_close(l);
	CU_ASSERT_EQUAL(read_all(d, NULL), 0);
	CU_ASSERT(sink.n > 0 && sink_consecutive(1, first_lost));
	CU_ASSERT(victim_intact());
	rm_tmp();
	rm_dir(victim_dir);
}

/* A hard link in place of events.log: a second name for a file elsewhere
 * (possible where fs.protected_hardlinks is off). Not cut, not appended to. */
static void test_hardlink_refused(void)
{
	const char *d = mk_tmp();
	char p[128];
	struct evlog *l;

	victim_make();
	path_of(p, sizeof(p), d, EVLOG_FILE_CUR);
	if (link(victim, p) < 0) {
		/* another file system, or protected_hardlinks for a non-owner */
		rm_tmp();
		rm_dir(victim_dir);
		return;
	}
	CU_ASSERT_EQUAL(evlog_open(&l, d, 4096, false, NULL), -EMLINK);
	CU_ASSERT(error_says(d, EVLOG_FILE_CUR, "hard links"));
	unlink_at(d, EVLOG_FILE_CUR);
	CU_ASSERT(victim_intact());
	rm_tmp();
	rm_dir(victim_dir);
}

/* The directory itself as a link: the writer refuses it (it would create
 * the files wherever it points); a reader may follow it. */
static void test_symlink_dir(void)
{
	const char *d = mk_tmp();
	char lnk[128], slash[136];
	struct evlog *l;

	victim_make();
	path_of(lnk, sizeof(lnk), d, "state");
	CU_ASSERT_EQUAL_FATAL(symlink(victim_dir, lnk), 0);
	CU_ASSERT_EQUAL(evlog_open(&l, lnk, 4096, false, NULL), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(evlog_error(), lnk));
	CU_ASSERT_PTR_NOT_NULL(strstr(evlog_error(), "is a symbolic link"));
	/* a trailing slash does not make the writer follow it */
	snprintf(slash, sizeof(slash), "%s//", lnk);
	CU_ASSERT_EQUAL(evlog_open(&l, slash, 4096, false, NULL), -ELOOP);
	CU_ASSERT(victim_intact());
	CU_ASSERT_EQUAL(read_all(lnk, NULL), 0);
	CU_ASSERT_EQUAL(sink.n, 0);
	/* a dangling one is not made into a directory either */
	CU_ASSERT_EQUAL(unlink(lnk), 0);
	path_of(slash, sizeof(slash), victim_dir, "new");
	CU_ASSERT_EQUAL_FATAL(symlink(slash, lnk), 0);
	CU_ASSERT_EQUAL(evlog_open(&l, lnk, 4096, false, NULL), -ELOOP);
	CU_ASSERT(victim_intact());
	rm_tmp();
	rm_dir(victim_dir);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_roundtrip),
		CU_TEST(test_layout),
		CU_TEST(test_rotation_bound),
		CU_TEST(test_rotation_edge),
		CU_TEST(test_background_sync),
		CU_TEST(test_shared_writer),
		CU_TEST(test_seq_reopen),
		CU_TEST(test_truncate_every_offset),
		CU_TEST(test_bitflip_middle),
		CU_TEST(test_bitflip_first_last),
		CU_TEST(test_garbage_between),
		CU_TEST(test_seq_zero_refused),
		CU_TEST(test_text_limits),
		CU_TEST(test_invalid_args),
		CU_TEST(test_bad_dir),
		CU_TEST(test_one_writer),
		CU_TEST(test_callback_stops),
		CU_TEST(test_chunked_same_bytes),
		CU_TEST(test_read_while_rotating),
		CU_TEST(test_read_races_rotation),
		CU_TEST(test_write_errors),
		CU_TEST(test_symlink_refused),
		CU_TEST(test_symlink_at_rotation),
		CU_TEST(test_hardlink_refused),
		CU_TEST(test_symlink_dir),
		CU_END,
	};

	cu_add("evlog", tests);
}
