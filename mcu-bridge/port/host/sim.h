/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim: the simulated world around the firmware core in bms-sim: the pack,
 * the Logic boards on the RS-485 wire, the sensors and relays, and the
 * faults injected into them.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "pack.h"
#include "simboard.h"

#define SIM_RELAY_OK 0
#define SIM_RELAY_WELDED 1 /* contacts stay closed whatever the coil does */
#define SIM_RELAY_STUCK 2  /* contacts stay open whatever the coil does */

struct sim {
	struct pack pack;
	struct simbus bus;           /* the Logic boards on their wire */
	uint8_t relay_coil;          /* what the firmware drives */
	uint8_t relay_fault[4];      /* SIM_RELAY_* per relay */
	uint8_t relay_contacts;      /* what the contacts really do */
	uint8_t di_forced_mask;      /* DI bits forced by a scenario ... */
	uint8_t di_forced_val;       /* ... to these values */
	uint8_t di_feedback[4];      /* DI n reads relay di_feedback[n]'s contacts (1..4), 0: none */
	uint8_t dos;                 /* discrete outputs driven */
	uint8_t leds;                /* LED states, bit n = enum hal_led n */
	bool link_down;              /* CAN link dropped: nothing in or out */
	double time_scale;           /* pack seconds per wall second */
	uint64_t pack_us;            /* pack time since start */
	bool quit;
};

/* What the relay contacts do with the coils as they are driven now: welded
 * contacts stay closed, stuck ones open. */
uint8_t sim_contacts(const struct sim *s);

/* Levels of the discrete inputs: each follows the contacts of the relay it
 * is wired to (di_feedback), unless a scenario forces it. */
uint8_t sim_di(const struct sim *s);

#endif
