/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of the modbus section. */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "cfg_keys.h"

static const struct cfg_enum_name parity_names[] = {
	{ "none", CFG_MODBUS_PARITY_NONE, "no parity bit" },
	{ "even", CFG_MODBUS_PARITY_EVEN, "even parity (the Modbus standard's default)" },
	{ "odd", CFG_MODBUS_PARITY_ODD, "odd parity" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name rs485_names[] = {
	{ "auto", CFG_MODBUS_RS485_AUTO,
	  "switch the UART's kernel RS-485 mode on where the driver has one; a port "
	  "without it (a USB adapter with its own direction control, a pty) is fine" },
	{ "on", CFG_MODBUS_RS485_ON,
	  "switch kernel RS-485 mode on; a port without it is reported as an error, "
	  "and the server still runs" },
	{ "off", CFG_MODBUS_RS485_OFF, "leave the port's RS-485 mode as it is" },
	{ NULL, 0, NULL },
};

static const char *check_port(const void *field)
{
	const char *s = field;

	if (s[0] && s[0] != '/')
		return "expected \"\" or an absolute path";
	return NULL;
}

/* The port has no default: unset, it stays "" and there is no RTU server.
 * (A default is written as a plain YAML scalar, where "" would be null.) */
static const char *check_baud(const void *field)
{
	static const uint32_t rates[] = { 1200,  2400,   4800,   9600,   19200,  38400,
					  57600, 115200, 230400, 460800, 921600 };
	uint32_t v = *(const uint32_t *)field;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i] == v)
			return NULL;
	return "expected a standard rate: 1200, 2400, 4800, 9600, 19200, 38400, 57600, "
	       "115200, 230400, 460800 or 921600";
}

/* libmodbus listens on every interface for any address that starts with
 * '0', so only 0.0.0.0 itself may. */
static const char *check_address(const void *field)
{
	const char *s = field;
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return "expected a dotted IPv4 address such as 0.0.0.0 or 127.0.0.1";
	if (s[0] == '0' && a.s_addr != 0)
		return "expected 0.0.0.0 (every interface) or an address of this host";
	return NULL;
}

static const char *check_manufacturer(const void *field)
{
	const char *s = field;

	for (; *s; s++)
		if ((unsigned char)*s > 0x7e)
			return "expected printable ASCII (SunSpec strings are ASCII)";
	return NULL;
}

#define ST struct cfg_modbus_rtu
static const struct cfg_key rtu_keys[] = {
	BOOL(ST, enable, "true",
	     "run the RTU server; it runs only when port is also given, so setting "
	     "port is enough"),
	{ .name = "port", .type = CFG_T_STRING, .flags = CFG_K_EMPTY_OK, .off = OFF(ST, port),
	  .size = SZ(ST, port), .max = SZ(ST, port) - 1, .check = check_port,
	  .needed = cfg_never, .need_text = "\"\" (no RTU server)",
	  .range_text = "\"\" or an absolute path of at most 127 bytes",
	  .desc = "serial device of the external RS-485 line (/dev/ttyS1, "
		  "/dev/serial/by-id/...); \"\" = no RTU server" },
	{ .name = "baud_bps", .type = CFG_T_INT, .off = OFF(ST, baud_bps),
	  .size = SZ(ST, baud_bps), .min = 1200, .max = 921600, .unit = "bps", .def = "9600",
	  .check = check_baud,
	  .range_text = "1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
			"460800 or 921600",
	  .desc = "line speed" },
	ENUM(ST, parity, 0, parity_names, "none", "parity bit"),
	UINT(ST, data_bits, 7, 8, "bits", "8", "data bits per character (RTU uses 8)"),
	UINT(ST, stop_bits, 1, 2, "bits", "1", "stop bits per character"),
	UINT(ST, address, 1, 247, NULL, "32",
	     "our Modbus unit address on the line; also SunSpec DA"),
	ENUM(ST, rs485, 0, rs485_names, "auto", "kernel RS-485 mode of the serial port"),
	UINT(ST, turnaround_ms, 0, 1000, "ms", "0",
	     "least time between the end of a request and the start of our answer, for "
	     "masters that turn their transceiver around slowly"),
	END,
};
#undef ST

#define ST struct cfg_modbus_tcp
static const struct cfg_key tcp_keys[] = {
	BOOL(ST, enable, "false", "run the Modbus-TCP server"),
	{ .name = "address", .type = CFG_T_STRING, .off = OFF(ST, address),
	  .size = SZ(ST, address), .max = SZ(ST, address) - 1, .def = "0.0.0.0",
	  .check = check_address, .range_text = "a dotted IPv4 address",
	  .desc = "address to listen on: 0.0.0.0 for every interface, 127.0.0.1 for "
		  "this host only" },
	UINT(ST, port, 1, 65535, NULL, "502",
	     "TCP port; below 1024 bmsd needs CAP_NET_BIND_SERVICE, which the shipped "
	     "unit grants"),
	UINT(ST, max_clients, 1, 32, "clients", "8",
	     "clients served at once; one more is accepted and closed at once"),
	END,
};
#undef ST

#define ST struct cfg_modbus
const struct cfg_key cfg_modbus_keys[] = {
	BOOL(ST, write_enable, "false",
	     "accept control writes (AlmRst, SetOp and the vendor control registers); "
	     "when false every write is refused with ILLEGAL FUNCTION"),
	{ .name = "manufacturer", .type = CFG_T_STRING, .off = OFF(ST, manufacturer),
	  .size = SZ(ST, manufacturer), .max = SZ(ST, manufacturer) - 1, .def = "bmsd",
	  .check = check_manufacturer,
	  .desc = "SunSpec manufacturer string (model 1, Mn), ASCII" },
	SECTION(ST, rtu, rtu_keys, "the Modbus-RTU server on the external RS-485 line"),
	SECTION(ST, tcp, tcp_keys, "the Modbus-TCP server"),
	UINT(ST, byte_timeout_ms, 10, 60000, "ms", "500",
	     "a request that pauses longer than this between two bytes is dropped (RTU) "
	     "or its connection closed (TCP)"),
	UINT(ST, idle_timeout_s, 0, 86400, "s", "120",
	     "a TCP client that sends no request for this long is disconnected; 0 = never"),
	END,
};
#undef ST
