/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Modbus interface against a fake host: a real Modbus-TCP server on the
 * loopback, a client thread that speaks raw MBAP to it, and a host that
 * records what the interface asked of it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cfg.h"
#include "cu.h"
#include "fixture.h"
#include "events.h"
#include "loop.h"
#include "modbus_if.h"

/* ---- the fake host ------------------------------------------------------ */

struct fake {
	unsigned int events, resets, connects, outputs;
	unsigned int code[16];
	int prio[16];
	char text[16][256];
	char who[64];
	bool last_connect;
	int rc;            /* what reset and connect answer */
	const char *why;   /* and why, when refused */
};

static struct fake fk;

static void f_event(void *arg, unsigned int code, int prio, const char *text)
{
	struct fake *f = arg;

	if (f->events < 16) {
		f->code[f->events] = code;
		f->prio[f->events] = prio;
		snprintf(f->text[f->events], sizeof(f->text[0]), "%s", text);
	}
	f->events++;
}

static void f_output(void *arg, enum host_output which, bool on)
{
	struct fake *f = arg;

	(void)which;
	(void)on;
	f->outputs++;
}

static int refuse_or_not(struct fake *f, const char *who, char *why, size_t n)
{
	snprintf(f->who, sizeof(f->who), "%s", who);
	if (f->rc < 0 && f->why)
		snprintf(why, n, "%s", f->why);
	return f->rc;
}

static int f_reset(void *arg, const char *who, char *why, size_t n)
{
	struct fake *f = arg;

	f->resets++;
	return refuse_or_not(f, who, why, n);
}

static int f_connect(void *arg, bool connect, const char *who, char *why, size_t n)
{
	struct fake *f = arg;

	f->connects++;
	f->last_connect = connect;
	return refuse_or_not(f, who, why, n);
}

static const struct host host = { .arg = &fk, .event = f_event, .set_output = f_output,
				  .reset = f_reset, .connect = f_connect };

/* ---- a configuration with Modbus-TCP on a free loopback port ----------- */

static struct cfg c;
static uint16_t port;

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int parse(bool tcp, bool write_enable)
{
	char extra[256];
	struct cfg_error e;

	snprintf(extra, sizeof(extra),
		 "modbus:\n  write_enable: %s\n"
		 "  tcp:\n    enable: %s\n    address: 127.0.0.1\n    port: %u\n",
		 write_enable ? "true" : "false", tcp ? "true" : "false", port);
	return parse_plus(extra, &c, &e);
}

/* ---- a client thread, while the loop runs in the test's thread --------- */

struct exchange {
	uint8_t req[260];
	size_t req_len;
	uint8_t rsp[260];
	ssize_t rsp_len;
	int err;          /* errno of connect, 0 if it connected */
	struct loop *loop;
	atomic_bool done;
};

static void *client(void *arg)
{
	struct exchange *x = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	x->rsp_len = -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		x->err = errno;
	} else if (write(fd, x->req, x->req_len) == (ssize_t)x->req_len) {
		x->rsp_len = read(fd, x->rsp, sizeof(x->rsp));
	}
	close(fd);
	atomic_store(&x->done, true);
	return NULL;
}

static void on_poll(void *arg, uint64_t n)
{
	struct exchange *x = arg;

	(void)n;
	if (atomic_load(&x->done))
		loop_quit(x->loop);
}

static uint64_t deadline_ms;

static void on_deadline(void *arg, uint64_t n)
{
	struct exchange *x = arg;

	(void)n;
	if (loop_now_ms() >= deadline_ms)
		loop_quit(x->loop);
}

/* Send one MBAP request (unit 32) with @pdu, serve until the answer is in;
 * returns the answer's PDU length (0: none) and copies it to @rsp. */
static size_t ask(struct loop *l, const uint8_t *pdu, size_t n, uint8_t *rsp, int *err)
{
	static uint16_t tid = 1;
	struct exchange x = { .loop = l };
	pthread_t th;
	int t1, t2;

	x.req[0] = (uint8_t)(tid >> 8);
	x.req[1] = (uint8_t)tid++;
	x.req[2] = x.req[3] = 0;
	x.req[4] = (uint8_t)((n + 1) >> 8);
	x.req[5] = (uint8_t)(n + 1);
	x.req[6] = 32;
	memcpy(x.req + 7, pdu, n);
	x.req_len = 7 + n;
	deadline_ms = loop_now_ms() + 6000u;
	t1 = loop_add_timer(l, 2, on_poll, &x);
	t2 = loop_add_timer(l, 100, on_deadline, &x);
	CU_ASSERT_FATAL(t1 >= 0 && t2 >= 0);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, client, &x) == 0);
	loop_run(l);
	pthread_join(th, NULL);
	loop_del_timer(l, t1);
	loop_del_timer(l, t2);
	if (err)
		*err = x.err;
	if (x.rsp_len < 8)
		return 0;
	memcpy(rsp, x.rsp + 7, (size_t)x.rsp_len - 7);
	return (size_t)x.rsp_len - 7;
}

static size_t write1(struct loop *l, uint16_t addr, uint16_t val, uint8_t *rsp)
{
	uint8_t pdu[5] = { 6, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(val >> 8),
			   (uint8_t)val };

	return ask(l, pdu, sizeof(pdu), rsp, NULL);
}

static uint16_t read1(struct loop *l, uint16_t addr)
{
	uint8_t pdu[5] = { 3, (uint8_t)(addr >> 8), (uint8_t)addr, 0, 1 }, rsp[260];
	size_t n = ask(l, pdu, sizeof(pdu), rsp, NULL);

	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(rsp[0], 3);
	return (uint16_t)(rsp[2] << 8 | rsp[3]);
}

#define ALMRST 40090u
#define SETOP 40120u

static void test_serves_the_view(void)
{
	struct loop *l;
	struct modbus_if *m = NULL;
	struct view v;
	uint8_t rsp[260];

	memset(&fk, 0, sizeof(fk));
	memset(&v, 0, sizeof(v));
	port = free_port();
	CU_ASSERT_EQUAL_FATAL(parse(true, false), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	modbus_if_reconfigure(&m, &host, l, &c, &v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);

	/* the SunSpec marker at 40000, from the image */
	CU_ASSERT_EQUAL(read1(l, 40000), 0x5375); /* "Su" */
	CU_ASSERT_EQUAL(read1(l, 40001), 0x6e53); /* "nS" */
	/* the operator's disconnect as the view publishes it */
	v.disconnect_requested = true;
	modbus_if_publish(m, &v);
	CU_ASSERT_EQUAL(read1(l, SETOP), 2);
	v.disconnect_requested = false;
	modbus_if_publish(m, &v);
	CU_ASSERT_EQUAL(read1(l, SETOP), 1);

	/* writes are off: an exception, and the host is never asked */
	CU_ASSERT_EQUAL(write1(l, ALMRST, 1, rsp), 2);
	CU_ASSERT_EQUAL(rsp[0], 0x86);
	CU_ASSERT_EQUAL(fk.resets + fk.connects, 0);

	modbus_if_fini(&m);
	CU_ASSERT_PTR_NULL(m);
	loop_free(l);
}

static void test_writes_reach_the_host(void)
{
	struct loop *l;
	struct modbus_if *m = NULL;
	struct view v;
	uint8_t rsp[260];
	char want[128];

	memset(&fk, 0, sizeof(fk));
	memset(&v, 0, sizeof(v));
	port = free_port();
	CU_ASSERT_EQUAL_FATAL(parse(true, true), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	modbus_if_reconfigure(&m, &host, l, &c, &v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);

	/* AlmRst = 1: the host's reset, named by the client, and an event */
	CU_ASSERT_EQUAL(write1(l, ALMRST, 1, rsp), 5);
	CU_ASSERT_EQUAL(rsp[0], 6);
	CU_ASSERT_EQUAL(fk.resets, 1);
	CU_ASSERT_EQUAL(strncmp(fk.who, "Modbus-TCP 127.0.0.1:", 21), 0);
	CU_ASSERT_EQUAL_FATAL(fk.events, 1);
	CU_ASSERT_EQUAL(fk.code[0], EV_MODBUS_WRITE);
	snprintf(want, sizeof(want), "%s wrote AlmRst (register %u): fault reset", fk.who, ALMRST);
	CU_ASSERT_STRING_EQUAL(fk.text[0], want);

	/* SetOp = 2 refused by the host: an exception and the reason logged */
	fk.rc = -EPERM;
	fk.why = "a latch holds";
	CU_ASSERT_EQUAL(write1(l, SETOP, 2, rsp), 2);
	CU_ASSERT_EQUAL(rsp[0], 0x86);
	CU_ASSERT_EQUAL(rsp[1], 4); /* server device failure */
	CU_ASSERT_EQUAL(fk.connects, 1);
	CU_ASSERT_FALSE(fk.last_connect);
	CU_ASSERT_EQUAL_FATAL(fk.events, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(fk.text[1], "SetOp (register 40120): disconnect refused: "
					      "a latch holds"));

	/* SetOp = 1 accepted */
	fk.rc = 0;
	CU_ASSERT_EQUAL(write1(l, SETOP, 1, rsp), 5);
	CU_ASSERT_EQUAL(fk.connects, 2);
	CU_ASSERT_TRUE(fk.last_connect);

	/* a bad value: an exception before the host is asked */
	CU_ASSERT_EQUAL(write1(l, SETOP, 9, rsp), 2);
	CU_ASSERT_EQUAL(rsp[1], 3); /* illegal data value */
	CU_ASSERT_EQUAL(fk.connects, 2);

	modbus_if_fini(&m);
	loop_free(l);
}

static void test_reconfigure_closes(void)
{
	struct loop *l;
	struct modbus_if *m = NULL;
	struct view v;
	uint8_t pdu[5] = { 3, 0x9C, 0x40, 0, 1 }, rsp[260];
	int err = 0;

	memset(&fk, 0, sizeof(fk));
	memset(&v, 0, sizeof(v));
	port = free_port();
	CU_ASSERT_EQUAL_FATAL(parse(true, false), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	modbus_if_reconfigure(&m, &host, l, &c, &v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(ask(l, pdu, sizeof(pdu), rsp, &err), 4);

	/* a reload without any server closes the port and frees */
	CU_ASSERT_EQUAL_FATAL(parse(false, false), 0);
	modbus_if_reconfigure(&m, &host, l, &c, &v);
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_EQUAL(ask(l, pdu, sizeof(pdu), rsp, &err), 0);
	CU_ASSERT_EQUAL(err, ECONNREFUSED);
	/* unconfigured: nothing is opened, nothing is published */
	modbus_if_reconfigure(&m, &host, l, NULL, &v);
	CU_ASSERT_PTR_NULL(m);
	modbus_if_publish(m, &v);
	CU_ASSERT_EQUAL(fk.events, 0);
	loop_free(l);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_serves_the_view),
		CU_TEST(test_writes_reach_the_host),
		CU_TEST(test_reconfigure_closes),
		CU_END,
	};

	cu_add("modbus_if", tests);
}
