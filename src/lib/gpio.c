/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gpio.h"

#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>

struct gpio_line {
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	int value;
};

/* A line given as digits is an offset, anything else a name. */
static int parse_offset(const char *s, unsigned int *off)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10u + (unsigned long)(*s - '0');
		if (v > 65535u)
			return -1;
	}
	*off = (unsigned int)v;
	return 0;
}

int gpio_line_open(struct gpio_line **out, const char *chip, const char *line,
		   bool active_low, int value, const char *consumer)
{
	struct gpio_line *g;
	unsigned int off;
	int rc;

	if (!chip || !*chip || !line || !*line)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->chip = gpiod_chip_open_lookup(chip);
	if (!g->chip) {
		rc = errno == ENOENT ? -ENODEV : -errno;
		goto err_free;
	}
	if (parse_offset(line, &off) == 0)
		g->line = gpiod_chip_get_line(g->chip, off);
	else
		g->line = gpiod_chip_find_line(g->chip, line);
	if (!g->line) {
		rc = (errno == 0 || errno == ENOENT || errno == EINVAL) ? -ENOENT : -errno;
		goto err_chip;
	}
	g->value = value ? 1 : 0;
	if (gpiod_line_request_output_flags(g->line, consumer,
					    active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
					    g->value) < 0) {
		rc = -errno;
		goto err_chip;
	}
	*out = g;
	return 0;

err_chip:
	gpiod_chip_close(g->chip);
err_free:
	free(g);
	return rc ? rc : -EIO;
}

int gpio_line_set(struct gpio_line *g, int value)
{
	value = value ? 1 : 0;
	if (value == g->value)
		return 0;
	if (gpiod_line_set_value(g->line, value) < 0)
		return -errno;
	g->value = value;
	return 0;
}

int gpio_line_value(const struct gpio_line *g)
{
	return g->value;
}

void gpio_line_close(struct gpio_line *g)
{
	if (!g)
		return;
	gpiod_line_release(g->line);
	gpiod_chip_close(g->chip);
	free(g);
}
