/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_frame: the Modbus framing that needs neither the map nor a
 * descriptor: the CRC-16 and the length of an RTU request frame, and the
 * MBAP header of Modbus-TCP. mbsrv finds the requests in what it receives
 * with these, and mbmap_pdu() answers them.
 *
 * Pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_FRAME_H
#define MBMAP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define MBMAP_PDU_MAX 253u        /* function code and data */
#define MBMAP_RTU_MAX 256u        /* address, PDU, CRC */
#define MBMAP_TCP_MAX 260u        /* MBAP header, PDU */

/* Modbus CRC-16 of @n bytes (sent low byte first). */
uint16_t mbmap_crc16(const uint8_t *p, size_t n);

/* Length of the RTU request frame (address to CRC) that starts at @f, from
 * its function code's rules; 0 when more bytes are needed to know; -1 for
 * a function code that no request has. */
int mbmap_rtu_len(const uint8_t *f, size_t n);

enum mbmap_scan {
	MBMAP_SCAN_MORE = 0, /* the start may be a frame still arriving */
	MBMAP_SCAN_FRAME,    /* a frame of *len bytes with a good CRC at the start */
	MBMAP_SCAN_BAD,      /* no frame starts there: a function code that no
			      * request has, or a bad CRC */
};

/* Look at the received bytes @buf (@n > 0) from a frame's start: a whole
 * request frame with a good CRC, garbage, or a frame not complete yet.
 * Where the next frame starts after garbage is for the caller to find, by
 * the silences on the line. */
enum mbmap_scan mbmap_rtu_scan(const uint8_t *buf, size_t n, size_t *len);

/* Length of the Modbus-TCP request (MBAP header and PDU) at @buf: 0 when
 * more bytes are needed, -1 when the header is impossible (protocol id not
 * 0, or a length outside 2..254). */
int mbmap_tcp_len(const uint8_t *buf, size_t n);

#endif /* MBMAP_FRAME_H */
