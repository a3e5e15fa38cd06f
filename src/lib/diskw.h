/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diskw: the disk writer. One worker thread runs the jobs handed to it,
 * one at a time and in the order they were submitted: an fsync() or
 * fdatasync() of a descriptor, or a function that does a whole step on the
 * disk (the state file's temporary written, synced and renamed into
 * place). Whoever submits never waits for the disk, so a slow or stalled
 * storage cannot hold up bmsd's event loop, nor the heartbeat that keeps
 * the contactors closed.
 *
 * Each job's completion comes back to the thread that submitted it, in
 * submission order: through the event loop (an eventfd registered with it)
 * when the writer has one, or from diskw_reap() and diskw_flush()
 * otherwise. Completion callbacks thus run in the loop's thread and share
 * its data without locks, and may submit further jobs.
 *
 * Every function is for one thread, the owner's (the loop's); only the
 * jobs themselves run on the worker. diskw_new() allocates the job slots;
 * nothing after it allocates.
 */
#ifndef DISKW_H
#define DISKW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct diskw;

#define DISKW_SLOTS 32     /* jobs submitted and not yet completed back */
#define DISKW_DATA_MAX 256 /* bytes of a job's data */
#define DISKW_ERR_MAX 320  /* a job's error text, with its NUL */

enum diskw_op {
	DISKW_FSYNC,       /* fsync(fd) */
	DISKW_FDATASYNC,   /* fdatasync(fd) */
	DISKW_CALL,        /* call(arg, data, len, err, n) */
};

/* A DISKW_CALL job, on the worker's thread. @data is the job's own copy
 * of what was submitted (or last given to diskw_update()). Returns 0 or a
 * negative errno with @err filled. Whatever it reads through @arg must not
 * change while the job may run. */
typedef int (*diskw_call_fn)(void *arg, const void *data, size_t len, char *err, size_t n);

/* A job's completion, on the owner's thread: @rc is the job's result, 0 or
 * a negative errno; @err says why ("" on success). */
typedef void (*diskw_done_fn)(void *arg, int rc, const char *err);

struct diskw_job {
	enum diskw_op op;
	int fd;                 /* DISKW_FSYNC, DISKW_FDATASYNC */
	bool close_fd;          /* fd is the job's: closed once synced */
	diskw_call_fn call;     /* DISKW_CALL */
	const void *data;       /* copied, at most DISKW_DATA_MAX bytes */
	size_t len;
	diskw_done_fn done;     /* may be NULL */
	void *arg;              /* for call and done */
};

/* Start a writer. With @loop, completions are delivered from the loop;
 * without (NULL), from diskw_reap() and diskw_flush() only. Returns 0 with
 * *@out set, or a negative errno. */
int diskw_new(struct diskw **out, struct loop *loop);

/*
 * Hand @j over (copied, with its data); never waits for the disk. Returns
 * 0 with *@ticket (may be NULL) naming the job, or -EINVAL (bad job, data
 * too long), -EAGAIN when every slot is taken (the disk has stalled for
 * long). With close_fd, the descriptor belongs to the writer from this call
 * on, also when the job is refused.
 */
int diskw_submit(struct diskw *w, const struct diskw_job *j, uint64_t *ticket);

/* Whether job @ticket is still waiting for its turn (not begun). */
bool diskw_queued(struct diskw *w, uint64_t ticket);

/* Give job @ticket new data, if it has not begun: 0, or -EALREADY when it
 * has (or is done), or -EINVAL. A newer copy of a file's content then
 * replaces one that waits, and only the newest is written. */
int diskw_update(struct diskw *w, uint64_t ticket, const void *data, size_t len);

/* Deliver the completions that are ready, without waiting. The loop does
 * this for a writer that has one. */
void diskw_reap(struct diskw *w);

/* Wait until every job submitted so far has run, those submitted by the
 * completions meanwhile included, and deliver their completions. This
 * waits for the disk: for shutdown, a log closed, and tests. From inside a
 * completion it only waits: the completions come after it returns. */
void diskw_flush(struct diskw *w);

/* Run what was submitted (diskw_flush), stop the thread and free @w
 * (NULL: nothing). */
void diskw_free(struct diskw *w);

#endif /* DISKW_H */
