/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbsrv: the Modbus-RTU and Modbus-TCP servers on bmsd's event loop.
 *
 * libmodbus opens the serial port (termios, kernel RS-485 mode) and the
 * listening socket (mbsrv_port.c); mbsrv then does its own non-blocking
 * framing, so that no request, half request or flood ever blocks the loop:
 *
 *  - RTU: bytes are read as they come; a request is complete by its
 *    function code's length rules and a good CRC. After garbage (a bad CRC,
 *    an impossible function code) everything is dropped up to the next
 *    inter-frame silence (3.5 characters), where the next frame starts; a
 *    partial frame is dropped after a pause longer than the byte timeout.
 *    Frames for other addresses are skipped; broadcasts (address 0) are
 *    served without an answer. The answer is written at once, or after the configured
 *    turnaround; an RS-485 driver-enable line is raised for the answer and
 *    dropped when the UART has sent its last byte (a timer, no sleeping).
 *  - TCP: up to max_clients connections, each with its own buffers; a
 *    request is complete when the MBAP length says so. An impossible
 *    header closes the connection; so does a half request older than the
 *    byte timeout, or no request for the idle timeout. One more client
 *    than max_clients is accepted and closed at once.
 *
 * What a request means is the caller's (struct mbsrv_ops.request), so the
 * servers know nothing of the map.
 */
#ifndef MBSRV_H
#define MBSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct mbsrv;

struct mbsrv_ops {
	/* Answer the request PDU @pdu (@n bytes, function code first) into
	 * @rsp (MBMAP_PDU_MAX bytes); return the answer's length. @who names
	 * the client: "Modbus-RTU" or "Modbus-TCP 10.0.0.5:40112". */
	size_t (*request)(void *arg, const uint8_t *pdu, size_t n, uint8_t *rsp, const char *who);
	/* Drive the RS-485 driver enable; NULL when there is none. */
	void (*driver_enable)(void *arg, bool on);
	/* A message for the operator at syslog @prio; @event: it deserves an
	 * event-log record (a server that cannot open, or opens again). */
	void (*report)(void *arg, int prio, bool event, const char *msg);
	void *arg;
};

struct mbsrv_cfg {
	/* RTU: runs when rtu_port is not NULL */
	const char *rtu_port;
	uint32_t baud_bps;
	char parity;            /* 'N', 'E', 'O' */
	unsigned int data_bits, stop_bits;
	uint8_t address;        /* ours, on the line and as the TCP unit id */
	int rs485;              /* enum cfg_modbus_rs485 */
	uint32_t turnaround_ms;
	/* TCP: runs when tcp_address is not NULL */
	const char *tcp_address;
	uint16_t tcp_port;
	unsigned int max_clients;
	uint32_t byte_timeout_ms;
	uint32_t idle_timeout_s; /* 0: never */
};

struct mbsrv_stats {
	uint64_t rtu_frames;    /* good frames for us (broadcasts included) */
	uint64_t rtu_foreign;   /* good frames for other addresses */
	uint64_t rtu_dropped;   /* bytes dropped: garbage up to a silence, timeouts */
	uint64_t tcp_requests;
	uint64_t tcp_accepted;
	uint64_t tcp_refused;   /* beyond max_clients */
	uint64_t tcp_closed;    /* closed by us: bad header, timeouts, errors */
	uint64_t exceptions;    /* exception answers sent, both servers */
	unsigned int tcp_clients;
	bool rtu_open, tcp_open;
};

/* Start the servers that @c asks for on @l. A server that cannot open now
 * is reported and tried again every 5 s from mbsrv_tick(). Returns 0 and
 * sets *@out, or -ENOMEM. */
int mbsrv_open(struct mbsrv **out, struct loop *l, const struct mbsrv_cfg *c,
	       const struct mbsrv_ops *ops);

/* Timeouts and reopening; call it every 100 ms or so. */
void mbsrv_tick(struct mbsrv *s, uint64_t now_ms);

/* Stop both servers, close every client, release the driver enable, free
 * @s. NULL is fine. */
void mbsrv_close(struct mbsrv *s);

const struct mbsrv_stats *mbsrv_stats(const struct mbsrv *s);

#endif /* MBSRV_H */
