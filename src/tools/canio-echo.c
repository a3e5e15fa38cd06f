/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * canio-echo: a test peer. Every frame received on a canio link is sent back
 * with its identifier plus one (wrapping within 11 or 29 bits) and the same
 * data.
 *
 *   canio-echo URI [--count N] [--timeout-ms T] [--bitrate B]
 *
 * Exits 0 after N frames (or, without --count, after T ms of silence), 1 when
 * the timeout comes first or the link fails, 2 on a usage or open error.
 * Statistics are printed to stdout at exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "canio.h"

/* Output waiting in canio is flushed on each call; wake up often enough. */
#define TICK_MS 20

static void usage(void)
{
	fprintf(stderr, "usage: canio-echo URI [--count N] [--timeout-ms T] [--bitrate B]\n");
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return false;
	*out = (uint32_t)v;
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_stats(const struct canio *c, uint32_t echoed)
{
	const struct canio_stats *s = canio_stats(c);

	printf("canio-echo: %s echoed %" PRIu32 " rx %" PRIu64 " tx %" PRIu64
	       " rx_dropped %" PRIu64 " tx_dropped %" PRIu64 " rx_malformed %" PRIu64
	       " bus_errors %" PRIu64 " bus_off %" PRIu64 " restarts %" PRIu64 "\n",
	       canio_backend(c), echoed, s->rx_frames, s->tx_frames, s->rx_dropped,
	       s->tx_dropped, s->rx_malformed, s->bus_errors, s->bus_off, s->restarts);
	fflush(stdout);
}

struct opts {
	const char *uri;
	uint32_t count, timeout_ms, bitrate;
};

/* The command line into *o: false when it is not a valid one. */
static bool parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		uint32_t *dst = NULL;

		if (!strcmp(argv[i], "--count"))
			dst = &o->count;
		else if (!strcmp(argv[i], "--timeout-ms"))
			dst = &o->timeout_ms;
		else if (!strcmp(argv[i], "--bitrate"))
			dst = &o->bitrate;
		else if (argv[i][0] != '-' && !o->uri) {
			o->uri = argv[i];
			continue;
		}
		if (!dst || i + 1 >= argc || !parse_u32(argv[i + 1], dst))
			return false;
		i++;
	}
	return o->uri != NULL;
}

struct echo {
	const struct opts *o;
	struct canio *c;
	int ep, sfd;
	uint32_t echoed;
	int64_t last;		/* the start or the last echo: --timeout-ms counts from it */
};

/*
 * SIGINT and SIGTERM arrive on a signalfd so that the statistics are still
 * printed. Returns 0, or -1 after saying why.
 */
static int open_echo(struct echo *e)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t sigs;
	int rc = canio_open(e->o->uri, e->o->bitrate, &e->c);

	if (rc < 0) {
		fprintf(stderr, "canio-echo: %s: %s\n", e->o->uri, strerror(-rc));
		return -1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	e->sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	if (e->sfd < 0 || e->ep < 0) {
		perror("canio-echo");
		canio_close(e->c);
		return -1;
	}
	ev.data.fd = canio_fd(e->c);
	epoll_ctl(e->ep, EPOLL_CTL_ADD, canio_fd(e->c), &ev);
	ev.data.fd = e->sfd;
	epoll_ctl(e->ep, EPOLL_CTL_ADD, e->sfd, &ev);
	return 0;
}

static bool all_echoed(const struct echo *e)
{
	return e->o->count && e->echoed >= e->o->count;
}

/*
 * Echo the frames waiting on the link, stopping at --count. Returns 0, or a
 * negative errno when the link failed.
 */
static int echo_pending(struct echo *e)
{
	struct canio_frame f;
	int rc;

	while ((rc = canio_recv(e->c, &f)) == 1) {
		int s;

		f.id = (f.id + 1) & (f.ext ? 0x1FFFFFFFu : 0x7FFu);
		s = canio_send(e->c, &f);
		if (s < 0 && s != -EAGAIN && s != -ENOBUFS)
			return s;
		/* a dropped reply is counted in tx_dropped, the peer sees the gap */
		e->echoed++;
		e->last = now_ms();
		if (all_echoed(e))
			return 0;
	}
	return rc;
}

/* Whether SIGINT or SIGTERM is among the n events. */
static bool signalled(const struct echo *e, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		struct signalfd_siginfo si;

		if (evs[i].data.fd == e->sfd && read(e->sfd, &si, sizeof(si)) > 0)
			return true;
	}
	return false;
}

/* Echo until --count, --timeout-ms, a signal or a failure; returns the exit status. */
static int echo_loop(struct echo *e)
{
	const struct opts *o = e->o;

	e->last = now_ms();
	for (;;) {
		struct canio_frame f;
		struct epoll_event evs[2];
		int n, rc = echo_pending(e);

		if (rc < 0) {
			fprintf(stderr, "canio-echo: %s: %s\n", o->uri, strerror(-rc));
			return 1;
		}
		if (all_echoed(e)) {
			/* let the last reply leave before the link closes */
			canio_recv(e->c, &f);
			return 0;
		}
		if (o->timeout_ms && now_ms() - e->last >= o->timeout_ms) {
			if (o->count)
				fprintf(stderr, "canio-echo: timeout after %" PRIu32 " of %" PRIu32
					" frames\n", e->echoed, o->count);
			return o->count ? 1 : 0;
		}
		n = epoll_wait(e->ep, evs, 2, TICK_MS);
		if (n < 0 && errno != EINTR) {
			perror("canio-echo: epoll_wait");
			return 1;
		}
		if (signalled(e, evs, n))
			return o->count ? 1 : 0;
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct echo e = { .o = &o };
	int status;

	if (!parse_args(argc, argv, &o)) {
		usage();
		return 2;
	}
	if (open_echo(&e) < 0)
		return 2;
	status = echo_loop(&e);
	print_stats(e.c, e.echoed);
	canio_close(e.c);
	close(e.ep);
	close(e.sfd);
	return status;
}
