/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crc: the two checksums of the system, freestanding and table-free. */
#ifndef CRC_H
#define CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), as the Logic bus and
 * Modbus-RTU use it. Transmitted low byte first. */
uint16_t crc16_modbus(const uint8_t *p, size_t n);

/* CRC-32/ISO-HDLC (poly 0xEDB88320 reflected, init and xorout 0xFFFFFFFF),
 * the zlib/Ethernet CRC. @crc is the value returned by an earlier call, or
 * 0 to start. */
uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n);

#endif
