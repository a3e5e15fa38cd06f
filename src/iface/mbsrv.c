/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include "mbmap.h"
#include "mbsrv_port.h"
#include "modbus_cfg.h"

#define RETRY_MS 5000u
#define ACCEPT_BURST 16
#define PUMP_ROUNDS 8             /* request batches per wake-up of one client */
#define REFUSED_LOG_MS 60000u
#define RTU_IN_MAX (2u * MBMAP_RTU_MAX)
#define TCP_IN_MAX (2u * MBMAP_TCP_MAX)
#define TCP_OUT_MAX (4u * MBMAP_TCP_MAX)
#define MBAP_LEN 7u
#define RTU_BOUNDS 16u            /* silences remembered inside the RTU buffer */

struct conn {
	struct mbsrv *s;
	int fd;                 /* -1: free */
	uint32_t events;
	char who[64];
	uint8_t in[TCP_IN_MAX];
	size_t nin;
	uint8_t out[TCP_OUT_MAX];
	size_t nout, off;
	uint64_t last_rx_ms, last_req_ms;
};

enum rtu_tx {
	TX_IDLE = 0,
	TX_TURNAROUND, /* an answer waits for the turnaround time */
	TX_SENDING,    /* written in part; EPOLLOUT */
	TX_DRAIN,      /* written; the driver enable waits for the UART to finish */
};

struct mbsrv {
	struct loop *l;
	struct mbsrv_ops ops;
	struct mbsrv_cfg cfg;
	char rtu_port[CFG_MODBUS_PORT_MAX];
	char tcp_address[CFG_MODBUS_ADDR_MAX];
	struct mbsrv_stats st;

	modbus_t *rtu;
	int rfd, tfd;
	uint32_t revents;
	uint8_t rin[RTU_IN_MAX];
	size_t rnin;
	size_t bnd[RTU_BOUNDS];  /* offsets in rin where bytes came after a silence */
	unsigned int nbnd;
	uint64_t r_last_us;
	uint8_t rout[MBMAP_RTU_MAX];
	size_t rnout, roff;
	enum rtu_tx tx;
	bool de;
	uint64_t drain_end_us;   /* the enable drops by then, sent or not */
	uint32_t char_us;
	uint32_t silence_us;     /* 3.5 characters: between two frames */
	uint32_t gap_us;         /* byte timeout: a partial frame is stale */
	uint64_t rtu_retry_ms;
	bool rtu_failed;

	modbus_t *tcp;
	int lfd;
	uint64_t tcp_retry_ms;
	bool tcp_failed;
	uint64_t refused_log_ms, refused_unlogged;
	struct conn *conns;
	unsigned int nconns;
};

__attribute__((format(printf, 4, 5)))
static void say(struct mbsrv *s, int prio, bool event, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!s->ops.report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->ops.report(s->ops.arg, prio, event, msg);
}

/* ---- RTU ----------------------------------------------------------------- */

static void rtu_arm(struct mbsrv *s, uint64_t us)
{
	struct itimerspec its = { 0 };

	if (!us)
		us = 1; /* 0 would disarm */
	its.it_value.tv_sec = (time_t)(us / 1000000u);
	its.it_value.tv_nsec = (long)(us % 1000000u) * 1000L;
	timerfd_settime(s->tfd, 0, &its, NULL);
}

static void rtu_de(struct mbsrv *s, bool on)
{
	if (s->de == on || !s->ops.driver_enable)
		return;
	s->de = on;
	s->ops.driver_enable(s->ops.arg, on);
}

static void rtu_watch(struct mbsrv *s, uint32_t ev)
{
	if (s->revents != ev && loop_mod_fd(s->l, s->rfd, ev) == 0)
		s->revents = ev;
}

static void rtu_close(struct mbsrv *s)
{
	struct itimerspec off = { 0 };

	if (!s->rtu)
		return;
	loop_del_fd(s->l, s->rfd);
	mbsrv_port_serial_close(s->rtu);
	s->rtu = NULL;
	s->rfd = -1;
	timerfd_settime(s->tfd, 0, &off, NULL);
	rtu_de(s, false);
	s->tx = TX_IDLE;
	s->rnin = s->rnout = s->roff = 0;
	s->nbnd = 0;
	s->st.rtu_open = false;
}

static void rtu_fail(struct mbsrv *s, int err)
{
	say(s, LOG_ERR, true, "Modbus-RTU on %s: %s; reopening every %u s", s->rtu_port,
	    strerror(err), RETRY_MS / 1000u);
	rtu_close(s);
	s->rtu_failed = true;
	s->rtu_retry_ms = loop_now_ms() + RETRY_MS;
}

/* Write what is left of the answer; then hold the driver enable until the
 * UART has shifted the last byte out. */
static void rtu_send(struct mbsrv *s)
{
	ssize_t r;

	if (s->tx != TX_SENDING) {
		s->tx = TX_SENDING;
		rtu_de(s, true);
	}
	while (s->roff < s->rnout) {
		r = write(s->rfd, s->rout + s->roff, s->rnout - s->roff);
		if (r > 0) {
			s->roff += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			rtu_watch(s, EPOLLIN | EPOLLOUT);
			return;
		}
		rtu_fail(s, r < 0 ? errno : EIO);
		return;
	}
	rtu_watch(s, EPOLLIN);
	if (s->de) {
		uint64_t wire_us = (uint64_t)(s->rnout + 1u) * s->char_us;

		s->tx = TX_DRAIN;
		s->drain_end_us = loop_now_us() + 2u * wire_us + 50000u;
		rtu_arm(s, wire_us);
	} else {
		s->tx = TX_IDLE;
	}
}

static void rtu_frame(struct mbsrv *s, const uint8_t *f, size_t len)
{
	uint8_t addr = f[0];
	size_t rlen;
	uint16_t crc;

	if (addr != s->cfg.address && addr != 0) {
		s->st.rtu_foreign++;
		return;
	}
	s->st.rtu_frames++;
	rlen = s->ops.request(s->ops.arg, f + 1, len - 3, s->rout + 1, "Modbus-RTU");
	if (addr == 0 || rlen == 0)
		return; /* a broadcast is never answered */
	if (s->rout[1] & 0x80u)
		s->st.exceptions++;
	s->rout[0] = addr;
	crc = mbmap_crc16(s->rout, rlen + 1);
	s->rout[rlen + 1] = (uint8_t)crc;
	s->rout[rlen + 2] = (uint8_t)(crc >> 8);
	s->rnout = rlen + 3;
	s->roff = 0;
	if (s->cfg.turnaround_ms) {
		s->tx = TX_TURNAROUND;
		rtu_arm(s, (uint64_t)s->cfg.turnaround_ms * 1000u);
		return;
	}
	rtu_send(s);
}

static void rtu_consume(struct mbsrv *s, size_t len)
{
	unsigned int k = 0;

	memmove(s->rin, s->rin + len, s->rnin - len);
	s->rnin -= len;
	for (unsigned int i = 0; i < s->nbnd; i++)
		if (s->bnd[i] > len)
			s->bnd[k++] = s->bnd[i] - len;
	s->nbnd = k;
}

static void rtu_drop(struct mbsrv *s, size_t len)
{
	s->st.rtu_dropped += len;
	rtu_consume(s, len);
}

/* Serve the frames received, one answer at a time. A frame starts where
 * the last one ended or after a silence of 3.5 characters: after garbage
 * (a bad CRC, an impossible function code) everything up to the next such
 * silence is dropped, never searched for frames byte by byte, so that the
 * traffic of other slaves on a shared line cannot pass for requests. */
static void rtu_process(struct mbsrv *s)
{
	while (s->rtu && s->tx == TX_IDLE && s->rnin) {
		size_t len = 0, l2 = 0;
		enum mbmap_scan sc = mbmap_rtu_scan(s->rin, s->rnin, &len);

		if (sc == MBMAP_SCAN_FRAME) {
			rtu_frame(s, s->rin, len);
			if (!s->rtu)
				return;
			rtu_consume(s, len);
			continue;
		}
		if (sc == MBMAP_SCAN_BAD) {
			rtu_drop(s, s->nbnd ? s->bnd[0] : s->rnin);
			continue;
		}
		/* the start may still be arriving; but a whole frame after a
		 * later silence means that it was garbage */
		for (unsigned int i = 0; i < s->nbnd && !len; i++)
			if (mbmap_rtu_scan(s->rin + s->bnd[i], s->rnin - s->bnd[i], &l2) ==
			    MBMAP_SCAN_FRAME)
				len = s->bnd[i];
		if (!len)
			return;
		rtu_drop(s, len);
	}
}

/* A tty in raw mode with VMIN and VTIME at 0 reads 0 bytes when there is
 * nothing, so only a hang-up or an error ends the port. */
static void rtu_read(struct mbsrv *s, uint32_t events)
{
	ssize_t r;
	uint64_t now;

	if (s->rnin == sizeof(s->rin)) {
		/* only while an answer is going out; the master broke the rules */
		s->st.rtu_dropped += s->rnin;
		s->rnin = 0;
		s->nbnd = 0;
	}
	r = read(s->rfd, s->rin + s->rnin, sizeof(s->rin) - s->rnin);
	if (r < 0 && errno != EAGAIN && errno != EINTR) {
		rtu_fail(s, errno);
		return;
	}
	if (r <= 0) {
		if (events & (EPOLLHUP | EPOLLERR))
			rtu_fail(s, EIO);
		return;
	}
	now = loop_now_us();
	if (s->rnin && now - s->r_last_us > s->gap_us) {
		/* a frame that stopped for longer than the byte timeout */
		s->st.rtu_dropped += s->rnin;
		memmove(s->rin, s->rin + s->rnin, (size_t)r);
		s->rnin = 0;
		s->nbnd = 0;
	} else if (s->rnin && now - s->r_last_us >= s->silence_us) {
		if (s->nbnd == RTU_BOUNDS) {
			memmove(s->bnd, s->bnd + 1, sizeof(s->bnd) - sizeof(s->bnd[0]));
			s->nbnd--;
		}
		s->bnd[s->nbnd++] = s->rnin;
	}
	s->r_last_us = now;
	s->rnin += (size_t)r;
}

static void rtu_on_io(int fd, uint32_t events, void *arg)
{
	struct mbsrv *s = arg;

	if (events & EPOLLOUT && s->tx == TX_SENDING)
		rtu_send(s);
	if (s->rtu && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		rtu_read(s, events);
	rtu_process(s);
}

static void rtu_on_timer(int fd, uint32_t events, void *arg)
{
	struct mbsrv *s = arg;
	uint64_t n;
	int q = 0;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) || !s->rtu)
		return;
	if (s->tx == TX_TURNAROUND) {
		rtu_send(s);
	} else if (s->tx == TX_DRAIN) {
		/* a port whose peer stops reading (a pty) must not hold the
		 * line forever */
		if (ioctl(s->rfd, TIOCOUTQ, &q) == 0 && q > 0 && loop_now_us() < s->drain_end_us) {
			rtu_arm(s, (uint64_t)(q + 1) * s->char_us);
			return;
		}
		rtu_de(s, false);
		s->tx = TX_IDLE;
	}
	rtu_process(s);
}

static int rtu_open(struct mbsrv *s)
{
	const struct mbsrv_cfg *c = &s->cfg;
	modbus_t *ctx;
	int rc, fd;

	rc = mbsrv_port_serial(&ctx, &fd, s->rtu_port, c->baud_bps, c->parity, c->data_bits,
			       c->stop_bits);
	if (rc < 0)
		return rc;
	if (c->rs485 != CFG_MODBUS_RS485_OFF && mbsrv_port_rs485(ctx) < 0) {
		if (c->rs485 == CFG_MODBUS_RS485_ON)
			say(s, LOG_WARNING, true,
			    "Modbus-RTU on %s: kernel RS-485 mode refused (%s); serving anyway",
			    s->rtu_port, strerror(errno));
		else
			say(s, LOG_WARNING, false,
			    "Modbus-RTU on %s: no kernel RS-485 mode (%s)%s", s->rtu_port,
			    strerror(errno),
			    s->ops.driver_enable ? "; driver enable by GPIO" : "");
	}
	tcflush(fd, TCIOFLUSH);
	rc = loop_add_fd(s->l, fd, EPOLLIN, rtu_on_io, s);
	if (rc < 0) {
		mbsrv_port_serial_close(ctx);
		return rc;
	}
	s->rtu = ctx;
	s->rfd = fd;
	s->revents = EPOLLIN;
	s->tx = TX_IDLE;
	s->rnin = 0;
	s->st.rtu_open = true;
	return 0;
}

static void rtu_try(struct mbsrv *s, uint64_t now)
{
	int rc;

	if (s->rtu || !s->cfg.rtu_port || now < s->rtu_retry_ms)
		return;
	rc = rtu_open(s);
	if (rc < 0) {
		if (!s->rtu_failed)
			say(s, LOG_ERR, true,
			    "Modbus-RTU on %s: cannot open: %s; retrying every %u s", s->rtu_port,
			    strerror(-rc), RETRY_MS / 1000u);
		s->rtu_failed = true;
		s->rtu_retry_ms = now + RETRY_MS;
		return;
	}
	say(s, LOG_NOTICE, s->rtu_failed, "Modbus-RTU on %s, %u bps, %u%c%u, address %u%s",
	    s->rtu_port, s->cfg.baud_bps, s->cfg.data_bits, s->cfg.parity, s->cfg.stop_bits,
	    s->cfg.address, s->rtu_failed ? ", open again" : "");
	s->rtu_failed = false;
}

/* ---- TCP ----------------------------------------------------------------- */

static void conn_close(struct conn *c, bool ours)
{
	struct mbsrv *s = c->s;

	loop_del_fd(s->l, c->fd);
	close(c->fd);
	c->fd = -1;
	s->st.tcp_clients--;
	if (ours)
		s->st.tcp_closed++;
}

static int conn_flush(struct conn *c)
{
	while (c->off < c->nout) {
		ssize_t r = send(c->fd, c->out + c->off, c->nout - c->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r > 0) {
			c->off += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		return -1;
	}
	c->off = c->nout = 0;
	return 0;
}

static void conn_answer(struct conn *c, const uint8_t *req, size_t len, uint64_t now)
{
	struct mbsrv *s = c->s;
	uint8_t *o = c->out + c->nout;
	uint8_t uid = req[6];
	size_t rlen;

	if (uid == s->cfg.address || uid == 0 || uid == 0xFF) {
		rlen = s->ops.request(s->ops.arg, req + MBAP_LEN, len - MBAP_LEN, o + MBAP_LEN,
				      c->who);
	} else {
		/* another unit behind us, as a gateway would say */
		o[MBAP_LEN] = (uint8_t)(req[MBAP_LEN] | 0x80u);
		o[MBAP_LEN + 1] = 0x0B;
		rlen = 2;
	}
	if (rlen && o[MBAP_LEN] & 0x80u)
		s->st.exceptions++;
	o[0] = req[0];
	o[1] = req[1];
	o[2] = 0;
	o[3] = 0;
	o[4] = (uint8_t)((rlen + 1) >> 8);
	o[5] = (uint8_t)(rlen + 1);
	o[6] = uid;
	c->nout += MBAP_LEN + rlen;
	s->st.tcp_requests++;
	c->last_req_ms = now;
}

/* Answer the complete requests buffered while the output has room.
 * Returns how many, or -1 for an impossible header. */
static int conn_serve(struct conn *c)
{
	uint64_t now = loop_now_ms();
	size_t used = 0;
	int done = 0;

	if (c->off) {
		memmove(c->out, c->out + c->off, c->nout - c->off);
		c->nout -= c->off;
		c->off = 0;
	}
	while (sizeof(c->out) - c->nout >= MBMAP_TCP_MAX) {
		int l = mbmap_tcp_len(c->in + used, c->nin - used);

		if (l < 0)
			return -1;
		if (l == 0)
			break;
		conn_answer(c, c->in + used, (size_t)l, now);
		used += (size_t)l;
		done++;
	}
	memmove(c->in, c->in + used, c->nin - used);
	c->nin -= used;
	return done;
}

static void conn_events(struct conn *c)
{
	uint32_t ev = 0;

	if (c->nin < sizeof(c->in))
		ev |= EPOLLIN;
	if (c->off < c->nout || mbmap_tcp_len(c->in, c->nin) != 0)
		ev |= EPOLLOUT;
	if (ev != c->events && loop_mod_fd(c->s->l, c->fd, ev) == 0)
		c->events = ev;
}

/* Send, serve, send...: a bounded number of rounds, so that a client that
 * floods us yields to the others; what is left waits for EPOLLOUT. */
static void conn_pump(struct conn *c)
{
	for (unsigned int round = 0; round < PUMP_ROUNDS; round++) {
		int n;

		if (conn_flush(c) < 0) {
			conn_close(c, false);
			return;
		}
		if (c->off < c->nout)
			break;
		n = conn_serve(c);
		if (n < 0) {
			conn_close(c, true);
			return;
		}
		if (n == 0)
			break;
	}
	if (conn_flush(c) < 0) {
		conn_close(c, false);
		return;
	}
	conn_events(c);
}

static void conn_on_io(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;

	if (events & EPOLLIN) {
		ssize_t r = recv(fd, c->in + c->nin, sizeof(c->in) - c->nin, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c, false);
			return;
		}
		if (r > 0) {
			c->nin += (size_t)r;
			c->last_rx_ms = loop_now_ms();
		}
	} else if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(c, false);
		return;
	}
	conn_pump(c);
}

static void tcp_refused(struct mbsrv *s, uint64_t now)
{
	s->st.tcp_refused++;
	s->refused_unlogged++;
	if (s->refused_log_ms && now - s->refused_log_ms < REFUSED_LOG_MS)
		return;
	say(s, LOG_WARNING, false, "Modbus-TCP: %" PRIu64 " client(s) refused: %u already served",
	    s->refused_unlogged, s->cfg.max_clients);
	s->refused_unlogged = 0;
	s->refused_log_ms = now;
}

static void tcp_fail(struct mbsrv *s, int err);

static void tcp_on_accept(int fd, uint32_t events, void *arg)
{
	struct mbsrv *s = arg;
	uint64_t now = loop_now_ms();

	for (unsigned int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		struct conn *c = NULL;
		char ip[INET_ADDRSTRLEN];
		int one = 1;
		int cfd = accept4(fd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				tcp_fail(s, errno);
			return;
		}
		for (unsigned int k = 0; k < s->nconns; k++)
			if (s->conns[k].fd < 0) {
				c = &s->conns[k];
				break;
			}
		if (!c || loop_add_fd(s->l, cfd, EPOLLIN, conn_on_io, c) < 0) {
			close(cfd);
			tcp_refused(s, now);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(cfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		c->fd = cfd;
		c->events = EPOLLIN;
		c->nin = c->nout = c->off = 0;
		c->last_rx_ms = c->last_req_ms = now;
		if (!inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip)))
			snprintf(ip, sizeof(ip), "?");
		snprintf(c->who, sizeof(c->who), "Modbus-TCP %s:%u", ip, ntohs(a.sin_port));
		s->st.tcp_accepted++;
		s->st.tcp_clients++;
	}
}

static void tcp_close(struct mbsrv *s)
{
	if (!s->tcp)
		return;
	loop_del_fd(s->l, s->lfd);
	mbsrv_port_listen_close(s->tcp, s->lfd);
	s->lfd = -1;
	s->tcp = NULL;
	s->st.tcp_open = false;
}

static void tcp_fail(struct mbsrv *s, int err)
{
	say(s, LOG_ERR, true, "Modbus-TCP on %s:%u: %s; listening again in %u s",
	    s->tcp_address, s->cfg.tcp_port, strerror(err), RETRY_MS / 1000u);
	tcp_close(s);
	s->tcp_failed = true;
	s->tcp_retry_ms = loop_now_ms() + RETRY_MS;
}

static int tcp_open(struct mbsrv *s)
{
	modbus_t *ctx;
	int fd, rc;

	rc = mbsrv_port_listen(&ctx, &fd, s->tcp_address, s->cfg.tcp_port,
			       (int)s->cfg.max_clients + 2);
	if (rc < 0)
		return rc;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    (rc = loop_add_fd(s->l, fd, EPOLLIN, tcp_on_accept, s)) < 0) {
		rc = -errno;
		mbsrv_port_listen_close(ctx, fd);
		return rc ? rc : -EIO;
	}
	s->tcp = ctx;
	s->lfd = fd;
	s->st.tcp_open = true;
	return 0;
}

static void tcp_try(struct mbsrv *s, uint64_t now)
{
	int rc;

	if (s->tcp || !s->cfg.tcp_address || now < s->tcp_retry_ms)
		return;
	rc = tcp_open(s);
	if (rc < 0) {
		if (!s->tcp_failed)
			say(s, LOG_ERR, true,
			    "Modbus-TCP on %s:%u: cannot listen: %s; retrying every %u s",
			    s->tcp_address, s->cfg.tcp_port, strerror(-rc), RETRY_MS / 1000u);
		s->tcp_failed = true;
		s->tcp_retry_ms = now + RETRY_MS;
		return;
	}
	say(s, LOG_NOTICE, s->tcp_failed, "Modbus-TCP on %s:%u, up to %u clients%s",
	    s->tcp_address, s->cfg.tcp_port, s->cfg.max_clients,
	    s->tcp_failed ? ", listening again" : "");
	s->tcp_failed = false;
}

/* ---- the whole ----------------------------------------------------------- */

void mbsrv_tick(struct mbsrv *s, uint64_t now_ms)
{
	uint64_t byte_ms = s->cfg.byte_timeout_ms;
	uint64_t idle_ms = (uint64_t)s->cfg.idle_timeout_s * 1000u;

	rtu_try(s, now_ms);
	tcp_try(s, now_ms);
	if (s->rtu && s->rnin && s->tx == TX_IDLE && loop_now_us() - s->r_last_us > s->gap_us)
		rtu_drop(s, s->rnin);
	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		if (c->nin && mbmap_tcp_len(c->in, c->nin) == 0 && now_ms - c->last_rx_ms > byte_ms)
			conn_close(c, true); /* half a request, then silence */
		else if (idle_ms && now_ms - c->last_req_ms > idle_ms)
			conn_close(c, true);
	}
}

int mbsrv_open(struct mbsrv **out, struct loop *l, const struct mbsrv_cfg *c,
	       const struct mbsrv_ops *ops)
{
	struct mbsrv *s = calloc(1, sizeof(*s));
	unsigned int bits;
	uint64_t now = loop_now_ms();

	if (!s)
		return -ENOMEM;
	s->l = l;
	s->ops = *ops;
	s->cfg = *c;
	s->rfd = s->lfd = -1;
	s->tfd = -1;
	if (c->rtu_port) {
		snprintf(s->rtu_port, sizeof(s->rtu_port), "%s", c->rtu_port);
		s->cfg.rtu_port = s->rtu_port;
		s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (s->tfd < 0 || loop_add_fd(l, s->tfd, EPOLLIN, rtu_on_timer, s) < 0) {
			if (s->tfd >= 0)
				close(s->tfd);
			free(s);
			return -ENOMEM;
		}
		bits = 1u + c->data_bits + (c->parity != 'N') + c->stop_bits;
		s->char_us = (uint32_t)(((uint64_t)bits * 1000000u + c->baud_bps - 1u) /
					(c->baud_bps ? c->baud_bps : 9600u));
		/* t3.5 of the Modbus serial line specification: 1.75 ms above
		 * 19200 bps */
		s->silence_us = s->char_us * 7u / 2u;
		if (c->baud_bps > 19200u || s->silence_us < 1750u)
			s->silence_us = 1750u;
		s->gap_us = c->byte_timeout_ms * 1000u;
		if (s->gap_us < s->silence_us)
			s->gap_us = s->silence_us;
	}
	if (c->tcp_address) {
		snprintf(s->tcp_address, sizeof(s->tcp_address), "%s", c->tcp_address);
		s->cfg.tcp_address = s->tcp_address;
		s->nconns = c->max_clients;
		s->conns = calloc(s->nconns, sizeof(*s->conns));
		if (!s->conns) {
			mbsrv_close(s);
			return -ENOMEM;
		}
		for (unsigned int i = 0; i < s->nconns; i++) {
			s->conns[i].s = s;
			s->conns[i].fd = -1;
		}
	}
	rtu_try(s, now);
	tcp_try(s, now);
	*out = s;
	return 0;
}

void mbsrv_close(struct mbsrv *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->nconns; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i], false);
	tcp_close(s);
	rtu_close(s);
	if (s->tfd >= 0) {
		loop_del_fd(s->l, s->tfd);
		close(s->tfd);
	}
	free(s->conns);
	free(s);
}

const struct mbsrv_stats *mbsrv_stats(const struct mbsrv *s)
{
	return &s->st;
}
