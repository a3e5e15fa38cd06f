/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diskw: jobs run in the order they were submitted and complete back in
 * that order; completions come through the event loop, in its thread, and
 * not before it runs; a failing job reports its errno and why; a job that
 * waits may get newer data, one that began may not; a full writer refuses
 * (and closes the descriptor it was given); and shutdown runs and
 * completes everything submitted, also what the completions submit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "diskw.h"
#include "loop.h"

#define MAX_JOBS 256

/* What the jobs did (written by the worker, read after a flush) and what
 * their completions saw (the owner's). */
static struct {
	int ran[MAX_JOBS], nran;
	int done[MAX_JOBS], ndone;
	int rc[MAX_JOBS];
	char err[MAX_JOBS][DISKW_ERR_MAX];
	pthread_t thread;       /* of the last completion */
	struct loop *quit;      /* stopped at the first completion */
	struct diskw *resubmit; /* each completion submits one more job ... */
	int extra;              /* ... until there are 10 such */
	int gate;               /* a job of value -1 waits for a byte here */
} rec;

static void rec_reset(void)
{
	memset(&rec, 0, sizeof(rec));
	rec.gate = -1;
}

/* A job: records its value (the data); a negative one fails with it. */
static int job(void *arg, const void *data, size_t len, char *err, size_t n)
{
	int v;
	char c;

	memcpy(&v, data, sizeof(v));
	if (v == -1 && read(rec.gate, &c, 1) != 1)
		return -EPIPE;
	if (rec.nran < MAX_JOBS)
		rec.ran[rec.nran++] = v;
	if (v == -EIO)
		snprintf(err, n, "the job says why");
	return v < -1 ? v : 0;
}

static void done(void *arg, int rc, const char *err)
{
	int i = rec.ndone++;

	if (i < MAX_JOBS) {
		rec.done[i] = (int)(intptr_t)arg;
		rec.rc[i] = rc;
		snprintf(rec.err[i], sizeof(rec.err[i]), "%s", err);
	}
	rec.thread = pthread_self();
	if (rec.quit)
		loop_quit(rec.quit);
	if (rec.resubmit && rec.extra < 10) {
		struct diskw_job j = { .op = DISKW_CALL, .call = job, .data = &rec.extra,
				       .len = sizeof(int), .done = done,
				       .arg = (void *)(intptr_t)(1001 + rec.extra) };

		CU_ASSERT_EQUAL(diskw_submit(rec.resubmit, &j, NULL), 0);
		rec.extra++;
	}
}

static int call(struct diskw *w, int v, uint64_t *ticket)
{
	struct diskw_job j = { .op = DISKW_CALL, .call = job, .data = &v, .len = sizeof(v),
			       .done = done, .arg = (void *)(intptr_t)v };

	return diskw_submit(w, &j, ticket);
}

static int sync_job(struct diskw *w, enum diskw_op op, int fd, bool close_fd, int tag)
{
	struct diskw_job j = { .op = op, .fd = fd, .close_fd = close_fd, .done = done,
			       .arg = (void *)(intptr_t)tag };

	return diskw_submit(w, &j, NULL);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* A file of its own to sync. */
static int tmp_file(void)
{
	char name[] = "/tmp/test_diskw.XXXXXX";
	int fd = mkstemp(name);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(name);
	return fd;
}

/* ---- tests -------------------------------------------------------------- */

static void test_order(void)
{
	struct diskw *w;
	int fd = tmp_file();
	uint64_t t = 0, last = 0;

	rec_reset();
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, NULL), 0);
	for (int i = 1; i <= 100; i++) {
		int rc;

		if (i % 10 == 0) {
			rc = sync_job(w, i % 20 ? DISKW_FSYNC : DISKW_FDATASYNC, dup(fd), true, i);
		} else {
			rc = call(w, i, &t);
			CU_ASSERT(t > last);
			last = t;
		}
		CU_ASSERT_EQUAL(rc, 0);
		/* taken back now and then, as a loop would; the flushes keep
		 * the slots from running out */
		if (i % 20 == 0)
			diskw_flush(w);
		else if (i % 7 == 0)
			diskw_reap(w);
	}
	diskw_flush(w);
	CU_ASSERT_EQUAL(rec.nran, 90);
	CU_ASSERT_EQUAL(rec.ndone, 100);
	for (int i = 0, k = 0; i < 100; i++) {
		CU_ASSERT_EQUAL(rec.done[i], i + 1);
		CU_ASSERT_EQUAL(rec.rc[i], 0);
		CU_ASSERT_STRING_EQUAL(rec.err[i], "");
		if ((i + 1) % 10)
			CU_ASSERT_EQUAL(rec.ran[k++], i + 1);
	}
	diskw_free(w);
	close(fd);
}

static void on_timeout(void *arg, uint64_t n)
{
	loop_quit(arg);
}

/* The completion waits for the loop, and runs in its thread. */
static void test_loop_delivery(void)
{
	struct diskw *w;
	struct loop *l;

	rec_reset();
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, l), 0);
	CU_ASSERT_EQUAL(call(w, 7, NULL), 0);
	/* run, but not completed back while the loop does not run */
	usleep(50000);
	CU_ASSERT_EQUAL(rec.ndone, 0);
	rec.quit = l;
	CU_ASSERT_FATAL(loop_add_timer(l, 5000, on_timeout, l) >= 0);
	CU_ASSERT_EQUAL(loop_run(l), 0);
	CU_ASSERT_EQUAL(rec.ndone, 1);
	CU_ASSERT_EQUAL(rec.done[0], 7);
	CU_ASSERT(pthread_equal(rec.thread, pthread_self()));

	/* again, with the loop running while the job does */
	CU_ASSERT_EQUAL(call(w, 8, NULL), 0);
	CU_ASSERT_EQUAL(loop_run(l), 0);
	CU_ASSERT_EQUAL(rec.ndone, 2);
	CU_ASSERT_EQUAL(rec.done[1], 8);
	rec.quit = NULL;
	diskw_free(w);
	loop_free(l);
}

static void test_errors(void)
{
	struct diskw *w;
	int p[2];

	rec_reset();
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, NULL), 0);
	/* a pipe cannot be synced */
	CU_ASSERT_EQUAL(sync_job(w, DISKW_FSYNC, p[0], false, 1), 0);
	CU_ASSERT_EQUAL(sync_job(w, DISKW_FDATASYNC, p[1], true, 2), 0);
	CU_ASSERT_EQUAL(call(w, -EIO, NULL), 0);
	CU_ASSERT_EQUAL(call(w, -ENOSPC, NULL), 0);
	CU_ASSERT_EQUAL(call(w, 5, NULL), 0);
	diskw_flush(w);
	CU_ASSERT_EQUAL_FATAL(rec.ndone, 5);
	CU_ASSERT_EQUAL(rec.rc[0], -EINVAL);
	CU_ASSERT_STRING_EQUAL(rec.err[0], "fsync: Invalid argument");
	CU_ASSERT_EQUAL(rec.rc[1], -EINVAL);
	CU_ASSERT_STRING_EQUAL(rec.err[1], "fdatasync: Invalid argument");
	CU_ASSERT(fd_open(p[0]));       /* not the job's */
	CU_ASSERT(!fd_open(p[1]));      /* the job's: closed */
	CU_ASSERT_EQUAL(rec.rc[2], -EIO);
	CU_ASSERT_STRING_EQUAL(rec.err[2], "the job says why");
	CU_ASSERT_EQUAL(rec.rc[3], -ENOSPC);
	CU_ASSERT_STRING_EQUAL(rec.err[3], "call: No space left on device");
	CU_ASSERT_EQUAL(rec.rc[4], 0);
	diskw_free(w);
	close(p[0]);
}

/* A job held up by a stalled "disk": the ones behind it wait, may take
 * newer data, and fill the slots; then the writer refuses. */
static void test_queued_update_full(void)
{
	struct diskw_job bad = { .op = DISKW_CALL, .data = "x", .len = 1 };
	struct diskw *w;
	uint64_t first, second, t;
	int gate[2], fd = tmp_file(), v = 42, n;

	rec_reset();
	CU_ASSERT_EQUAL_FATAL(pipe(gate), 0);
	rec.gate = gate[0];
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, NULL), 0);
	CU_ASSERT_EQUAL(call(w, -1, &first), 0);
	CU_ASSERT_EQUAL(call(w, 2, &second), 0);
	while (diskw_queued(w, first))
		usleep(1000);
	CU_ASSERT(diskw_queued(w, second));
	CU_ASSERT_EQUAL(diskw_update(w, first, &v, sizeof(v)), -EALREADY);
	CU_ASSERT_EQUAL(diskw_update(w, second, &v, sizeof(v)), 0);
	CU_ASSERT_EQUAL(diskw_update(w, second, NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(diskw_update(w, second + 1, &v, sizeof(v)), -EALREADY);
	for (n = 2; call(w, 100 + n, &t) == 0; n++)
		;
	CU_ASSERT_EQUAL(n, DISKW_SLOTS);
	CU_ASSERT_EQUAL(call(w, 0, NULL), -EAGAIN);
	/* a descriptor handed over is the writer's even when refused */
	n = dup(fd);
	CU_ASSERT_EQUAL(sync_job(w, DISKW_FSYNC, n, true, 0), -EAGAIN);
	CU_ASSERT(!fd_open(n));
	/* bad jobs */
	CU_ASSERT_EQUAL(diskw_submit(w, &bad, NULL), -EINVAL);
	bad.call = job;
	bad.len = DISKW_DATA_MAX + 1;
	CU_ASSERT_EQUAL(diskw_submit(w, &bad, NULL), -EINVAL);
	CU_ASSERT_EQUAL(diskw_submit(NULL, &bad, NULL), -EINVAL);
	CU_ASSERT_EQUAL(diskw_submit(w, NULL, NULL), -EINVAL);

	CU_ASSERT_EQUAL(write(gate[1], "g", 1), 1);
	diskw_flush(w);
	CU_ASSERT_EQUAL(rec.ndone, DISKW_SLOTS);
	CU_ASSERT_EQUAL(rec.ran[0], -1);
	CU_ASSERT_EQUAL(rec.ran[1], 42);        /* the newer data */
	CU_ASSERT_EQUAL(rec.ran[DISKW_SLOTS - 1], 100 + DISKW_SLOTS - 1);
	CU_ASSERT(!diskw_queued(w, second));
	/* room again */
	CU_ASSERT_EQUAL(call(w, 1, NULL), 0);
	diskw_free(w);
	close(gate[0]);
	close(gate[1]);
	close(fd);
}

/* Shutdown runs what was submitted, and what its completions submit, and
 * delivers every completion, with no flush before. */
static void test_shutdown_drains(void)
{
	struct diskw *w;
	struct loop *l;
	int gate[2];

	rec_reset();
	CU_ASSERT_EQUAL_FATAL(pipe(gate), 0);
	rec.gate = gate[0];
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, l), 0);
	CU_ASSERT_EQUAL(call(w, -1, NULL), 0);
	for (int i = 1; i <= 10; i++)
		CU_ASSERT_EQUAL(call(w, i, NULL), 0);
	rec.resubmit = w;
	CU_ASSERT_EQUAL(write(gate[1], "g", 1), 1);
	diskw_free(w);
	/* 11 submitted, and 10 more from their completions */
	CU_ASSERT_EQUAL(rec.ndone, 21);
	CU_ASSERT_EQUAL(rec.nran, 21);
	for (int i = 1; i <= 10; i++)
		CU_ASSERT_EQUAL(rec.done[i], i);
	CU_ASSERT_EQUAL(rec.done[11], 1001);
	CU_ASSERT_EQUAL(rec.done[20], 1010);
	loop_free(l);
	close(gate[0]);
	close(gate[1]);
	diskw_free(NULL);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_order),
		CU_TEST(test_loop_delivery),
		CU_TEST(test_errors),
		CU_TEST(test_queued_update_full),
		CU_TEST(test_shutdown_drains),
		CU_END,
	};

	cu_add("diskw", tests);
}
