/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cu.h"
#include "loop.h"

struct ctx {
	struct loop *l;
	int reads, ticks, other_fd;
	uint64_t exp;
	char last;
};

static void on_read(int fd, uint32_t ev, void *arg)
{
	struct ctx *c = arg;
	char b;

	if (read(fd, &b, 1) == 1) {
		c->reads++;
		c->last = b;
	}
	if (c->reads == 3)
		loop_quit(c->l);
}

static void test_fd_dispatch(void)
{
	struct ctx c = { 0 };
	int p[2];

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&c.l), 0);
	CU_ASSERT_EQUAL(loop_add_fd(c.l, p[0], EPOLLIN, on_read, &c), 0);
	CU_ASSERT_EQUAL(loop_add_fd(c.l, p[0], EPOLLIN, on_read, &c), -EEXIST);
	CU_ASSERT_EQUAL(loop_add_fd(c.l, -1, EPOLLIN, on_read, &c), -EINVAL);
	CU_ASSERT_EQUAL(write(p[1], "abc", 3), 3);
	CU_ASSERT_EQUAL(loop_run(c.l), 0);
	CU_ASSERT_EQUAL(c.reads, 3);
	CU_ASSERT_EQUAL(c.last, 'c');
	CU_ASSERT(loop_rounds(c.l) >= 3);
	loop_free(c.l);
	close(p[0]);
	close(p[1]);
}

static void on_tick(void *arg, uint64_t n)
{
	struct ctx *c = arg;

	c->ticks++;
	c->exp += n;
	if (c->ticks == 5)
		loop_quit(c->l);
}

static void test_timer(void)
{
	struct ctx c = { 0 };
	uint64_t t0;
	int id;

	CU_ASSERT_EQUAL_FATAL(loop_new(&c.l), 0);
	CU_ASSERT_EQUAL(loop_add_timer(c.l, 0, on_tick, &c), -EINVAL);
	/* the time before the timer is armed: five callbacks take at least
	 * five expirations, 50 ms after arming, however late this process
	 * runs (a late start only folds expirations into one callback) */
	t0 = loop_now_ms();
	id = loop_add_timer(c.l, 10, on_tick, &c);
	CU_ASSERT(id >= 0);
	CU_ASSERT_EQUAL(loop_run(c.l), 0);
	CU_ASSERT_EQUAL(c.ticks, 5);
	CU_ASSERT(c.exp >= 5);
	CU_ASSERT(loop_now_ms() - t0 >= 45);
	loop_del_timer(c.l, id);
	loop_del_timer(c.l, id); /* twice is harmless */
	loop_del_timer(c.l, 99);
	loop_free(c.l);
}

/* A handler that removes another ready descriptor: the removed one must
 * not be dispatched in the same round. */
static void on_remove_other(int fd, uint32_t ev, void *arg)
{
	struct ctx *c = arg;
	char b;

	if (read(fd, &b, 1) == 1)
		c->reads++;
	loop_del_fd(c->l, c->other_fd);
	loop_del_fd(c->l, fd);
	loop_quit(c->l);
}

static void on_never(int fd, uint32_t ev, void *arg)
{
	struct ctx *c = arg;

	c->ticks += 100;
}

static void test_delete_in_handler(void)
{
	struct ctx c = { 0 };
	int a[2], b[2];

	CU_ASSERT_EQUAL_FATAL(pipe(a), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(b), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&c.l), 0);
	/* whichever fires first removes both */
	c.other_fd = b[0];
	CU_ASSERT_EQUAL(loop_add_fd(c.l, a[0], EPOLLIN, on_remove_other, &c), 0);
	CU_ASSERT_EQUAL(loop_add_fd(c.l, b[0], EPOLLIN, on_never, &c), 0);
	CU_ASSERT_EQUAL(write(b[1], "y", 1), 1);
	CU_ASSERT_EQUAL(write(a[1], "x", 1), 1);
	/* remove-and-re-add in the same slot must not inherit stale events */
	CU_ASSERT_EQUAL(loop_run(c.l), 0);
	CU_ASSERT(c.ticks == 0 || c.ticks == 100);
	CU_ASSERT(c.reads <= 1);
	CU_ASSERT_EQUAL(loop_mod_fd(c.l, a[0], EPOLLIN), -ENOENT);
	loop_free(c.l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_mod_and_limits(void)
{
	struct ctx c = { 0 };
	int p[2], n = 0, rc = 0;
	int fds[80];

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL_FATAL(loop_new(&c.l), 0);
	CU_ASSERT_EQUAL(loop_add_fd(c.l, p[1], EPOLLIN, on_read, &c), 0);
	CU_ASSERT_EQUAL(loop_mod_fd(c.l, p[1], EPOLLOUT), 0);
	loop_del_fd(c.l, p[1]);
	/* the table is fixed: registration fails cleanly when it is full */
	for (n = 0; n < 80; n++) {
		fds[n] = dup(p[0]);
		rc = loop_add_fd(c.l, fds[n], EPOLLIN, on_read, &c);
		if (rc < 0)
			break;
	}
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT_EQUAL(n, 64);
	for (int i = 0; i <= n && i < 80; i++)
		close(fds[i]);
	loop_free(c.l);
	close(p[0]);
	close(p[1]);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_fd_dispatch),
		CU_TEST(test_timer),
		CU_TEST(test_delete_in_handler),
		CU_TEST(test_mod_and_limits),
		CU_END,
	};

	cu_add("loop", tests);
}
