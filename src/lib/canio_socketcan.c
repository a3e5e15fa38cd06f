/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <libsocketcan.h>

#include "canio_impl.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif
#ifndef CAN_ERR_CRTL_ACTIVE
#define CAN_ERR_CRTL_ACTIVE 0x40
#endif

_Static_assert(CANIO_NAME_MAX == IFNAMSIZ, "interface name buffer");

/* libsocketcan does not always leave errno set on failure. */
static int lsc_errno(void)
{
	return errno ? -errno : -EIO;
}

/*
 * A controller with CAN netlink attributes (real hardware) is stopped and
 * reprogrammed when its bitrate differs. A device without them (vcan) has no
 * bit timing to set; starting it is all it needs.
 */
static int sc_bringup(const char *ifname, uint32_t bitrate)
{
	struct can_bittiming bt;
	int rc = 0;

	memset(&bt, 0, sizeof(bt));
	if (can_get_bittiming(ifname, &bt) == 0 && bt.bitrate != bitrate) {
		errno = 0;
		if (can_do_stop(ifname) < 0)
			return lsc_errno();
		errno = 0;
		if (can_set_bitrate(ifname, bitrate) < 0)
			rc = lsc_errno();
	}
	/* fails when already up or without CAP_NET_ADMIN: neither is ours to judge */
	(void)can_do_start(ifname);
	return rc;
}

static int sc_open(struct canio *c, const char *ifname, uint32_t bitrate)
{
	struct sockaddr_can addr;
	can_err_mask_t errmask = CAN_ERR_MASK;
	int one = 1, rc;
	unsigned int idx;

	if (strlen(ifname) >= sizeof(c->ifname))
		return -EINVAL;
	strcpy(c->ifname, ifname);
	c->fd = socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
	if (c->fd < 0)
		return -errno;
	idx = if_nametoindex(ifname);
	if (idx == 0)
		return -ENODEV;
	if (bitrate) {
		rc = sc_bringup(ifname, bitrate);
		if (rc < 0)
			return rc;
	}
	if (setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &errmask, sizeof(errmask)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)) < 0)
		return -errno;
	memset(&addr, 0, sizeof(addr));
	addr.can_family = AF_CAN;
	addr.can_ifindex = (int)idx;
	if (bind(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -errno;
	return 0;
}

static void sc_close(struct canio *c)
{
	(void)c;
}

static void sc_error_frame(struct canio *c, const struct can_frame *cf)
{
	c->stats.bus_errors++;
	if (cf->can_id & CAN_ERR_BUSOFF) {
		c->state = CANIO_BUS_OFF;
		c->stats.bus_off++;
		/* fails harmlessly when the driver restarts by itself (restart-ms) */
		c->stats.restarts++;
		(void)can_do_restart(c->ifname);
		return;
	}
	if (cf->can_id & CAN_ERR_RESTARTED) {
		c->state = CANIO_UP;
		return;
	}
	if (!(cf->can_id & CAN_ERR_CRTL))
		return;
	if (cf->data[1] & (CAN_ERR_CRTL_RX_PASSIVE | CAN_ERR_CRTL_TX_PASSIVE))
		c->state = CANIO_ERROR_PASSIVE;
	else if (cf->data[1] & (CAN_ERR_CRTL_RX_WARNING | CAN_ERR_CRTL_TX_WARNING |
				CAN_ERR_CRTL_ACTIVE))
		/* back below the passive threshold: still error active */
		c->state = CANIO_UP;
}

static int sc_recv(struct canio *c, struct canio_frame *f)
{
	struct can_frame cf;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;
	union {
		/* room for a 64-bit timeval on 32-bit targets too */
		char buf[CMSG_SPACE(2 * sizeof(int64_t)) + CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctrl;
	ssize_t n;

	for (;;) {
		iov.iov_base = &cf;
		iov.iov_len = sizeof(cf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = sizeof(ctrl.buf);
		n = recvmsg(c->fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			uint32_t drops;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_RXQ_OVFL)
				continue;
			/* the kernel reports a running total */
			memcpy(&drops, CMSG_DATA(cm), sizeof(drops));
			c->stats.rx_dropped = drops;
		}
		if ((size_t)n != sizeof(cf))
			continue;
		if (cf.can_id & CAN_ERR_FLAG) {
			sc_error_frame(c, &cf);
			continue;
		}
		memset(f, 0, sizeof(*f));
		f->ext = (cf.can_id & CAN_EFF_FLAG) != 0;
		f->rtr = (cf.can_id & CAN_RTR_FLAG) != 0;
		f->id = cf.can_id & (f->ext ? CAN_EFF_MASK : CAN_SFF_MASK);
		f->len = cf.can_dlc > 8 ? 8 : cf.can_dlc;
		if (!f->rtr)
			memcpy(f->data, cf.data, f->len);
		c->state = CANIO_UP;
		c->stats.rx_frames++;
		return 1;
	}
}

static int sc_send(struct canio *c, const struct canio_frame *f)
{
	struct can_frame cf;
	ssize_t n;

	memset(&cf, 0, sizeof(cf));
	cf.can_id = f->id;
	if (f->ext)
		cf.can_id |= CAN_EFF_FLAG;
	if (f->rtr)
		cf.can_id |= CAN_RTR_FLAG;
	cf.can_dlc = f->len;
	if (!f->rtr)
		memcpy(cf.data, f->data, f->len);
	do
		n = write(c->fd, &cf, sizeof(cf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			c->stats.tx_dropped++;
			return errno == ENOBUFS ? -ENOBUFS : -EAGAIN;
		}
		return -errno;
	}
	if ((size_t)n != sizeof(cf))
		return -EIO;
	c->stats.tx_frames++;
	return 0;
}

static int sc_set_filters(struct canio *c, const struct canio_filter *f, unsigned int n)
{
	struct can_filter kf[CANIO_FILTERS_MAX];
	unsigned int i;

	if (n == 0) {
		/* an empty CAN_RAW_FILTER would pass nothing */
		kf[0].can_id = 0;
		kf[0].can_mask = 0;
		n = 1;
	} else {
		/* standard identifiers only: the EFF bit must be clear */
		for (i = 0; i < n; i++) {
			kf[i].can_id = f[i].id & CAN_SFF_MASK;
			kf[i].can_mask = (f[i].mask & CAN_SFF_MASK) | CAN_EFF_FLAG;
		}
	}
	if (setsockopt(c->fd, SOL_CAN_RAW, CAN_RAW_FILTER, kf, n * sizeof(kf[0])) < 0)
		return -errno;
	return 0;
}

const struct canio_ops canio_socketcan_ops = {
	.name = "socketcan",
	.open = sc_open,
	.close = sc_close,
	.recv = sc_recv,
	.send = sc_send,
	.set_filters = sc_set_filters,
};
