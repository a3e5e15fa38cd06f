/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The modbus section of bmsd.yaml: the Modbus-RTU server on the external
 * RS-485 line, the Modbus-TCP server, and what both share (write
 * permission, timeouts, the SunSpec manufacturer string).
 */
#ifndef MODBUS_CFG_H
#define MODBUS_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "curve.h"

#define CFG_MODBUS_PORT_MAX 128u  /* rtu.port, with its NUL */
#define CFG_MODBUS_ADDR_MAX 16u   /* tcp.address: dotted IPv4, with its NUL */
#define CFG_MODBUS_MN_MAX 33u     /* manufacturer: SunSpec Mn, 32 characters */

enum cfg_modbus_parity {
	CFG_MODBUS_PARITY_NONE = 0,
	CFG_MODBUS_PARITY_EVEN,
	CFG_MODBUS_PARITY_ODD,
};

/* Kernel RS-485 mode (TIOCSRS485) of the RTU port. */
enum cfg_modbus_rs485 {
	CFG_MODBUS_RS485_AUTO = 0, /* try it; a tty without it is fine */
	CFG_MODBUS_RS485_ON,       /* ask for it; a tty without it is a logged error */
	CFG_MODBUS_RS485_OFF,      /* leave the port's mode alone */
};

struct cfg_modbus_rtu {
	bool enable;                /* runs when enabled and a port is given */
	char port[CFG_MODBUS_PORT_MAX]; /* "" = no RTU server */
	uint32_t baud_bps;
	int parity;                 /* enum cfg_modbus_parity */
	uint32_t data_bits;
	uint32_t stop_bits;
	uint32_t address;           /* 1..247 */
	int rs485;                  /* enum cfg_modbus_rs485 */
	uint32_t turnaround_ms;     /* least time from a request's end to our answer */
};

struct cfg_modbus_tcp {
	bool enable;
	char address[CFG_MODBUS_ADDR_MAX]; /* "0.0.0.0": every interface */
	uint32_t port;
	uint32_t max_clients;
};

struct cfg_modbus {
	bool write_enable;          /* control writes accepted at all */
	char manufacturer[CFG_MODBUS_MN_MAX];
	struct cfg_modbus_rtu rtu;
	struct cfg_modbus_tcp tcp;
	uint32_t byte_timeout_ms;   /* longest pause inside one request */
	uint32_t idle_timeout_s;    /* a TCP client silent this long is closed; 0 never */
};

#endif /* MODBUS_CFG_H */
