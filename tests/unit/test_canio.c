/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * canio over slcan on a pty: canio owns the slave side, the test plays the
 * adapter or host on the master side.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
/* CUnit has its own CU_TEST(value) assertion; cu.h's registration macro wins */
#undef CU_TEST
#include "cu.h"

#include "canio.h"
#include "slcan.h"

struct peer {
	int m;                  /* pty master */
	char uri[64];           /* "slcan:/dev/pts/N" */
	struct canio *c;
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool peer_pty(struct peer *p)
{
	char name[32];

	memset(p, 0, sizeof(*p));
	p->m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->m < 0)
		return false;
	if (grantpt(p->m) < 0 || unlockpt(p->m) < 0 || ptsname_r(p->m, name, sizeof(name))) {
		close(p->m);
		return false;
	}
	snprintf(p->uri, sizeof(p->uri), "slcan:%s", name);
	return true;
}

/* A pty pair with canio open on the slave at @bitrate. */
static bool peer_open(struct peer *p, uint32_t bitrate)
{
	if (!peer_pty(p))
		return false;
	if (canio_open(p->uri, bitrate, &p->c) < 0) {
		close(p->m);
		return false;
	}
	return true;
}

static void peer_close(struct peer *p)
{
	canio_close(p->c);
	if (p->m >= 0)
		close(p->m);
}

static void peer_write(struct peer *p, const char *s)
{
	size_t n = strlen(s), done = 0;

	while (done < n) {
		ssize_t w = write(p->m, s + done, n - done);

		if (w < 0) {
			struct pollfd pfd = { .fd = p->m, .events = POLLOUT };

			CU_ASSERT_FATAL(errno == EAGAIN);
			poll(&pfd, 1, 100);
			continue;
		}
		done += (size_t)w;
	}
}

/* Read what the slave side wrote, until @wait_ms pass with nothing new. */
static size_t peer_read(struct peer *p, char *buf, size_t cap, int wait_ms)
{
	struct pollfd pfd = { .fd = p->m, .events = POLLIN };
	size_t len = 0;

	while (len < cap - 1 && poll(&pfd, 1, wait_ms) > 0) {
		ssize_t n = read(p->m, buf + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return len;
}

/* canio_recv, waiting up to @ms for a frame to arrive. */
static int recv_wait(struct canio *c, struct canio_frame *f, int ms)
{
	struct pollfd pfd = { .fd = canio_fd(c), .events = POLLIN };
	int r;

	for (;;) {
		r = canio_recv(c, f);
		if (r != 0 || ms <= 0)
			return r;
		if (poll(&pfd, 1, 10) == 0)
			ms -= 10;
	}
}

static void test_uri_errors(void)
{
	static const char *const bad[] = {
		"", "slcan:", "socketcan:", "slcan", "socketcan", "can0", "foo:bar",
		"SLCAN:/dev/null", "Socketcan:can0", ":can0", " slcan:/dev/null",
	};
	struct canio *c = (struct canio *)&c;
	int before = count_fds();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(canio_open(bad[i], 0, &c), -EINVAL);
		CU_ASSERT_PTR_EQUAL(c, &c);
	}
	CU_ASSERT_EQUAL(canio_open(NULL, 0, &c), -EINVAL);
	CU_ASSERT_EQUAL(canio_open("slcan:/dev/null", 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(canio_open("slcan:/nonexistent/ttyX", 0, &c), -ENOENT);
	CU_ASSERT_EQUAL(canio_open("slcan:/proc/self", 0, &c), -EISDIR);
	CU_ASSERT_PTR_EQUAL(c, &c);
	/* an interface name longer than IFNAMSIZ allows */
	CU_ASSERT_EQUAL(canio_open("socketcan:abcdefghijklmnopqrstuvwxyz", 0, &c), -EINVAL);
	CU_ASSERT_EQUAL(count_fds(), before);
	canio_close(NULL);
}

static void test_socketcan_open(void)
{
	struct canio *c = NULL;
	int before = count_fds();
	int r = canio_open("socketcan:vcan0", 0, &c);

	/* no CAN in the kernel, no vcan0, or a working vcan0 */
	CU_ASSERT_TRUE(r == -EAFNOSUPPORT || r == -ENODEV || r == 0);
	if (r == 0) {
		CU_ASSERT_STRING_EQUAL(canio_backend(c), "socketcan");
		CU_ASSERT_TRUE(canio_fd(c) >= 0);
		CU_ASSERT_EQUAL(canio_state(c), CANIO_UP);
		canio_close(c);
	} else {
		CU_ASSERT_PTR_NULL(c);
	}
	r = canio_open("socketcan:nosuchcan9", 500000, &c);
	CU_ASSERT_TRUE(r == -EAFNOSUPPORT || r == -ENODEV);
	CU_ASSERT_EQUAL(count_fds(), before);
}

static void check_startup(uint32_t bitrate, const char *want)
{
	struct peer p;
	char buf[256];

	CU_ASSERT_FATAL(peer_open(&p, bitrate));
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_STRING_EQUAL(canio_backend(p.c), "slcan");
	CU_ASSERT_EQUAL(canio_state(p.c), CANIO_UP);
	CU_ASSERT_TRUE(canio_fd(p.c) >= 0);
	peer_close(&p);
}

static void test_startup_commands(void)
{
	check_startup(1000000, "C\rS8\rO\r");
	check_startup(500000, "C\rS6\rO\r");
	check_startup(250000, "C\rS5\rO\r");
	check_startup(10000, "C\rS0\rO\r");
	check_startup(800000, "C\rS7\rO\r");
	/* no index for these: the adapter keeps its own setting */
	check_startup(0, "C\rO\r");
	check_startup(83333, "C\rO\r");
}

static void test_frames_from_peer(void)
{
	struct canio_frame f;
	struct peer p;
	char buf[64];

	CU_ASSERT_FATAL(peer_open(&p, 1000000));
	peer_read(&p, buf, sizeof(buf), 20);
	CU_ASSERT_EQUAL(canio_recv(p.c, &f), 0);

	peer_write(&p, "t1232AABB\rT1FFFFFFF0\rr7FF8\r\nt0018" "03" "00000000000000");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x123);
	CU_ASSERT_FALSE(f.ext);
	CU_ASSERT_FALSE(f.rtr);
	CU_ASSERT_EQUAL(f.len, 2);
	CU_ASSERT_EQUAL(f.data[0], 0xAA);
	CU_ASSERT_EQUAL(f.data[1], 0xBB);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x1FFFFFFF);
	CU_ASSERT_TRUE(f.ext);
	CU_ASSERT_EQUAL(f.len, 0);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x7FF);
	CU_ASSERT_TRUE(f.rtr);
	CU_ASSERT_EQUAL(f.len, 8);
	/* the last line is still open */
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 50), 0);
	peer_write(&p, "\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x001);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(f.data[0], 0x3);
	CU_ASSERT_EQUAL(canio_recv(p.c, &f), 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_frames, 4);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_malformed, 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_dropped, 0);
	peer_close(&p);
}

static void test_frame_split(void)
{
	static const char line[] = "T0ABCDEF08" "0102030405060708\r";
	struct canio_frame f;
	struct peer p;
	char buf[64], one[2] = { 0, 0 };
	size_t i;

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	for (i = 0; i + 1 < sizeof(line) - 1; i++) {
		one[0] = line[i];
		peer_write(&p, one);
		CU_ASSERT_EQUAL(recv_wait(p.c, &f, 5), 0);
	}
	peer_write(&p, "\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x0ABCDEF0);
	CU_ASSERT_EQUAL(f.data[7], 0x08);
	peer_close(&p);
}

static void test_commands_acked(void)
{
	struct canio_frame f;
	struct peer p;
	char buf[256];

	CU_ASSERT_FATAL(peer_open(&p, 1000000));
	peer_read(&p, buf, sizeof(buf), 20);

	/* what python-can sends on open, then a version query */
	peer_write(&p, "C\rS8\rO\rO\rV\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 100), 0);
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, "\r\r\r\rV1013\r");

	peer_write(&p, "v\rN\rF\rL\rs031C\rZ1\rM00000000\rmFFFFFFFF\rX1\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 100), 0);
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, "v1013\rNA123\rF00\r\r\r\r\r\r\r");

	/* acknowledgements and refusals get no reply */
	peer_write(&p, "\r\rz\rZ\r\a");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 100), 0);
	CU_ASSERT_EQUAL(peer_read(&p, buf, sizeof(buf), 50), 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_malformed, 0);

	/* commands mixed with frames: both handled, in order */
	peer_write(&p, "t1000\rV\rt1010\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x100);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x101);
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, "V1013\r");
	peer_close(&p);
}

static void test_send_lines(void)
{
	struct canio_frame f;
	struct peer p;
	char buf[512];

	CU_ASSERT_FATAL(peer_open(&p, 500000));
	peer_read(&p, buf, sizeof(buf), 20);

	memset(&f, 0, sizeof(f));
	f.id = 0x351;
	f.len = 8;
	memcpy(f.data, "\x01\x02\x03\x04\xA5\x5A\xFF\x00", 8);
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	f.len = 0;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	f.ext = true;
	f.id = 0x18FF50E5;
	f.len = 3;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	f.rtr = true;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	f.ext = false;
	f.id = 0x7FF;
	f.len = 1;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, "t351801020304A55AFF00\rt3510\rT18FF50E53010203\r"
				    "R18FF50E53\rr7FF1\r");
	CU_ASSERT_EQUAL(canio_stats(p.c)->tx_frames, 5);

	/* impossible frames are refused and not written */
	f.rtr = false;
	f.id = 0x800;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), -EINVAL);
	f.ext = true;
	f.id = 0x20000000;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), -EINVAL);
	f.id = 1;
	f.len = 9;
	CU_ASSERT_EQUAL(canio_send(p.c, &f), -EINVAL);
	CU_ASSERT_EQUAL(peer_read(&p, buf, sizeof(buf), 50), 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->tx_frames, 5);
	CU_ASSERT_EQUAL(canio_stats(p.c)->tx_dropped, 0);

	/* closing takes the adapter off the bus */
	canio_close(p.c);
	p.c = NULL;
	peer_read(&p, buf, sizeof(buf), 50);
	CU_ASSERT_STRING_EQUAL(buf, "C\r");
	peer_close(&p);
}

static void test_malformed_stats(void)
{
	struct canio_frame f;
	struct peer p;
	char buf[256];

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	peer_write(&p, "t12\rt1239\rhello\rS9\rT200000000\rt1231AAB\r"
		       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r"
		       "t3211EE\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x321);
	CU_ASSERT_EQUAL(f.data[0], 0xEE);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_malformed, 7);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_frames, 1);
	/* malformed input gets no reply */
	CU_ASSERT_EQUAL(peer_read(&p, buf, sizeof(buf), 50), 0);
	peer_close(&p);
}

static void fill_frame(struct canio_frame *f, unsigned int i)
{
	unsigned int k;

	memset(f, 0, sizeof(*f));
	f->ext = i % 3 == 0;
	f->id = f->ext ? (i * 7919u) & 0x1FFFFFFF : i & 0x7FF;
	f->len = (uint8_t)(i % 9);
	for (k = 0; k < f->len; k++)
		f->data[k] = (uint8_t)(i + k);
}

static void test_burst(void)
{
	static char stream[1000 * SLCAN_LINE_MAX];
	struct canio_frame f, want;
	struct peer p;
	size_t len = 0, off = 0;
	unsigned int i, got = 0, bad = 0;
	char buf[64];

	CU_ASSERT_FATAL(peer_open(&p, 1000000));
	peer_read(&p, buf, sizeof(buf), 20);
	for (i = 0; i < 1000; i++) {
		int n;

		fill_frame(&want, i);
		n = slcan_format(&want, stream + len, SLCAN_LINE_MAX);
		CU_ASSERT_FATAL(n > 0);
		len += (size_t)n;
	}
	/* push as fast as the pty takes it, reading whenever it is full */
	while (got < 1000) {
		ssize_t w = 0;
		int r;

		if (off < len) {
			w = write(p.m, stream + off, len - off);
			if (w > 0)
				off += (size_t)w;
		}
		while ((r = canio_recv(p.c, &f)) == 1) {
			fill_frame(&want, got);
			if (memcmp(&f, &want, sizeof(f)) != 0)
				bad++;
			got++;
		}
		CU_ASSERT_EQUAL_FATAL(r, 0);
		if (off == len && got < 1000) {
			struct pollfd pfd = { .fd = canio_fd(p.c), .events = POLLIN };

			if (poll(&pfd, 1, 1000) == 0)
				break;
		}
	}
	CU_ASSERT_EQUAL(got, 1000);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_frames, 1000);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_dropped, 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_malformed, 0);
	peer_close(&p);
}

static void test_burst_single_write(void)
{
	/* 64 shortest frames plus more: the ring never overflows */
	static char stream[300 * 6 + 1];
	struct canio_frame f;
	struct peer p;
	unsigned int i, got = 0;
	char buf[64];
	int r;

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	for (i = 0; i < 300; i++)
		snprintf(stream + 6 * i, 7, "t%03X0\r", i);
	peer_write(&p, stream);
	while ((r = recv_wait(p.c, &f, 200)) == 1) {
		CU_ASSERT_EQUAL(f.id, got);
		got++;
	}
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(got, 300);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_dropped, 0);
	peer_close(&p);
}

static void test_filters(void)
{
	static const struct canio_filter flt[] = {
		{ .id = 0x100, .mask = 0x7F0 },
		{ .id = 0x355, .mask = 0x7FF },
	};
	struct canio_filter many[65];
	struct canio_frame f;
	struct peer p;
	char buf[64];

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	CU_ASSERT_EQUAL(canio_set_filters(p.c, flt, 2), 0);
	peer_write(&p, "t0FF0\rt1000\rt10F0\rt1100\rt3550\rt3540\rT000001000\rt1050\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x100);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x10F);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x355);
	/* standard-only filters: the extended 0x100 does not pass */
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x105);
	CU_ASSERT_FALSE(f.ext);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 50), 0);
	CU_ASSERT_EQUAL(canio_stats(p.c)->rx_frames, 4);

	/* no filters: everything again */
	CU_ASSERT_EQUAL(canio_set_filters(p.c, NULL, 0), 0);
	peer_write(&p, "t0FF0\rT000001000\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x0FF);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_TRUE(f.ext);

	/* a mask of zero passes every standard frame */
	memset(many, 0, sizeof(many));
	CU_ASSERT_EQUAL(canio_set_filters(p.c, many, 1), 0);
	peer_write(&p, "t7FF0\rT1FFFFFFF0\rt0000\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x7FF);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0);
	CU_ASSERT_FALSE(f.ext);

	/* limits; a refused set leaves the previous one in force */
	CU_ASSERT_EQUAL(canio_set_filters(p.c, many, 65), -EINVAL);
	CU_ASSERT_EQUAL(canio_set_filters(p.c, NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(canio_set_filters(p.c, many, 64), 0);
	CU_ASSERT_EQUAL(canio_set_filters(p.c, flt + 1, 1), 0);
	CU_ASSERT_EQUAL(canio_set_filters(p.c, many, 65), -EINVAL);
	peer_write(&p, "t3560\rt3550\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x355);
	peer_close(&p);
}

static void test_filters_queued(void)
{
	static const struct canio_filter flt = { .id = 0x200, .mask = 0x7FF };
	struct canio_frame f;
	struct peer p;
	char buf[64];

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	peer_write(&p, "t1000\rt2000\rt3000\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x100);
	/* frames already read but not yet returned are filtered too */
	CU_ASSERT_EQUAL(canio_set_filters(p.c, &flt, 1), 0);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	CU_ASSERT_EQUAL(f.id, 0x200);
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 50), 0);
	peer_close(&p);
}

/* Every byte the master can read now, fed to @ps; returns frames seen. */
static unsigned int drain_frames(struct peer *p, struct slcan_parser *ps)
{
	static uint8_t buf[65536];
	unsigned int frames = 0;
	ssize_t n;

	while ((n = read(p->m, buf, sizeof(buf))) > 0)
		frames += (unsigned int)slcan_feed(ps, buf, (size_t)n, NULL, NULL);
	return frames;
}

static void test_tx_full(void)
{
	struct slcan_parser ps;
	struct canio_frame f, dummy;
	struct peer p;
	unsigned int sent = 0, refused = 0, seen = 0, i;
	char buf[64];
	int r = 0;

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	slcan_parser_init(&ps);
	memset(&f, 0, sizeof(f));
	f.len = 8;
	f.ext = true;
	/* the peer does not read: the pty fills, then our buffer */
	for (i = 0; i < 200000; i++) {
		f.id = i;
		r = canio_send(p.c, &f);
		if (r == 0)
			sent++;
		else
			break;
	}
	CU_ASSERT_EQUAL(r, -EAGAIN);
	CU_ASSERT_TRUE(sent > 4096 / 27);
	for (i = 0; i < 10; i++)
		if (canio_send(p.c, &f) == -EAGAIN)
			refused++;
	CU_ASSERT_EQUAL(refused, 10);
	CU_ASSERT_EQUAL(canio_stats(p.c)->tx_dropped, 11);
	CU_ASSERT_EQUAL(canio_stats(p.c)->tx_frames, sent);

	/* the peer drains; canio_recv flushes the rest; nothing is cut */
	for (i = 0; i < 1000 && seen < sent; i++) {
		struct pollfd pfd = { .fd = p.m, .events = POLLIN };

		poll(&pfd, 1, 10);
		seen += drain_frames(&p, &ps);
		CU_ASSERT_EQUAL(canio_recv(p.c, &dummy), 0);
	}
	CU_ASSERT_EQUAL(seen, sent);
	CU_ASSERT_EQUAL(ps.malformed, 0);
	CU_ASSERT_EQUAL(ps.len, 0);

	/* and sending works again */
	CU_ASSERT_EQUAL(canio_send(p.c, &f), 0);
	CU_ASSERT_EQUAL(peer_read(&p, buf, sizeof(buf), 50), 27);
	peer_close(&p);
}

static void test_peer_gone(void)
{
	struct canio_frame f;
	struct peer p;
	char buf[64];

	CU_ASSERT_FATAL(peer_open(&p, 0));
	peer_read(&p, buf, sizeof(buf), 20);
	peer_write(&p, "t1230\r");
	CU_ASSERT_EQUAL(recv_wait(p.c, &f, 1000), 1);
	close(p.m);
	p.m = -1;
	CU_ASSERT_TRUE(canio_recv(p.c, &f) < 0);
	CU_ASSERT_TRUE(canio_send(p.c, &f) < 0);
	peer_close(&p);
}

static void test_not_a_tty(void)
{
	struct canio_frame f;
	struct canio *c = NULL;

	/* /dev/null: writes vanish, reads end at once, which is EOF */
	CU_ASSERT_EQUAL_FATAL(canio_open("slcan:/dev/null", 125000, &c), 0);
	memset(&f, 0, sizeof(f));
	CU_ASSERT_EQUAL(canio_send(c, &f), 0);
	CU_ASSERT_EQUAL(canio_recv(c, &f), -EPIPE);
	canio_close(c);
}

/* slcan-listen: a UNIX socket that one peer at a time reaches with slcan:
 * frames both ways, nothing pending without a peer, the next peer after a
 * hang-up, and the socket's path removed at close */
static void test_listen_socket(void)
{
	char dir[] = "/tmp/test_canio.XXXXXX", path[64], uri[80];
	struct canio_frame f = { .id = 0x123, .len = 1, .data = { 0x5A } }, g;
	struct canio *l = NULL, *c = NULL;
	int before = count_fds();

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bridge", dir);
	snprintf(uri, sizeof(uri), "slcan-listen:%s", path);
	CU_ASSERT_EQUAL_FATAL(canio_open(uri, 0, &l), 0);
	CU_ASSERT_STRING_EQUAL(canio_backend(l), "slcan-listen");
	CU_ASSERT_EQUAL(canio_recv(l, &g), 0);
	CU_ASSERT_EQUAL(canio_send(l, &f), 0); /* nobody on the wire: gone */

	for (int round = 0; round < 2; round++) {
		snprintf(uri, sizeof(uri), "slcan:%s", path);
		CU_ASSERT_EQUAL_FATAL(canio_open(uri, 500000, &c), 0);
		f.id = 0x123;
		CU_ASSERT_EQUAL(canio_send(c, &f), 0);
		CU_ASSERT_EQUAL(recv_wait(l, &g, 1000), 1);
		CU_ASSERT_EQUAL(g.id, 0x123);
		CU_ASSERT_EQUAL(g.data[0], 0x5A);
		f.id = 0x456;
		CU_ASSERT_EQUAL(canio_send(l, &f), 0);
		CU_ASSERT_EQUAL(recv_wait(c, &g, 1000), 1);
		CU_ASSERT_EQUAL(g.id, 0x456);
		canio_close(c);
		/* the listening end waits for the next peer, not an error */
		CU_ASSERT_EQUAL(recv_wait(l, &g, 50), 0);
	}
	canio_close(l);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	CU_ASSERT_EQUAL(count_fds(), before);
	rmdir(dir);
}

static void test_no_leak(void)
{
	int before = count_fds();
	struct peer p;
	int i;

	for (i = 0; i < 20; i++) {
		CU_ASSERT_FATAL(peer_open(&p, 1000000));
		peer_close(&p);
	}
	CU_ASSERT_EQUAL(count_fds(), before);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_uri_errors),
		CU_TEST(test_socketcan_open),
		CU_TEST(test_startup_commands),
		CU_TEST(test_frames_from_peer),
		CU_TEST(test_frame_split),
		CU_TEST(test_commands_acked),
		CU_TEST(test_send_lines),
		CU_TEST(test_malformed_stats),
		CU_TEST(test_burst),
		CU_TEST(test_burst_single_write),
		CU_TEST(test_filters),
		CU_TEST(test_filters_queued),
		CU_TEST(test_tx_full),
		CU_TEST(test_peer_gone),
		CU_TEST(test_not_a_tty),
		CU_TEST(test_listen_socket),
		CU_TEST(test_no_leak),
		CU_END,
	};

	cu_add("canio", tests);
}
