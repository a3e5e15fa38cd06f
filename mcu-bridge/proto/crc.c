/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "crc.h"

/* Bitwise on purpose: the Logic bus moves at most a few kB/s and the
 * config blob is a few hundred bytes, so 1.5 kB of tables buy nothing on
 * the MCU's flash budget. */
uint16_t crc16_modbus(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
