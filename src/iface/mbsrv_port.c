/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbsrv_port.h"

#include <errno.h>
#include <unistd.h>

int mbsrv_port_serial(modbus_t **out, int *fd, const char *path, uint32_t baud_bps, char parity,
		      unsigned int data_bits, unsigned int stop_bits)
{
	modbus_t *ctx;
	int rc;

	ctx = modbus_new_rtu(path, (int)baud_bps, parity, (int)data_bits, (int)stop_bits);
	if (!ctx)
		return -(errno ? errno : EINVAL);
	if (modbus_connect(ctx) < 0) {
		rc = -(errno ? errno : EIO);
		modbus_free(ctx);
		return rc;
	}
	*out = ctx;
	*fd = modbus_get_socket(ctx);
	return 0;
}

int mbsrv_port_rs485(modbus_t *ctx)
{
	return modbus_rtu_set_serial_mode(ctx, MODBUS_RTU_RS485);
}

void mbsrv_port_serial_close(modbus_t *ctx)
{
	modbus_close(ctx);
	modbus_free(ctx);
}

int mbsrv_port_listen(modbus_t **out, int *fd, const char *address, uint16_t port, int backlog)
{
	modbus_t *ctx = modbus_new_tcp(address, port);
	int rc;

	if (!ctx)
		return -(errno ? errno : EINVAL);
	*fd = modbus_tcp_listen(ctx, backlog);
	if (*fd < 0) {
		rc = -(errno ? errno : EIO);
		modbus_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

void mbsrv_port_listen_close(modbus_t *ctx, int fd)
{
	close(fd);
	modbus_free(ctx);
}
