/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rs485: USART2 as the Logic-bus master's line, behind hal_uart.
 *
 * 8N1 at LBUS_BAUD_DEFAULT. A write raises the transceiver's driver
 * enable (PD4), sends from the transmit-empty interrupt, and drops the
 * enable in the transmission-complete interrupt, when the stop bit of the
 * last byte has left; only then is the port idle. Bytes received while
 * the driver is on are the line's echo and are dropped. Received bytes go
 * into a ring from the receive interrupt, which has the highest priority
 * of the port: at 500 kbaud a character arrives every 20 us.
 */
#ifndef RS485_H
#define RS485_H

#include <stdint.h>

#define RS485_TXBUF 64u  /* longest request: 13 bytes */
#define RS485_RXQ 256u   /* longest reply: 85 bytes; a power of two */

struct rs485_stats {
	uint32_t tx_frames, rx_bytes, rx_dropped, overruns, line_errors;
};

extern struct rs485_stats rs485_stats;

/* Clock, baud rate from clk.pclk1_hz, interrupts. Returns 0, or -1 when
 * the baud rate is more than 2 % off from this clock. */
int rs485_init(uint32_t baud);

#endif
