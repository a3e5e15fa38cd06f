/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "canio_impl.h"

/*
 * The bytes that can complete at most CANIO_RING frames: the shortest frame
 * line ("t1230\r") is 6 bytes, and the first frame may need only its '\r'.
 * Reading no more than this while the ring is empty means it never overflows.
 */
#define SL_READ_MAX (6 * (CANIO_RING - 1) + 1)

static bool frame_valid(const struct canio_frame *f)
{
	return f->len <= 8 && f->id <= (f->ext ? 0x1FFFFFFFu : 0x7FFu);
}

/* ---- slcan backend ---- */

/* slcan-listen: the peer hung up; wait for the next one. */
static void sl_peer_gone(struct canio *c)
{
	if (c->fd >= 0) {
		close(c->fd); /* leaves c->efd with it */
		c->fd = -1;
	}
	c->out_len = 0;
	c->ring_len = 0;
	slcan_parser_init(&c->parser);
}

/* slcan-listen: take a peer that is waiting to connect. A new peer takes
 * the place of the old one, as a node plugged into a bus segment would. */
static void sl_accept(struct canio *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	sl_peer_gone(c);
	c->sock = true;
	ev.data.fd = fd;
	if (epoll_ctl(c->efd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return;
	}
	c->fd = fd;
}

/* Write out as much of the output buffer as the tty takes now. */
static int sl_flush(struct canio *c)
{
	size_t done = 0;
	int rc = 0;

	if (c->fd < 0) {
		/* slcan-listen with no peer: nobody is on the bus to hear it */
		c->out_len = 0;
		return 0;
	}
	while (done < c->out_len) {
		ssize_t n = c->sock ? send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL)
				    : write(c->fd, c->out + done, c->out_len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				rc = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (rc < 0) {
		/* the link is gone: whatever is queued will never leave */
		c->out_len = 0;
		if (c->lfd >= 0) {
			sl_peer_gone(c);
			return 0;
		}
		return rc;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
	return 0;
}

/* Queue @n bytes as one unit, or nothing when they do not fit. */
static bool sl_queue(struct canio *c, const void *buf, size_t n)
{
	if (n > sizeof(c->out) - c->out_len)
		return false;
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
	return true;
}

static void sl_reply(struct canio *c, char cmd)
{
	const char *r;

	switch (cmd) {
	case 'V':
		r = "V1013\r";
		break;
	case 'v':
		r = "v1013\r";
		break;
	case 'N':
		r = "NA123\r";
		break;
	case 'F':
		r = "F00\r";
		break;
	default:
		r = "\r";
		break;
	}
	(void)sl_queue(c, r, strlen(r));
}

static void sl_item(const struct slcan_item *it, void *arg)
{
	struct canio *c = arg;

	switch (it->kind) {
	case SLCAN_FRAME:
		if (c->ring_len == CANIO_RING) {
			c->stats.rx_dropped++;
			return;
		}
		c->ring[(c->ring_head + c->ring_len) % CANIO_RING] = it->frame;
		c->ring_len++;
		break;
	case SLCAN_CMD:
		sl_reply(c, it->cmd);
		break;
	case SLCAN_ACK:
		break;
	}
}

static bool sl_pass(const struct canio *c, const struct canio_frame *f)
{
	unsigned int i;

	if (c->nfilters == 0)
		return true;
	if (f->ext)
		return false;
	for (i = 0; i < c->nfilters; i++)
		if (((f->id ^ c->filters[i].id) & c->filters[i].mask & 0x7FFu) == 0)
			return true;
	return false;
}

static int sl_recv(struct canio *c, struct canio_frame *f)
{
	uint8_t buf[SL_READ_MAX];
	int rc;

	if (c->lfd >= 0)
		sl_accept(c);
	rc = sl_flush(c);
	if (rc < 0)
		return rc;
	for (;;) {
		ssize_t n;

		while (c->ring_len) {
			const struct canio_frame *q = &c->ring[c->ring_head];

			c->ring_head = (c->ring_head + 1) % CANIO_RING;
			c->ring_len--;
			if (!sl_pass(c, q))
				continue;
			*f = *q;
			c->stats.rx_frames++;
			return 1;
		}
		if (c->fd < 0)
			return 0; /* slcan-listen, no peer yet */
		n = read(c->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EIO: a pty with nobody on the other side yet */
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EIO)
				return 0;
			if (c->lfd >= 0) {
				sl_peer_gone(c);
				return 0;
			}
			return -errno;
		}
		if (n == 0) {
			if (c->lfd >= 0) {
				sl_peer_gone(c);
				return 0;
			}
			return -EPIPE;
		}
		slcan_feed(&c->parser, buf, (size_t)n, sl_item, c);
		c->stats.rx_malformed = c->parser.malformed;
		rc = sl_flush(c);
		if (rc < 0)
			return rc;
	}
}

static int sl_send(struct canio *c, const struct canio_frame *f)
{
	char line[SLCAN_LINE_MAX];
	int len, rc;

	len = slcan_format(f, line, sizeof(line));
	if (len < 0)
		return len;
	rc = sl_flush(c);
	if (rc < 0)
		return rc;
	if (!sl_queue(c, line, (size_t)len)) {
		c->stats.tx_dropped++;
		return -EAGAIN;
	}
	c->stats.tx_frames++;
	return sl_flush(c);
}

static int sl_open(struct canio *c, const char *path, uint32_t bitrate)
{
	struct termios tio;
	uint32_t i;
	int rc;

	struct stat st;

	slcan_parser_init(&c->parser);
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* a stream socket of slcan-listen (bms-sim): connect to it */
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		strcpy(sa.sun_path, path);
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return -errno;
		c->sock = true;
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -errno;
	} else {
		c->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	}
	if (c->fd < 0)
		return -errno;
	if (isatty(c->fd) && tcgetattr(c->fd, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		/* a pty may refuse the speed; raw mode is what matters */
		(void)tcsetattr(c->fd, TCSANOW, &tio);
	}
	/* close, set the bitrate, open: what a USB-CAN adapter needs to start */
	sl_queue(c, "C\r", 2);
	for (i = 0; bitrate && i <= 8; i++)
		if (slcan_bitrate(i) == bitrate) {
			char cmd[4] = { 'S', (char)('0' + i), '\r', 0 };

			sl_queue(c, cmd, 3);
			break;
		}
	sl_queue(c, "O\r", 2);
	rc = sl_flush(c);
	return rc == -EIO ? 0 : rc;
}

static void sl_close(struct canio *c)
{
	/* best effort: take an adapter off the bus, as a host does on exit */
	(void)sl_queue(c, "C\r", 2);
	(void)sl_flush(c);
}

static int sl_set_filters(struct canio *c, const struct canio_filter *f, unsigned int n)
{
	/* user-space filtering in sl_pass() from c->filters */
	(void)c;
	(void)f;
	(void)n;
	return 0;
}

static const struct canio_ops sl_ops = {
	.name = "slcan",
	.open = sl_open,
	.close = sl_close,
	.recv = sl_recv,
	.send = sl_send,
	.set_filters = sl_set_filters,
};

/*
 * slcan-listen:PATH: slcan on a UNIX stream socket that this end creates
 * and that one peer at a time connects to with slcan:PATH. It stands in for
 * the wire in tests and the demo: unlike a pty, whose bytes the kernel hands
 * over from a worker thread that a busy host can starve for hundreds of
 * milliseconds, a socket delivers in the writer's own call.
 */
static int sl_listen_open(struct canio *c, const char *path, uint32_t bitrate)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };

	(void)bitrate;
	slcan_parser_init(&c->parser);
	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(c->lpath))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		return -errno;
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c->lfd, 4) < 0)
		return -errno;
	strcpy(c->lpath, path);
	c->efd = epoll_create1(EPOLL_CLOEXEC);
	if (c->efd < 0)
		return -errno;
	ev.data.fd = c->lfd;
	if (epoll_ctl(c->efd, EPOLL_CTL_ADD, c->lfd, &ev) < 0)
		return -errno;
	return 0;
}

static const struct canio_ops sl_listen_ops = {
	.name = "slcan-listen",
	.open = sl_listen_open,
	.close = sl_close,
	.recv = sl_recv,
	.send = sl_send,
	.set_filters = sl_set_filters,
};

/* ---- common part ---- */

static const struct {
	const char *prefix;
	const struct canio_ops *ops;
} backends[] = {
	{ "socketcan:", &canio_socketcan_ops },
	{ "slcan:", &sl_ops },
	{ "slcan-listen:", &sl_listen_ops },
};

/* Close what the backend opened and free @c. */
static void canio_release(struct canio *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->efd >= 0)
		close(c->efd);
	if (c->lfd >= 0) {
		close(c->lfd);
		if (c->lpath[0])
			unlink(c->lpath);
	}
	free(c);
}

int canio_open(const char *uri, uint32_t bitrate, struct canio **out)
{
	const struct canio_ops *ops = NULL;
	const char *arg = NULL;
	struct canio *c;
	size_t i;
	int rc;

	if (!uri || !out)
		return -EINVAL;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		size_t n = strlen(backends[i].prefix);

		if (strncmp(uri, backends[i].prefix, n) == 0) {
			ops = backends[i].ops;
			arg = uri + n;
			break;
		}
	}
	if (!ops || !*arg)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ops = ops;
	c->fd = -1;
	c->lfd = -1;
	c->efd = -1;
	c->state = CANIO_UP;
	rc = ops->open(c, arg, bitrate);
	if (rc < 0) {
		canio_release(c);
		return rc;
	}
	*out = c;
	return 0;
}

void canio_close(struct canio *c)
{
	if (!c)
		return;
	c->ops->close(c);
	canio_release(c);
}

int canio_set_filters(struct canio *c, const struct canio_filter *f, unsigned int n)
{
	int rc;

	if (n > CANIO_FILTERS_MAX || (n && !f))
		return -EINVAL;
	rc = c->ops->set_filters(c, f, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(c->filters, f, n * sizeof(*f));
	c->nfilters = n;
	return 0;
}

int canio_fd(const struct canio *c)
{
	return c->efd >= 0 ? c->efd : c->fd;
}

int canio_recv(struct canio *c, struct canio_frame *f)
{
	return c->ops->recv(c, f);
}

int canio_send(struct canio *c, const struct canio_frame *f)
{
	if (!frame_valid(f))
		return -EINVAL;
	return c->ops->send(c, f);
}

enum canio_state canio_state(const struct canio *c)
{
	return c->state;
}

const struct canio_stats *canio_stats(const struct canio *c)
{
	return &c->stats;
}

const char *canio_backend(const struct canio *c)
{
	return c->ops->name;
}
