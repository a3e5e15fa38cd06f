/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diskw.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loop.h"

struct slot {
	struct diskw_job job;   /* job.data points at buf */
	union {
		max_align_t align;  /* the data may be a struct */
		unsigned char buf[DISKW_DATA_MAX];
	} d;
	int rc;
	char err[DISKW_ERR_MAX];
};

/*
 * Job n (counted from 0) lives in slot[n % DISKW_SLOTS] from its submission
 * until its completion is delivered. The counters only grow, and
 * reaped <= done <= begun <= head: the owner submits (head) and delivers
 * (reaped), the worker takes (begun) and finishes (done). The mutex guards
 * the counters, never a job's I/O. A job taken and not done is the
 * worker's alone; the others are the owner's (which changes a waiting one,
 * diskw_update(), under the mutex, so that the worker takes it whole).
 */
struct diskw {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;    /* head moved, or stop */
	pthread_cond_t idle;    /* done moved */
	bool stop;
	uint64_t head, begun, done;
	uint64_t reaped;        /* the owner's alone */
	bool reaping;           /* a completion is running (owner) */
	int efd;                /* the worker counts its completions here */
	struct loop *loop;
	struct slot slot[DISKW_SLOTS];
};

static void run(struct slot *s)
{
	const struct diskw_job *j = &s->job;
	const char *what = "fsync";

	s->err[0] = '\0';
	switch (j->op) {
	case DISKW_FSYNC:
		s->rc = fsync(j->fd) < 0 ? -errno : 0;
		break;
	case DISKW_FDATASYNC:
		what = "fdatasync";
		s->rc = fdatasync(j->fd) < 0 ? -errno : 0;
		break;
	default:
		what = "call";
		s->rc = j->call(j->arg, s->d.buf, j->len, s->err, sizeof(s->err));
		break;
	}
	if (s->rc && !s->err[0])
		snprintf(s->err, sizeof(s->err), "%s: %s", what, strerror(-s->rc));
	if (j->close_fd)
		close(j->fd);
}

static void *worker(void *arg)
{
	struct diskw *w = arg;
	const uint64_t one = 1;
	ssize_t r;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct slot *s;

		while (w->begun == w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		/* a stop comes after what was submitted before it */
		if (w->begun == w->head)
			break;
		s = &w->slot[w->begun++ % DISKW_SLOTS];
		pthread_mutex_unlock(&w->mu);
		run(s);
		pthread_mutex_lock(&w->mu);
		w->done++;
		pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->mu);
		/* after done moved, so that the owner it wakes finds the job
		 * done; the counter is nowhere near full, so this cannot fail */
		r = write(w->efd, &one, sizeof(one));
		(void)r;
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void on_efd(int fd, uint32_t events, void *arg)
{
	diskw_reap(arg);
}

/* The worker takes no signal: they are the loop's, read from its
 * signalfd. */
static int thread_start(struct diskw *w)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

int diskw_new(struct diskw **out, struct loop *loop)
{
	struct diskw *w;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		rc = -errno;
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	rc = loop ? loop_add_fd(loop, w->efd, EPOLLIN, on_efd, w) : 0;
	if (!rc) {
		w->loop = loop;
		rc = thread_start(w);
		if (rc && loop)
			loop_del_fd(loop, w->efd);
	}
	if (rc) {
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static bool job_ok(const struct diskw_job *j)
{
	if (j->len > DISKW_DATA_MAX || (j->len && !j->data))
		return false;
	if (j->op == DISKW_CALL)
		return j->call && !j->close_fd;
	return (j->op == DISKW_FSYNC || j->op == DISKW_FDATASYNC) && j->fd >= 0;
}

int diskw_submit(struct diskw *w, const struct diskw_job *j, uint64_t *ticket)
{
	struct slot *s;
	int rc = 0;

	if (!j)
		return -EINVAL;
	if (!w || !job_ok(j))
		rc = -EINVAL;
	else if (w->head - w->reaped >= DISKW_SLOTS)
		rc = -EAGAIN;
	if (rc) {
		if (j->close_fd && j->op != DISKW_CALL && j->fd >= 0)
			close(j->fd);
		return rc;
	}
	/* the slot is the owner's until head passes it */
	s = &w->slot[w->head % DISKW_SLOTS];
	s->job = *j;
	s->job.data = s->d.buf;
	if (j->len)
		memcpy(s->d.buf, j->data, j->len);
	pthread_mutex_lock(&w->mu);
	w->head++;
	if (ticket)
		*ticket = w->head;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

bool diskw_queued(struct diskw *w, uint64_t ticket)
{
	bool q;

	pthread_mutex_lock(&w->mu);
	q = ticket > w->begun && ticket <= w->head;
	pthread_mutex_unlock(&w->mu);
	return q;
}

int diskw_update(struct diskw *w, uint64_t ticket, const void *data, size_t len)
{
	struct slot *s;
	int rc = -EALREADY;

	if (!w || len > DISKW_DATA_MAX || (len && !data))
		return -EINVAL;
	pthread_mutex_lock(&w->mu);
	/* held across the copy: the worker must not take the job half new */
	if (ticket > w->begun && ticket <= w->head) {
		s = &w->slot[(ticket - 1) % DISKW_SLOTS];
		memcpy(s->d.buf, data, len);
		s->job.len = len;
		rc = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void diskw_reap(struct diskw *w)
{
	uint64_t n;

	/* a completion that flushes: the outer delivery goes on after it */
	if (!w || w->reaping)
		return;
	/* cleared before done is read: a job done later writes it again */
	if (read(w->efd, &n, sizeof(n)) < 0)
		n = 0; /* EAGAIN: nothing since the last time */
	w->reaping = true;
	for (;;) {
		struct slot *s;
		uint64_t done;

		pthread_mutex_lock(&w->mu);
		done = w->done;
		pthread_mutex_unlock(&w->mu);
		if (w->reaped == done)
			break;
		/* still counted as taken while its completion runs, so that a
		 * job submitted from there cannot reuse its slot */
		s = &w->slot[w->reaped % DISKW_SLOTS];
		if (s->job.done)
			s->job.done(s->job.arg, s->rc, s->err);
		w->reaped++;
	}
	w->reaping = false;
}

void diskw_flush(struct diskw *w)
{
	if (!w)
		return;
	do {
		pthread_mutex_lock(&w->mu);
		while (w->done != w->head)
			pthread_cond_wait(&w->idle, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (w->reaping)
			return;
		diskw_reap(w);
	} while (w->reaped != w->head);
}

void diskw_free(struct diskw *w)
{
	if (!w)
		return;
	diskw_flush(w);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->loop)
		loop_del_fd(w->loop, w->efd);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	close(w->efd);
	free(w);
}
