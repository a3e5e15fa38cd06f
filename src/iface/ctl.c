/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl.h"
#include "ctl_sock.h"
#include "loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_NAME_MAX 32
#define ACCEPTS_PER_EVENT 16

enum cstate {
	C_FREE = 0,
	C_READ,         /* collecting the request line */
	C_REPLY,        /* flushing the reply, then close */
	C_WATCH,        /* subscribed: updates on every tick */
};

struct client {
	struct ctl *ctl;
	int fd;
	enum cstate st;
	bool pollout;           /* EPOLLOUT is being watched */
	bool rd_eof;            /* the peer sends no more: stop watching EPOLLIN */
	uint64_t deadline_ms;   /* C_READ, C_REPLY: drop after this */
	size_t in_len;
	int argc;
	char *argv[CTL_MAX_ARGS + 1];
	char in[CTL_REQ_MAX + 1];
	size_t out_off, out_len;
	char out[CTL_OUT_MAX];
};

struct ctl_reply {
	struct client *cl;
	size_t start;           /* out_len when the reply began */
	bool bol;               /* the next byte starts a line */
	bool overflow;
	bool has_err;
	char err[CTL_ERR_MAX];
};

struct ctl_cmd {
	char name[CTL_NAME_MAX + 1];
	ctl_cmd_fn fn;
	void *arg;
};

struct ctl {
	struct loop *loop;
	int lfd;
	bool listening;         /* EPOLLIN on lfd; off while out of descriptors */
	int timer;
	uint32_t timeout_ms;
	dev_t dev;              /* of the socket file we created */
	ino_t ino;
	unsigned int ncmds;
	struct ctl_cmd cmds[CTL_MAX_CMDS];
	ctl_cmd_fn watch_fn;
	void *watch_arg;
	struct ctl_stats stats;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client cl[CTL_MAX_CLIENTS];
};

/* ---- client lifetime and output ---- */

/* A slot's state for a new connection @fd (or a free slot, -1). */
static void client_reset(struct client *cl, int fd, enum cstate st)
{
	cl->fd = fd;
	cl->st = st;
	cl->pollout = false;
	cl->rd_eof = false;
	cl->in_len = 0;
	cl->out_off = 0;
	cl->out_len = 0;
	cl->argc = 0;
}

static void client_close(struct client *cl)
{
	struct ctl *c = cl->ctl;
	char sink[512];
	int i;

	loop_del_fd(c->loop, cl->fd);
	/* Unread input would turn the peer's end-of-file into ECONNRESET. */
	for (i = 0; i < 64; i++)
		if (recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	close(cl->fd);
	client_reset(cl, -1, C_FREE);
}

static void client_drop(struct client *cl)
{
	cl->ctl->stats.dropped++;
	client_close(cl);
}

static void set_events(struct client *cl, bool pollout, bool rd_eof)
{
	uint32_t ev = (rd_eof ? 0 : EPOLLIN) | (pollout ? EPOLLOUT : 0);

	if (cl->pollout == pollout && cl->rd_eof == rd_eof)
		return;
	if (loop_mod_fd(cl->ctl->loop, cl->fd, ev) == 0) {
		cl->pollout = pollout;
		cl->rd_eof = rd_eof;
	}
}

static void want_out(struct client *cl, bool on)
{
	set_events(cl, on, cl->rd_eof);
}

/* Returns false when the client is gone. */
static bool client_flush(struct client *cl)
{
	while (cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				want_out(cl, true);
				return true;
			}
			client_close(cl);
			return false;
		}
		cl->out_off += (size_t)n;
		cl->out_len -= (size_t)n;
	}
	cl->out_off = 0;
	want_out(cl, false);
	if (cl->st == C_REPLY) {
		client_close(cl);
		return false;
	}
	return true;
}

/* Unsent bytes move to the front, so a reply is contiguous from its start. */
static void out_compact(struct client *cl)
{
	if (cl->out_off && cl->out_len)
		memmove(cl->out, cl->out + cl->out_off, cl->out_len);
	cl->out_off = 0;
}

static bool out_put(struct client *cl, const char *s, size_t n)
{
	if (n > CTL_OUT_MAX - cl->out_len)
		return false;
	memcpy(cl->out + cl->out_len, s, n);
	cl->out_len += n;
	return true;
}

/* ---- replies ---- */

static void reply_begin(struct ctl_reply *r, struct client *cl)
{
	out_compact(cl);
	r->cl = cl;
	r->start = cl->out_len;
	r->bol = true;
	r->overflow = false;
	r->has_err = false;
	r->err[0] = '\0';
}

int ctl_printf(struct ctl_reply *r, const char *fmt, ...)
{
	struct client *cl = r->cl;
	size_t avail, i, n;
	char *p;
	va_list ap;
	int len;

	if (r->overflow)
		return -ENOBUFS;
	avail = CTL_OUT_MAX - cl->out_len;
	p = cl->out + cl->out_len;
	va_start(ap, fmt);
	len = vsnprintf(p, avail, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	n = (size_t)len;
	/* vsnprintf needs room for its NUL too */
	if (n >= avail) {
		r->overflow = true;
		return -ENOBUFS;
	}
	for (i = 0; i < n; i++) {
		if (r->bol && (p[i] == '.' || p[i] == '!')) {
			if (n + 1 >= avail) {
				r->overflow = true;
				return -ENOBUFS;
			}
			memmove(p + i + 1, p + i, n - i);
			p[i] = ' ';
			n++;
			i++;
		}
		r->bol = p[i] == '\n';
	}
	cl->out_len += n;
	return 0;
}

static void err_vset(struct ctl_reply *r, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void err_vset(struct ctl_reply *r, const char *fmt, va_list ap)
{
	char *s;

	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	for (s = r->err; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	r->has_err = true;
}

int ctl_error(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(r, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Terminate the reply; returns false when the client was dropped. */
static bool reply_end(struct ctl_reply *r, int rc)
{
	struct client *cl = r->cl;
	bool ok;

	if (r->overflow) {
		cl->ctl->stats.overflows++;
		client_drop(cl);
		return false;
	}
	if (rc < 0) {
		const char *msg = r->has_err && r->err[0] ? r->err : strerror(-rc);

		cl->out_len = r->start;
		ok = out_put(cl, "! ", 2) && out_put(cl, msg, strlen(msg)) && out_put(cl, "\n", 1);
	} else {
		ok = (r->bol || out_put(cl, "\n", 1)) && out_put(cl, ".\n", 2);
	}
	if (!ok) {
		cl->ctl->stats.overflows++;
		client_drop(cl);
		return false;
	}
	return true;
}

/* A reply that is not produced by a handler: one line and a terminator. */
static void client_answer(struct client *cl, const char *line)
{
	struct ctl_reply r;

	reply_begin(&r, cl);
	cl->st = C_REPLY;
	cl->deadline_ms = loop_now_ms() + cl->ctl->timeout_ms;
	out_put(cl, line, strlen(line));
	out_put(cl, "\n", 1);
	client_flush(cl);
}

/* ---- requests ---- */

static bool req_byte_ok(unsigned char ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\r';
}

/* Split the line in place into single-space separated words. */
static bool req_split(struct client *cl, size_t len)
{
	char *s = cl->in, *end = cl->in + len;

	if (len && end[-1] == '\r')
		*--end = '\0';
	*end = '\0';
	cl->argc = 0;
	if (s == end)
		return false;
	for (;;) {
		char *sp = memchr(s, ' ', (size_t)(end - s));

		if (cl->argc == CTL_MAX_ARGS)
			return false;
		if (sp == s)
			return false;           /* empty word: double, leading space */
		cl->argv[cl->argc++] = s;
		if (!sp)
			break;
		*sp = '\0';
		s = sp + 1;
		if (s == end)
			return false;           /* trailing space */
	}
	for (int i = 0; i < cl->argc; i++)
		if (strchr(cl->argv[i], '\r'))
			return false;
	cl->argv[cl->argc] = NULL;
	return true;
}

static int help_cmd(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct ctl *c = arg;

	ctl_printf(r, "help\n");
	for (unsigned int i = 0; i < c->ncmds; i++)
		ctl_printf(r, "%s\n", c->cmds[i].name);
	if (c->watch_fn)
		ctl_printf(r, "watch\n");
	return 0;
}

static void bad_request(struct client *cl)
{
	cl->ctl->stats.bad_requests++;
	client_answer(cl, "! bad request");
}

static void watch_update(struct client *cl)
{
	struct ctl *c = cl->ctl;
	struct ctl_reply r;
	int rc;

	reply_begin(&r, cl);
	rc = c->watch_fn(&r, cl->argc, cl->argv, c->watch_arg);
	if (!reply_end(&r, rc))
		return;
	if (rc < 0) {
		cl->st = C_REPLY;
		cl->deadline_ms = loop_now_ms() + c->timeout_ms;
	}
	client_flush(cl);
}

static void dispatch(struct client *cl)
{
	struct ctl *c = cl->ctl;
	const char *name = cl->argv[0];
	struct ctl_reply r;
	ctl_cmd_fn fn = NULL;
	void *arg = NULL;
	char line[CTL_ERR_MAX];
	int rc;

	c->stats.served++;
	if (c->watch_fn && strcmp(name, "watch") == 0) {
		cl->st = C_WATCH;
		watch_update(cl);
		return;
	}
	if (strcmp(name, "help") == 0) {
		fn = help_cmd;
		arg = c;
	}
	for (unsigned int i = 0; !fn && i < c->ncmds; i++) {
		if (strcmp(c->cmds[i].name, name) == 0) {
			fn = c->cmds[i].fn;
			arg = c->cmds[i].arg;
		}
	}
	if (!fn) {
		snprintf(line, sizeof(line), "! unknown command '%.*s'; try 'help'",
			 CTL_NAME_MAX, name);
		client_answer(cl, line);
		return;
	}
	reply_begin(&r, cl);
	cl->st = C_REPLY;
	cl->deadline_ms = loop_now_ms() + c->timeout_ms;
	rc = fn(&r, cl->argc, cl->argv, arg);
	if (reply_end(&r, rc))
		client_flush(cl);
}

static void client_read(struct client *cl)
{
	for (;;) {
		size_t room = CTL_REQ_MAX - cl->in_len;
		ssize_t n;
		char *nl;

		if (room == 0) {
			bad_request(cl);        /* no "\n" within CTL_REQ_MAX bytes */
			return;
		}
		n = recv(cl->fd, cl->in + cl->in_len, room, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(cl);
			return;
		}
		if (n == 0) {
			/* the peer stopped sending: an unfinished line is bad */
			if (cl->in_len)
				bad_request(cl);
			else
				client_close(cl);
			return;
		}
		nl = memchr(cl->in + cl->in_len, '\n', (size_t)n);
		for (char *p = cl->in + cl->in_len; p < (nl ? nl : cl->in + cl->in_len + n); p++) {
			if (!req_byte_ok((unsigned char)*p)) {
				bad_request(cl);
				return;
			}
		}
		cl->in_len += (size_t)n;
		if (nl) {
			if (!req_split(cl, (size_t)(nl - cl->in)))
				bad_request(cl);
			else
				dispatch(cl);
			return;
		}
	}
}

/* Input after the request is ignored. A peer that only shut down its
 * sending side still gets its reply or its updates; one that is gone
 * shows up as EPOLLHUP or as an error on send. */
static void client_discard(struct client *cl)
{
	char sink[512];
	ssize_t n;

	for (int i = 0; i < 64; i++) {
		n = recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			set_events(cl, cl->pollout, true);
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			client_close(cl);
		return;
	}
}

static void client_event(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;

	if (cl->st == C_FREE || cl->fd != fd)
		return;
	if (cl->st == C_READ) {
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			client_read(cl);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR)) {
		client_close(cl);
		return;
	}
	if ((events & EPOLLOUT) && !client_flush(cl))
		return;
	if (events & EPOLLIN)
		client_discard(cl);
}

/* ---- listening socket ---- */

static void listen_enable(struct ctl *c, bool on)
{
	if (c->listening == on)
		return;
	if (loop_mod_fd(c->loop, c->lfd, on ? EPOLLIN : 0) == 0)
		c->listening = on;
}

static void turn_away(int fd)
{
	static const char busy[] = "! busy\n";
	ssize_t n;

	/* a fresh socket's buffer is empty: this cannot block or be partial */
	n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	close(fd);
}

static void accept_event(int fd, uint32_t events, void *arg)
{
	struct ctl *c = arg;

	for (int k = 0; k < ACCEPTS_PER_EVENT; k++) {
		struct client *cl = NULL;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of descriptors or memory: the pending connection
			 * would wake us forever; retry from the next sweep. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				listen_enable(c, false);
			return;
		}
		for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
			if (c->cl[i].st == C_FREE) {
				cl = &c->cl[i];
				break;
			}
		}
		if (!cl || loop_add_fd(c->loop, cfd, EPOLLIN, client_event, cl) < 0) {
			c->stats.busy++;
			turn_away(cfd);
			continue;
		}
		client_reset(cl, cfd, C_READ);
		cl->deadline_ms = loop_now_ms() + c->timeout_ms;
		c->stats.accepted++;
	}
}

static void sweep(void *arg, uint64_t expirations)
{
	struct ctl *c = arg;
	uint64_t now = loop_now_ms();

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if ((cl->st == C_READ || cl->st == C_REPLY) && now >= cl->deadline_ms) {
			c->stats.timeouts++;
			client_drop(cl);
		}
	}
	listen_enable(c, true);
}

static int sweep_start(struct ctl *c)
{
	uint32_t period = c->timeout_ms / 4;

	if (period > 1000)
		period = 1000;
	if (period < 10)
		period = 10;
	if (c->timer >= 0)
		loop_del_timer(c->loop, c->timer);
	c->timer = loop_add_timer(c->loop, period, sweep, c);
	return c->timer < 0 ? c->timer : 0;
}

int ctl_open(struct ctl **out, struct loop *l, const char *path, const char *group,
	     char *err, size_t errlen)
{
	struct ctl_sock k;
	struct ctl *c;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = ctl_sock_init(&k, path, group, err, errlen);
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ctl_sock_err(err, errlen, "control socket %s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	c->loop = l;
	c->timer = -1;
	c->timeout_ms = CTL_REQ_TIMEOUT_MS;
	memcpy(c->path, path, strlen(path) + 1);
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		c->cl[i].ctl = c;
		c->cl[i].fd = -1;
	}
	rc = ctl_sock_listen(&k, CTL_MAX_CLIENTS, err, errlen);
	if (rc < 0)
		goto err_free;
	c->lfd = k.fd;
	c->dev = k.dev;
	c->ino = k.ino;
	rc = loop_add_fd(l, c->lfd, EPOLLIN, accept_event, c);
	if (rc < 0) {
		ctl_sock_err(err, errlen, "control socket %s: %s", path, strerror(-rc));
		goto err_unlink;
	}
	c->listening = true;
	rc = sweep_start(c);
	if (rc < 0) {
		ctl_sock_err(err, errlen, "control socket %s: timer: %s", path, strerror(-rc));
		goto err_del;
	}
	*out = c;
	return 0;

err_del:
	loop_del_fd(l, c->lfd);
err_unlink:
	unlink(path);
	close(c->lfd);
err_free:
	free(c);
	return rc;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].st != C_FREE)
			client_close(&c->cl[i]);
	if (c->timer >= 0)
		loop_del_timer(c->loop, c->timer);
	loop_del_fd(c->loop, c->lfd);
	close(c->lfd);
	ctl_sock_remove(c->path, c->dev, c->ino);
	free(c);
}

static bool name_ok(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (; name[n]; n++)
		if ((unsigned char)name[n] <= 0x20 || (unsigned char)name[n] >= 0x7f)
			return false;
	return n > 0 && n <= CTL_NAME_MAX;
}

int ctl_register(struct ctl *c, const char *name, ctl_cmd_fn fn, void *arg)
{
	if (!name_ok(name) || !fn)
		return -EINVAL;
	if (strcmp(name, "help") == 0 || (c->watch_fn && strcmp(name, "watch") == 0))
		return -EEXIST;
	for (unsigned int i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].name, name) == 0)
			return -EEXIST;
	if (c->ncmds == CTL_MAX_CMDS)
		return -ENOSPC;
	memcpy(c->cmds[c->ncmds].name, name, strlen(name) + 1);
	c->cmds[c->ncmds].fn = fn;
	c->cmds[c->ncmds].arg = arg;
	c->ncmds++;
	return 0;
}

int ctl_register_watch(struct ctl *c, ctl_cmd_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	if (c->watch_fn)
		return -EEXIST;
	for (unsigned int i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].name, "watch") == 0)
			return -EEXIST;
	c->watch_fn = fn;
	c->watch_arg = arg;
	return 0;
}

void ctl_watch_tick(struct ctl *c)
{
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].st == C_WATCH)
			watch_update(&c->cl[i]);
}

int ctl_set_timeout(struct ctl *c, uint32_t timeout_ms)
{
	if (timeout_ms == 0)
		return -EINVAL;
	c->timeout_ms = timeout_ms;
	return sweep_start(c);
}

unsigned int ctl_clients(const struct ctl *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		n += c->cl[i].st != C_FREE;
	return n;
}

unsigned int ctl_watchers(const struct ctl *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		n += c->cl[i].st == C_WATCH;
	return n;
}

const struct ctl_stats *ctl_stats(const struct ctl *c)
{
	return &c->stats;
}

const char *ctl_path(const struct ctl *c)
{
	return c->path;
}
