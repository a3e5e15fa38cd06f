/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rs485.h"
#include "board.h"
#include "clk.h"
#include "irq.h"
#include "regs.h"
#include "../../hal/hal_uart.h"

_Static_assert((RS485_RXQ & (RS485_RXQ - 1u)) == 0, "ring must be a power of two");

struct rs485_stats rs485_stats;

static uint8_t txbuf[RS485_TXBUF];
static volatile uint32_t tx_len, tx_pos;
static volatile bool tx_busy;
static uint8_t rxq[RS485_RXQ];
static volatile uint32_t rx_head, rx_tail; /* head: thread, tail: ISR */

int rs485_init(uint32_t baud)
{
	/* 16x oversampling: BRR is the clock divided by the baud rate */
	uint32_t brr = (clk.pclk1_hz + baud / 2u) / baud;
	uint32_t real = clk.pclk1_hz / brr;

	if (brr < 16u || (real > baud ? real - baud : baud - real) > baud / 50u)
		return -1;
	RCC->apb1enr |= RCC_APB1ENR_USART2EN;
	(void)RCC->apb1enr;
	board_logic_de(0);
	USART2->cr1 = 0;
	USART2->brr = brr;
	USART2->cr2 = 0;
	USART2->cr3 = 0;
	USART2->cr1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
	nvic_enable(IRQ_USART2, PRIO_USART2);
	return 0;
}

void usart2_isr(void)
{
	uint32_t sr = USART2->sr, cr1 = USART2->cr1;

	if (sr & (USART_SR_RXNE | USART_SR_ORE | USART_SR_FE | USART_SR_NF | USART_SR_PE)) {
		/* reading DR after SR also clears the error flags */
		uint8_t b = (uint8_t)USART2->dr;
		uint32_t t = rx_tail;

		if (sr & USART_SR_ORE)
			rs485_stats.overruns++;
		if (sr & (USART_SR_FE | USART_SR_NF | USART_SR_PE))
			rs485_stats.line_errors++;
		if (tx_busy) {
			/* our own echo */
		} else if (t - rx_head >= RS485_RXQ) {
			rs485_stats.rx_dropped++;
		} else {
			rxq[t & (RS485_RXQ - 1u)] = b;
			rx_tail = t + 1u;
			rs485_stats.rx_bytes++;
		}
	}
	if ((cr1 & USART_CR1_TXEIE) && (sr & USART_SR_TXE)) {
		if (tx_pos < tx_len)
			USART2->dr = txbuf[tx_pos++];
		if (tx_pos >= tx_len)
			USART2->cr1 = (cr1 & ~USART_CR1_TXEIE) | USART_CR1_TCIE;
	} else if ((cr1 & USART_CR1_TCIE) && (sr & USART_SR_TC)) {
		USART2->sr = ~USART_SR_TC;
		USART2->cr1 = cr1 & ~USART_CR1_TCIE;
		board_logic_de(0);
		tx_busy = false;
	}
}

size_t hal_uart_write(const uint8_t *p, size_t n)
{
	if (tx_busy || n == 0 || n > RS485_TXBUF)
		return 0;
	for (size_t i = 0; i < n; i++)
		txbuf[i] = p[i];
	tx_len = (uint32_t)n;
	tx_pos = 0;
	tx_busy = true;
	board_logic_de(1);
	USART2->sr = ~USART_SR_TC;
	cpu_dmb();
	USART2->cr1 |= USART_CR1_TXEIE;
	rs485_stats.tx_frames++;
	return n;
}

bool hal_uart_tx_idle(void)
{
	return !tx_busy;
}

size_t hal_uart_read(uint8_t *p, size_t max)
{
	uint32_t h = rx_head, t = rx_tail;
	size_t n = 0;

	while (h != t && n < max)
		p[n++] = rxq[h++ & (RS485_RXQ - 1u)];
	rx_head = h;
	return n;
}

void hal_uart_flush_rx(void)
{
	rx_head = rx_tail;
}
