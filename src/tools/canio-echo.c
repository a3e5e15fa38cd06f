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

int main(int argc, char **argv)
{
	const char *uri = NULL;
	uint32_t count = 0, timeout_ms = 0, bitrate = 0, echoed = 0;
	struct epoll_event ev;
	struct canio *c;
	sigset_t sigs;
	int64_t last;
	int ep, sfd, rc, i, status = 1;

	for (i = 1; i < argc; i++) {
		uint32_t *dst = NULL;

		if (!strcmp(argv[i], "--count"))
			dst = &count;
		else if (!strcmp(argv[i], "--timeout-ms"))
			dst = &timeout_ms;
		else if (!strcmp(argv[i], "--bitrate"))
			dst = &bitrate;
		else if (argv[i][0] != '-' && !uri) {
			uri = argv[i];
			continue;
		}
		if (!dst || i + 1 >= argc || !parse_u32(argv[i + 1], dst)) {
			usage();
			return 2;
		}
		i++;
	}
	if (!uri) {
		usage();
		return 2;
	}

	rc = canio_open(uri, bitrate, &c);
	if (rc < 0) {
		fprintf(stderr, "canio-echo: %s: %s\n", uri, strerror(-rc));
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0) {
		perror("canio-echo");
		canio_close(c);
		return 2;
	}
	ev.events = EPOLLIN;
	ev.data.fd = canio_fd(c);
	epoll_ctl(ep, EPOLL_CTL_ADD, canio_fd(c), &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

	last = now_ms();
	for (;;) {
		struct canio_frame f;
		struct epoll_event evs[2];
		int n;

		while ((rc = canio_recv(c, &f)) == 1) {
			int s;

			f.id = (f.id + 1) & (f.ext ? 0x1FFFFFFFu : 0x7FFu);
			s = canio_send(c, &f);
			if (s < 0 && s != -EAGAIN && s != -ENOBUFS) {
				rc = s;
				break;
			}
			/* a dropped reply is counted in tx_dropped, the peer sees the gap */
			echoed++;
			last = now_ms();
			if (count && echoed >= count) {
				rc = 0;
				break;
			}
		}
		if (rc < 0) {
			fprintf(stderr, "canio-echo: %s: %s\n", uri, strerror(-rc));
			break;
		}
		if (count && echoed >= count) {
			/* let the last reply leave before the link closes */
			canio_recv(c, &f);
			status = 0;
			break;
		}
		if (timeout_ms && now_ms() - last >= timeout_ms) {
			status = count ? 1 : 0;
			if (count)
				fprintf(stderr, "canio-echo: timeout after %" PRIu32 " of %" PRIu32
					" frames\n", echoed, count);
			break;
		}
		n = epoll_wait(ep, evs, 2, TICK_MS);
		if (n < 0 && errno != EINTR) {
			perror("canio-echo: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++)
			if (evs[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) > 0) {
					status = count ? 1 : 0;
					goto out;
				}
			}
	}
out:
	print_stats(c, echoed);
	canio_close(c);
	close(ep);
	close(sfd);
	return status;
}
