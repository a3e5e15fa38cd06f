/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_modbus: the Modbus figures of bench/modbus.sh.
 *
 *   bench_modbus bare PORT
 *       a bare libmodbus TCP server on 127.0.0.1:PORT (select over its
 *       clients, modbus_receive and modbus_reply on a mapping of the same
 *       registers as bmsd's SunSpec block): the reference rate.
 *   bench_modbus load PORT CLIENTS SECONDS ADDR
 *       CLIENTS libmodbus clients, each in its own thread, reading 125
 *       holding registers at ADDR in a loop; prints "reads N per_s R".
 *   bench_modbus build COUNT
 *       rebuilds the image of the largest pack COUNT times; prints the mean.
 *   bench_modbus rtt LINK COUNT
 *       makes a pty and links its peer end at LINK for an RTU server to
 *       open; once the server answers, sends COUNT requests (125 registers,
 *       address 32) and measures from the end of each request (write()
 *       returned) to the first byte of the answer; prints percentiles.
 */
#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mbmap.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- bare server --------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int bare(int port)
{
	modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
	modbus_mapping_t *map;
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	fd_set all;
	int lfd, maxfd;

	if (!ctx)
		return 1;
	map = modbus_mapping_new_start_address(0, 0, 0, 0, MBMAP_SUNSPEC_BASE, MBMAP_SUNSPEC_MAX,
					       0, 0);
	if (!map)
		return 1;
	for (unsigned int i = 0; i < MBMAP_SUNSPEC_MAX; i++)
		map->tab_registers[i] = (uint16_t)(i * 7);
	lfd = modbus_tcp_listen(ctx, 16);
	if (lfd < 0) {
		fprintf(stderr, "bare: listen: %s\n", modbus_strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_term);
	FD_ZERO(&all);
	FD_SET(lfd, &all);
	maxfd = lfd;
	while (!stop) {
		fd_set rd = all;

		if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (int fd = 0; fd <= maxfd; fd++) {
			int rc;

			if (!FD_ISSET(fd, &rd))
				continue;
			if (fd == lfd) {
				int c = accept(lfd, NULL, NULL);

				if (c >= 0) {
					FD_SET(c, &all);
					if (c > maxfd)
						maxfd = c;
				}
				continue;
			}
			modbus_set_socket(ctx, fd);
			rc = modbus_receive(ctx, q);
			if (rc > 0) {
				modbus_reply(ctx, q, rc, map);
			} else if (rc < 0) {
				close(fd);
				FD_CLR(fd, &all);
			}
		}
	}
	modbus_mapping_free(map);
	modbus_free(ctx);
	return 0;
}

/* ---- load ---------------------------------------------------------------- */

struct worker {
	pthread_t th;
	int port, addr;
	double seconds;
	unsigned long reads, errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	modbus_t *ctx = modbus_new_tcp("127.0.0.1", w->port);
	uint16_t regs[125];
	double end;

	if (!ctx || modbus_connect(ctx) < 0) {
		w->errors++;
		return NULL;
	}
	modbus_set_slave(ctx, 32);
	end = now_s() + w->seconds;
	while (now_s() < end) {
		for (int i = 0; i < 64; i++) {
			if (modbus_read_registers(ctx, w->addr, 125, regs) == 125)
				w->reads++;
			else
				w->errors++;
		}
	}
	modbus_close(ctx);
	modbus_free(ctx);
	return NULL;
}

static int load(int port, int clients, double seconds, int addr)
{
	struct worker w[64];
	unsigned long reads = 0, errors = 0;
	double t0, t;

	if (clients < 1 || clients > 64)
		return 2;
	t0 = now_s();
	for (int i = 0; i < clients; i++) {
		w[i] = (struct worker){ .port = port, .addr = addr, .seconds = seconds };
		pthread_create(&w[i].th, NULL, work, &w[i]);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(w[i].th, NULL);
		reads += w[i].reads;
		errors += w[i].errors;
	}
	t = now_s() - t0;
	printf("reads %lu errors %lu per_s %.0f\n", reads, errors, (double)reads / t);
	return errors ? 1 : 0;
}

/* ---- image rebuild ------------------------------------------------------- */

static int build(int count)
{
	static struct mbmap m;
	static struct view v;
	struct mbmap_setup s = { .address = 32, .manufacturer = "bmsd", .model = "main-2r" };
	double t0;

	v.boards = VIEW_BOARDS;
	v.cells_per_board = VIEW_CELLS;
	v.temps_per_board = VIEW_TEMPS;
	v.pack_valid = v.current_valid = v.temp_valid = true;
	for (unsigned int b = 0; b < VIEW_BOARDS; b++) {
		v.board[b].present = v.board[b].online = true;
		v.board[b].ncells = VIEW_CELLS;
		v.board[b].ntemps = VIEW_TEMPS;
		for (unsigned int c = 0; c < VIEW_CELLS; c++)
			v.board[b].cell_mV[c] = (uint16_t)(3300 + c);
	}
	mbmap_init(&m, &s);
	t0 = now_s();
	for (int i = 0; i < count; i++) {
		v.gen++;
		mbmap_build(&m, &v, false);
	}
	printf("build_us %.1f registers %u\n", (now_s() - t0) / count * 1e6,
	       m.ss_len + MBMAP_VENDOR_LEN);
	return 0;
}

/* ---- RTU turnaround ------------------------------------------------------ */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Send @req, wait for the whole answer of @want bytes; *@first: seconds
 * from write() to the first byte. Returns 0, or -1 on a timeout. */
static int exchange(int fd, const uint8_t *req, size_t n, size_t want, double *first)
{
	uint8_t buf[512];
	size_t got = 0;
	double t0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	tcflush(fd, TCIFLUSH);
	if (write(fd, req, n) != (ssize_t)n)
		return -1;
	t0 = now_s();
	while (got < want) {
		ssize_t r;

		if (poll(&p, 1, 500) <= 0)
			return -1;
		if (!got)
			*first = now_s() - t0;
		r = read(fd, buf + got, sizeof(buf) - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int rtt(const char *link, int count)
{
	uint8_t req[8] = { 32, 3, (uint8_t)(MBMAP_SUNSPEC_BASE >> 8),
			   (uint8_t)MBMAP_SUNSPEC_BASE, 0, 125 };
	struct termios tio;
	double *lat, first = 0, t_end;
	uint16_t crc = mbmap_crc16(req, 6);
	int fd = posix_openpt(O_RDWR | O_NOCTTY);
	int ok = 0;

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0)
		return 1;
	tcgetattr(fd, &tio);
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);
	unlink(link);
	if (symlink(ptsname(fd), link) < 0)
		return 1;
	req[6] = (uint8_t)crc;
	req[7] = (uint8_t)(crc >> 8);
	/* until the server has opened its end and answers */
	t_end = now_s() + 20;
	while (now_s() < t_end && !ok)
		ok = exchange(fd, req, 8, 5 + 250, &first) == 0;
	if (!ok) {
		fprintf(stderr, "rtt: no answer on %s\n", link);
		return 1;
	}
	lat = calloc((size_t)count, sizeof(*lat));
	if (!lat)
		return 1;
	for (int i = 0; i < count; i++) {
		if (exchange(fd, req, 8, 5 + 250, &lat[i]) < 0) {
			fprintf(stderr, "rtt: request %d unanswered\n", i);
			return 1;
		}
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_d);
	printf("count %d p50_us %.0f p99_us %.0f max_us %.0f\n", count, lat[count / 2] * 1e6,
	       lat[count * 99 / 100] * 1e6, lat[count - 1] * 1e6);
	free(lat);
	unlink(link);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "bare"))
		return bare(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "load"))
		return load(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "build"))
		return build(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "rtt"))
		return rtt(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: bench_modbus bare PORT | load PORT CLIENTS SECONDS ADDR | "
			"build COUNT | rtt LINK COUNT\n");
	return 2;
}
