/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbsrv_port: what the Modbus servers ask of libmodbus, and nothing more:
 * the serial port opened and set up (termios, the kernel's RS-485 mode),
 * the listening TCP socket, and closing them. mbsrv reads, frames and
 * answers on the descriptors by itself, so that libmodbus never blocks the
 * event loop.
 */
#ifndef MBSRV_PORT_H
#define MBSRV_PORT_H

#include <stdint.h>

#include <modbus.h>

/* Open the serial port @path, raw, at @baud_bps with @parity ('N', 'E' or
 * 'O'), @data_bits and @stop_bits. Returns 0 with the context in *@out and
 * its descriptor in *@fd, or a negative errno. */
int mbsrv_port_serial(modbus_t **out, int *fd, const char *path, uint32_t baud_bps, char parity,
		      unsigned int data_bits, unsigned int stop_bits);

/* Ask the kernel to drive the port's RS-485 transceiver itself. Returns 0,
 * or -1 with errno set. */
int mbsrv_port_rs485(modbus_t *ctx);

void mbsrv_port_serial_close(modbus_t *ctx);

/* Listen on @address (IPv4) port @port with room for @backlog connections
 * waiting. Returns 0 with the context in *@out and the listening
 * descriptor in *@fd, or a negative errno. */
int mbsrv_port_listen(modbus_t **out, int *fd, const char *address, uint16_t port, int backlog);

void mbsrv_port_listen_close(modbus_t *ctx, int fd);

#endif /* MBSRV_PORT_H */
