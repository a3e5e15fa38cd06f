/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap_frame.h"

#include <stdbool.h>

uint16_t mbmap_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (unsigned int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

int mbmap_rtu_len(const uint8_t *f, size_t n)
{
	int len;

	if (n < 2)
		return 0;
	switch (f[1]) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 8:
		return 8;
	case 7:
	case 11:
	case 12:
	case 17:
		return 4;
	case 15:
	case 16:
		if (n < 7)
			return 0;
		len = 9 + f[6];
		break;
	case 20:
	case 21:
		if (n < 3)
			return 0;
		len = 5 + f[2];
		break;
	case 22:
		return 10;
	case 23:
		if (n < 11)
			return 0;
		len = 13 + f[10];
		break;
	case 24:
		return 6;
	case 43:
		if (n < 3)
			return 0;
		return f[2] == 14 ? 7 : -1;
	default:
		return -1;
	}
	return len <= (int)MBMAP_RTU_MAX ? len : -1;
}

static bool crc_ok(const uint8_t *f, size_t len)
{
	uint16_t crc = mbmap_crc16(f, len - 2);

	return f[len - 2] == (uint8_t)crc && f[len - 1] == (uint8_t)(crc >> 8);
}

enum mbmap_scan mbmap_rtu_scan(const uint8_t *buf, size_t n, size_t *len)
{
	int l = mbmap_rtu_len(buf, n);

	if (l < 0)
		return MBMAP_SCAN_BAD;
	if (l == 0 || (size_t)l > n)
		return MBMAP_SCAN_MORE;
	if (!crc_ok(buf, (size_t)l))
		return MBMAP_SCAN_BAD;
	*len = (size_t)l;
	return MBMAP_SCAN_FRAME;
}

int mbmap_tcp_len(const uint8_t *buf, size_t n)
{
	unsigned int len;

	if (n >= 4 && (buf[2] || buf[3]))
		return -1;
	if (n < 6)
		return 0;
	len = (unsigned int)(buf[4] << 8 | buf[5]);
	if (len < 2 || len > 1u + MBMAP_PDU_MAX)
		return -1;
	return n >= 6u + len ? (int)(6u + len) : 0;
}
