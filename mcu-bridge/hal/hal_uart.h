/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_uart: the RS-485 Logic bus. Half duplex; the port drives the
 * transceiver's driver-enable around a transmission by itself. */
#ifndef HAL_UART_H
#define HAL_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Start sending @n bytes (copied). Returns the number accepted: all of
 * them, or 0 when a transmission is still under way. */
size_t hal_uart_write(const uint8_t *p, size_t n);

/* True once the last byte has left the shift register and the driver is
 * released, so that a reply can be received. */
bool hal_uart_tx_idle(void);

/* Take up to @max received bytes. Returns how many were copied. */
size_t hal_uart_read(uint8_t *p, size_t max);

/* Drop anything received so far (used before a new request). */
void hal_uart_flush_rx(void);

#endif
