/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CAN1 and CAN2 against a fake host: each bus is slcan on a UNIX socket
 * that this test listens on, as the inverter and the display would be; the
 * loop runs for a while and the test reads what arrived and what the host
 * was told.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg.h"
#include "cu.h"
#include "fixture.h"
#include "events.h"
#include "can_if.h"
#include "loop.h"

/* ---- the fake host ------------------------------------------------------ */

struct fake {
	unsigned int events;
	unsigned int code[32];
	char text[32][256];
};

static struct fake fk;

static void f_event(void *arg, unsigned int code, int prio, const char *text)
{
	struct fake *f = arg;

	(void)prio;
	if (f->events < 32) {
		f->code[f->events] = code;
		snprintf(f->text[f->events], sizeof(f->text[0]), "%s", text);
	}
	f->events++;
}

static const struct host host = { .arg = &fk, .event = f_event };

static bool told(const char *part)
{
	for (unsigned int i = 0; i < fk.events && i < 32; i++)
		if (strstr(fk.text[i], part))
			return true;
	return false;
}

/* ---- the peers: a listening socket per bus ------------------------------ */

static char dir[64];

struct peer {
	char path[108];
	int lfd, fd;
	char rx[65536];
	size_t len;
};

static void peer_listen(struct peer *p, const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(p->path, sizeof(p->path), "%s/%s", dir, name);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", p->path);
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CU_ASSERT_FATAL(p->lfd >= 0);
	CU_ASSERT_FATAL(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(listen(p->lfd, 2) == 0);
	p->fd = -1;
	p->len = 0;
}

/* Take the bus's connection and what it sent so far. */
static void peer_read(struct peer *p)
{
	ssize_t n;

	if (p->fd < 0)
		p->fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK);
	if (p->fd < 0)
		return;
	while (p->len < sizeof(p->rx) - 1 &&
	       (n = read(p->fd, p->rx + p->len, sizeof(p->rx) - 1 - p->len)) > 0)
		p->len += (size_t)n;
	p->rx[p->len] = 0;
}

static void peer_close(struct peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	close(p->lfd);
	unlink(p->path);
}

/* How many slcan frames with standard identifier @id arrived. */
static unsigned int frames_of(const struct peer *p, unsigned int id)
{
	char want[8];
	unsigned int n = 0;

	snprintf(want, sizeof(want), "t%03X", id);
	for (const char *s = p->rx; (s = strstr(s, want)); s++)
		if (s == p->rx || s[-1] == '\r')
			n++;
	return n;
}

/* ---- the loop ----------------------------------------------------------- */

static struct can_if *xc;
static struct cfg c;
static struct peer p1, p2;
static uint64_t until_ms;
static struct loop *l;
static bool (*until)(void);

static void on_tick(void *arg, uint64_t n)
{
	(void)arg;
	(void)n;
	can_if_tick(xc, loop_now_ms());
	peer_read(&p1);
	peer_read(&p2);
	if (loop_now_ms() >= until_ms || (until && until()))
		loop_quit(l);
}

/* Run the loop with the 10 ms tick until @done (NULL: for @ms), or at most
 * @ms: on a busy host the wait is longer, never the verdict different. */
static void run(bool (*done)(void), uint32_t ms)
{
	int t;

	until = done;
	until_ms = loop_now_ms() + ms;
	t = loop_add_timer(l, 10, on_tick, NULL);
	CU_ASSERT_FATAL(t >= 0);
	loop_run(l);
	loop_del_timer(l, t);
}

static bool three_each(void)
{
	return frames_of(&p1, 0x351) >= 3 && frames_of(&p1, 0x359) >= 3 &&
	       frames_of(&p2, c.can2.base_id) >= 3;
}

static bool ka_lost(void)
{
	return told("is lost");
}

static bool ka_back(void)
{
	return told("is back");
}

static bool can2_failed(void)
{
	return told("CAN2 slcan:");
}

static bool can2_again(void)
{
	return told("open again") && frames_of(&p2, c.can2.base_id) >= 1;
}

static void parse(bool watch)
{
	char extra[512];
	struct cfg_error e;

	snprintf(extra, sizeof(extra),
		 "can1:\n  enable: true\n  interface: slcan:%s\n  profile: pylon\n"
		 "  period_ms: 100\n  keepalive_watch: %s\n  keepalive_timeout_ms: 300\n"
		 "can2:\n  enable: true\n  interface: slcan:%s\n  period_ms: 50\n",
		 p1.path, watch ? "true" : "false", p2.path);
	if (parse_plus(extra, &c, &e))
		fprintf(stderr, "\n%s\n", e.msg);
}

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	snprintf(dir, sizeof(dir), "/tmp/test_can_if.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	peer_listen(&p1, "can1");
	peer_listen(&p2, "can2");
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	xc = NULL;
}

static void teardown(void)
{
	can_if_fini(&xc);
	CU_ASSERT_PTR_NULL(xc);
	peer_close(&p1);
	peer_close(&p2);
	loop_free(l);
	rmdir(dir);
}

static void test_frames_from_the_view(void)
{
	struct view v;

	setup();
	parse(false);
	memset(&v, 0, sizeof(v));
	can_if_reconfigure(&xc, &host, l, &c, &v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xc);
	/* no publication yet: the buses open, and say nothing */
	run(NULL, 250);
	CU_ASSERT_EQUAL(frames_of(&p1, 0x351), 0);
	CU_ASSERT_EQUAL(frames_of(&p2, c.can2.base_id), 0);

	/* a view: pylon's limits and SOC on CAN1, the feed on CAN2 */
	v.gen = 1;
	v.configured = true;
	v.limits_valid = true;
	v.cvl_mV = 56000;
	v.ccl_mA = 100000;
	v.charge_allowed = true;
	run(three_each, 10000);
	CU_ASSERT_TRUE(three_each());
	/* CVL 56.0 V and CCL 100.0 A, little-endian 0.1 units: 0x0230, 0x03E8 */
	CU_ASSERT_PTR_NOT_NULL(strstr(p1.rx, "\rt3516" "3002" "E803"));
	CU_ASSERT_EQUAL(can_if_peer_alive(xc), -1); /* not watched */
	teardown();
}

static void test_keepalive_through_the_host(void)
{
	struct view v;
	const char ka[] = "t3050\r";

	setup();
	parse(true);
	memset(&v, 0, sizeof(v));
	can_if_reconfigure(&xc, &host, l, &c, &v);
	run(ka_lost, 10000);
	/* never seen within 300 ms: lost, said once */
	CU_ASSERT_EQUAL(can_if_peer_alive(xc), 0);
	CU_ASSERT_TRUE(told("keep-alive 0x305 is lost: none for 300 ms (never seen)"));
	CU_ASSERT_EQUAL(fk.code[0], EV_CAN_PEER);

	/* the inverter speaks: back, and said */
	CU_ASSERT_FATAL(p1.fd >= 0);
	CU_ASSERT_EQUAL(write(p1.fd, ka, strlen(ka)), (ssize_t)strlen(ka));
	run(ka_back, 10000);
	CU_ASSERT_EQUAL(can_if_peer_alive(xc), 1);
	CU_ASSERT_TRUE(told("keep-alive 0x305 is back"));
	teardown();
}

static void test_bus_lost(void)
{
	struct view v;
	unsigned int before;

	setup();
	parse(false);
	memset(&v, 0, sizeof(v));
	v.gen = 1;
	can_if_reconfigure(&xc, &host, l, &c, &v);
	run(three_each, 10000);
	CU_ASSERT(frames_of(&p2, c.can2.base_id) >= 3);

	/* the display goes away: CAN2 fails, is retried, and says so once */
	before = fk.events;
	peer_close(&p2);
	run(can2_failed, 10000);
	CU_ASSERT(fk.events > before);
	CU_ASSERT_TRUE(can2_failed());
	/* back: reopened by the next retry (every second), and said */
	peer_listen(&p2, "can2");
	run(can2_again, 10000);
	CU_ASSERT_TRUE(can2_again());

	teardown();
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_frames_from_the_view),
		CU_TEST(test_keepalive_through_the_host),
		CU_TEST(test_bus_lost),
		CU_END,
	};

	cu_add("can_if", tests);
}
