/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpio: output lines of the SBC (run and fault LEDs, MCU reset and BOOT0,
 * RS-485 driver enable). The one file that knows libgpiod; a libgpiod v2
 * port replaces gpio.c alone.
 */
#ifndef GPIO_H
#define GPIO_H

#include <stdbool.h>

struct gpio_line;

/* Request one output line. @chip is a chip name ("gpiochip0"), path
 * ("/dev/gpiochip0"), label or number; @line is a line name, or a decimal
 * offset. The line starts at logical @value (active_low inverts it on the
 * pin). Returns 0 and sets *@out, or a negative errno: -ENODEV (no such
 * chip), -ENOENT (no such line), -EBUSY (line held by another consumer). */
int gpio_line_open(struct gpio_line **out, const char *chip, const char *line,
		   bool active_low, int value, const char *consumer);

/* Drive the line to logical @value (0 or 1). Returns 0 or a negative errno. */
int gpio_line_set(struct gpio_line *g, int value);

/* The logical value last set. */
int gpio_line_value(const struct gpio_line *g);

/* Release the line (it keeps its last value) and free it. NULL is fine. */
void gpio_line_close(struct gpio_line *g);

#endif /* GPIO_H */
