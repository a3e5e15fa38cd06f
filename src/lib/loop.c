/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Fixed tables: the daemon has a handful of descriptors, and a fixed size
 * keeps registration free of allocation once the loop runs. */
#define LOOP_MAX_FDS 64
#define LOOP_MAX_TIMERS 16
#define LOOP_MAX_EVENTS 32

struct loop_fd {
	int fd;
	uint32_t events;
	loop_fd_fn fn;
	void *arg;
	unsigned int gen; /* bumped on delete so stale events are ignored */
};

struct loop_timer {
	int fd; /* -1: free slot */
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	int epfd;
	bool quit;
	uint64_t rounds;
	struct loop_fd fds[LOOP_MAX_FDS];
	struct loop_timer timers[LOOP_MAX_TIMERS];
};

static struct loop_fd *slot_of(struct loop *l, int fd)
{
	for (unsigned int i = 0; i < LOOP_MAX_FDS; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int rc = -errno;

		free(l);
		return rc;
	}
	for (unsigned int i = 0; i < LOOP_MAX_FDS; i++)
		l->fds[i].fd = -1;
	for (unsigned int i = 0; i < LOOP_MAX_TIMERS; i++)
		l->timers[i].fd = -1;
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (int i = 0; i < LOOP_MAX_TIMERS; i++)
		loop_del_timer(l, i);
	close(l->epfd);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	struct loop_fd *s;
	struct epoll_event ev = { .events = events };

	if (fd < 0 || !fn)
		return -EINVAL;
	if (slot_of(l, fd))
		return -EEXIST;
	s = slot_of(l, -1);
	if (!s)
		return -ENOSPC;
	ev.data.u64 = (uint64_t)(s - l->fds) | (uint64_t)(s->gen + 1u) << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	s->gen++;
	s->fd = fd;
	s->events = events;
	s->fn = fn;
	s->arg = arg;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_fd *s = slot_of(l, fd);
	struct epoll_event ev = { .events = events };

	if (fd < 0 || !s)
		return -ENOENT;
	ev.data.u64 = (uint64_t)(s - l->fds) | (uint64_t)s->gen << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	s->events = events;
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd *s = fd < 0 ? NULL : slot_of(l, fd);

	if (!s)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	s->fd = -1;
	s->fn = NULL;
	s->gen++;
}

static void timer_fire(int fd, uint32_t events, void *arg)
{
	struct loop_timer *t = arg;
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) || n == 0)
		return;
	t->fn(t->arg, n);
}

int loop_add_timer(struct loop *l, uint32_t period_ms, loop_timer_fn fn, void *arg)
{
	struct itimerspec its = { 0 };
	struct loop_timer *t = NULL;
	int id, rc;

	if (period_ms == 0 || !fn)
		return -EINVAL;
	for (id = 0; id < LOOP_MAX_TIMERS; id++) {
		if (l->timers[id].fd < 0) {
			t = &l->timers[id];
			break;
		}
	}
	if (!t)
		return -ENOSPC;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	its.it_interval.tv_sec = period_ms / 1000u;
	its.it_interval.tv_nsec = (long)(period_ms % 1000u) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(t->fd, 0, &its, NULL) < 0) {
		rc = -errno;
		goto err_close;
	}
	t->fn = fn;
	t->arg = arg;
	rc = loop_add_fd(l, t->fd, EPOLLIN, timer_fire, t);
	if (rc < 0)
		goto err_close;
	return id;

err_close:
	close(t->fd);
	t->fd = -1;
	return rc;
}

void loop_del_timer(struct loop *l, int id)
{
	struct loop_timer *t;

	if (id < 0 || id >= LOOP_MAX_TIMERS)
		return;
	t = &l->timers[id];
	if (t->fd < 0)
		return;
	loop_del_fd(l, t->fd);
	close(t->fd);
	t->fd = -1;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];

	l->quit = false;
	while (!l->quit) {
		int n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			unsigned int idx = (unsigned int)(ev[i].data.u64 & 0xFFFFFFFFu);
			unsigned int gen = (unsigned int)(ev[i].data.u64 >> 32);
			struct loop_fd *s;

			if (idx >= LOOP_MAX_FDS)
				continue;
			s = &l->fds[idx];
			/* deleted (or deleted and reused) earlier in this round */
			if (s->fd < 0 || s->gen != gen)
				continue;
			s->fn(s->fd, ev[i].events, s->arg);
		}
		l->rounds++;
	}
	return 0;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t loop_now_ms(void)
{
	return loop_now_us() / 1000u;
}

uint64_t loop_rounds(const struct loop *l)
{
	return l->rounds;
}
