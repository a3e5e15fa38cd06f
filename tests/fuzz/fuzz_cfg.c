/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the configuration parser. For any input: the parser
 * returns 0 or a negative errno; an error leaves the output untouched and
 * carries a message that starts with the name and the position, which lies
 * within the input; an accepted configuration has terminated strings, gives
 * the same struct when parsed again, and converts into a bridge config that
 * bp_config_check() accepts and bp_config_pack() serialises.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "mcu_cfg.h"
#include "proto/bp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static void check_strings(const struct cfg *c)
{
	const struct cfg_gpio_line *l[] = { &c->gpio.run_led, &c->gpio.fault_led,
					    &c->gpio.mcu_reset, &c->gpio.mcu_boot0,
					    &c->gpio.rs485_de };

	CHECK(terminated(c->link.interface, sizeof(c->link.interface)));
	CHECK(terminated(c->control.socket, sizeof(c->control.socket)));
	CHECK(terminated(c->control.group, sizeof(c->control.group)));
	CHECK(terminated(c->event_log.dir, sizeof(c->event_log.dir)));
	CHECK(c->control.socket[0] == '/' && c->event_log.dir[0] == '/');
	for (unsigned int i = 0; i < 5; i++) {
		CHECK(terminated(l[i]->chip, sizeof(l[i]->chip)));
		CHECK(terminated(l[i]->line, sizeof(l[i]->line)));
		if (l[i]->configured)
			CHECK(l[i]->chip[0] && l[i]->line[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg c, again;
	struct cfg_error e;
	struct bp_config b;
	uint8_t blob[BP_CFG_BLOB_MAX];
	char prefix[32];
	size_t lines = 2; /* 1-based, and libyaml ends the stream on a line of its own */
	int rc;

	/* an upper bound of the line breaks YAML sees: CR, LF, NEL, LS, PS */
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xA8 ||
			 data[i] == 0xA9;
	memset(&c, 0xA5, sizeof(c));
	again = c;
	rc = cfg_parse("fuzz", (const char *)data, size, &c, &e);
	if (rc) {
		CHECK(rc < 0);
		CHECK(memcmp(&c, &again, sizeof(c)) == 0);
		CHECK(terminated(e.msg, sizeof(e.msg)));
		CHECK(e.line >= 0 && e.col >= 0);
		CHECK((size_t)e.line <= lines);
		if (e.line > 0)
			snprintf(prefix, sizeof(prefix), "fuzz:%d:%d: ", e.line, e.col);
		else
			snprintf(prefix, sizeof(prefix), "fuzz: ");
		CHECK(!strncmp(e.msg, prefix, strlen(prefix)));
		CHECK(strlen(e.msg) > strlen(prefix));
		return 0;
	}
	check_strings(&c);
	CHECK(cfg_parse("fuzz", (const char *)data, size, &again, &e) == 0);
	CHECK(memcmp(&c, &again, sizeof(c)) == 0);
	CHECK(cfg_profile(&c) != NULL);
	mcu_cfg_build(&c, &b);
	CHECK(bp_config_check(&b) == BP_OK);
	CHECK(bp_config_pack(&b, blob, sizeof(blob)) > 0);
	return 0;
}
