/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * board: the pin map of the Main board on an STM32F405VG (LQFP100), as
 * docs/firmware.md tables it, and the GPIO side of the HAL (relays, DI,
 * DO, LEDs, board identity).
 *
 * The four relay coil drivers and the four discrete outputs all sit on
 * port E (PE0..PE3, PE12..PE15), active high, each with a pull-down on
 * the board. One store to GPIOE_BSRR therefore drives every one of them
 * low at once; the reset handler and every fault handler begin with that
 * store. Until then the pins are inputs and the pull-downs hold the relays
 * open: at power-up, in reset, and in the system bootloader, which leaves
 * port E alone.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

#include "regs.h"

enum board_port { PORT_A, PORT_B, PORT_C, PORT_D, PORT_E };

#define BOARD_RELAY_PORT PORT_E
#define BOARD_RELAY_PIN0 0u   /* RELAY1..4 on PE0..PE3 */
#define BOARD_DO_PIN0 12u     /* DO1..4 on PE12..PE15 */
#define BOARD_DI_PORT PORT_D
#define BOARD_DI_PIN0 8u      /* DI1..4 on PD8..PD11, low = contact closed */
#define BOARD_ID_PIN0 14u     /* ID0, ID1 on PD14, PD15, strapped to ground */

/* The safe-output store, as literal numbers for the fault entry in
 * assembly: GPIOE_BSRR and the reset bits of PE0..PE3 and PE12..PE15. */
#define BOARD_SAFE_BSRR_ADDR 0x40021018
#define BOARD_SAFE_BSRR_BITS 0xF00F0000

_Static_assert(BOARD_SAFE_BSRR_ADDR ==
		       GPIO_BASE + BOARD_RELAY_PORT * GPIO_STRIDE + GPIO_BSRR_OFFSET,
	       "safe store address");
_Static_assert((uint32_t)BOARD_SAFE_BSRR_BITS ==
		       ((0xFu << BOARD_RELAY_PIN0) | (0xFu << BOARD_DO_PIN0)) << 16,
	       "safe store bits");

/* Relays and discrete outputs low and driven, using no RAM: callable
 * before .data and .bss exist. */
static inline void board_safe_outputs(void)
{
	struct stm32_gpio *e = GPIO_PORT(BOARD_RELAY_PORT);
	uint32_t pins = (0xFu << BOARD_RELAY_PIN0) | (0xFu << BOARD_DO_PIN0);
	uint32_t mask = 0, out = 0;

	RCC->ahb1enr |= RCC_AHB1ENR_GPIOEEN;
	(void)RCC->ahb1enr; /* the port clock is on two cycles after the write */
	e->bsrr = (uint32_t)BOARD_SAFE_BSRR_BITS;
	for (unsigned int p = 0; p < 16; p++) {
		if (pins & (1u << p)) {
			mask |= 3u << (2 * p);
			out |= GPIO_MODE_OUTPUT << (2 * p);
		}
	}
	e->moder = (e->moder & ~mask) | out;
}

/* Clock every port and configure every pin of the map: outputs low,
 * inputs, analogue inputs, and the alternate functions of CAN1 and
 * USART2. */
void board_init(void);

/* Drive the RS-485 transceiver of the Logic bus: 1 = transmit. */
void board_logic_de(int on);

#endif
