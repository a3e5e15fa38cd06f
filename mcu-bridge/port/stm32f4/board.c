/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "board.h"
#include "../../hal/hal_gpio.h"
#include "../../hal/hal_sys.h"

struct pin_cfg {
	uint8_t port, pin, mode, pull, af;
};

/* PE4..PE10: relay LEDs 1..4, run, comm, error; lit when high */
static const uint8_t led_pin[HAL_LED_COUNT] = {
	[HAL_LED_RUN] = 8, [HAL_LED_COMM] = 9, [HAL_LED_ERROR] = 10,
	[HAL_LED_RELAY1] = 4, [HAL_LED_RELAY2] = 5, [HAL_LED_RELAY3] = 6, [HAL_LED_RELAY4] = 7,
};

#define OUT(port, pin) { port, pin, GPIO_MODE_OUTPUT, GPIO_PULL_NONE, 0 }
#define IN(port, pin, pull) { port, pin, GPIO_MODE_INPUT, pull, 0 }
#define ANA(port, pin) { port, pin, GPIO_MODE_ANALOG, GPIO_PULL_NONE, 0 }
#define AF(port, pin, af, pull) { port, pin, GPIO_MODE_AF, pull, af }

static const struct pin_cfg pins[] = {
	/* relays and discrete outputs (port E, see board.h) */
	OUT(PORT_E, 0), OUT(PORT_E, 1), OUT(PORT_E, 2), OUT(PORT_E, 3),
	OUT(PORT_E, 12), OUT(PORT_E, 13), OUT(PORT_E, 14), OUT(PORT_E, 15),
	/* LEDs */
	OUT(PORT_E, 4), OUT(PORT_E, 5), OUT(PORT_E, 6), OUT(PORT_E, 7),
	OUT(PORT_E, 8), OUT(PORT_E, 9), OUT(PORT_E, 10),
	/* discrete inputs: pulled up to +5 V on the board, through a divider */
	IN(PORT_D, 8, GPIO_PULL_NONE), IN(PORT_D, 9, GPIO_PULL_NONE),
	IN(PORT_D, 10, GPIO_PULL_NONE), IN(PORT_D, 11, GPIO_PULL_NONE),
	/* board identity straps */
	IN(PORT_D, 14, GPIO_PULL_UP), IN(PORT_D, 15, GPIO_PULL_UP),
	/* CAN1 to the SBC: PD0 RX, PD1 TX (AF9); PD3 transceiver standby, low = on */
	AF(PORT_D, 0, 9, GPIO_PULL_UP), AF(PORT_D, 1, 9, GPIO_PULL_NONE), OUT(PORT_D, 3),
	/* Logic bus: PD5 TX, PD6 RX (USART2, AF7); PD4 driver enable */
	AF(PORT_D, 5, 7, GPIO_PULL_NONE), AF(PORT_D, 6, 7, GPIO_PULL_UP), OUT(PORT_D, 4),
	/* analogue inputs: CS1/CS2 out and ref, NTC1/2, humidity, supply */
	ANA(PORT_C, 0), ANA(PORT_C, 1), ANA(PORT_C, 2), ANA(PORT_C, 3),
	ANA(PORT_C, 4), ANA(PORT_C, 5), ANA(PORT_B, 0), ANA(PORT_B, 1),
};

static uint8_t board_id;

void board_init(void)
{
	uint32_t idr;
	uint8_t id;

	RCC->ahb1enr |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOBEN | RCC_AHB1ENR_GPIOCEN |
			RCC_AHB1ENR_GPIODEN | RCC_AHB1ENR_GPIOEEN;
	(void)RCC->ahb1enr;
	for (unsigned int i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		const struct pin_cfg *c = &pins[i];
		struct stm32_gpio *g = GPIO_PORT(c->port);
		unsigned int s2 = 2u * c->pin, s4 = 4u * (c->pin & 7u);

		if (c->mode == GPIO_MODE_OUTPUT)
			g->bsrr = 1u << (c->pin + 16u); /* low before it drives */
		g->pupdr = (g->pupdr & ~(3u << s2)) | (uint32_t)c->pull << s2;
		g->afr[c->pin >> 3] = (g->afr[c->pin >> 3] & ~(0xFu << s4)) | (uint32_t)c->af << s4;
		g->moder = (g->moder & ~(3u << s2)) | (uint32_t)c->mode << s2;
	}
	/* medium speed for the bus pins: 500 kbaud and 1 Mbit/s edges */
	GPIO_PORT(PORT_D)->ospeedr |= 1u << (2 * 1) | 1u << (2 * 5);

	/* let the pull-ups settle before the straps are read */
	for (volatile unsigned int i = 0; i < 100; i++)
		;
	idr = GPIO_PORT(PORT_D)->idr;
	id = (uint8_t)((~idr >> BOARD_ID_PIN0) & 3u);

	board_id = (id == HAL_BOARD_MAIN_2R || id == HAL_BOARD_MAIN_21) ? id : 0;
}

void board_logic_de(int on)
{
	GPIO_PORT(PORT_D)->bsrr = on ? 1u << 4 : 1u << (4 + 16);
}

void hal_relays_set(uint8_t mask)
{
	uint32_t m = mask & 0xFu;

	/* one store: closing and opening happen together */
	GPIO_PORT(BOARD_RELAY_PORT)->bsrr = m << BOARD_RELAY_PIN0 |
					    ((~m & 0xFu) << BOARD_RELAY_PIN0) << 16;
}

void hal_do_set(uint8_t mask)
{
	uint32_t m = mask & 0xFu;

	GPIO_PORT(BOARD_RELAY_PORT)->bsrr = m << BOARD_DO_PIN0 |
					    ((~m & 0xFu) << BOARD_DO_PIN0) << 16;
}

uint8_t hal_di_read(void)
{
	return (uint8_t)((~GPIO_PORT(BOARD_DI_PORT)->idr >> BOARD_DI_PIN0) & 0xFu);
}

void hal_led_set(enum hal_led led, bool on)
{
	uint32_t bit;

	if ((unsigned int)led >= HAL_LED_COUNT)
		return;
	bit = 1u << led_pin[led];
	GPIO_PORT(PORT_E)->bsrr = on ? bit : bit << 16;
}

uint8_t hal_board_id(void)
{
	return board_id;
}
