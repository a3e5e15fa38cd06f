/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heater: the pack heater and the cold-charge block.
 *
 * The heater turns on when the lowest cell temperature is below on_dC and
 * off when it reaches off_dC, or when the highest reaches max_temp_dC (it
 * may turn on again once the highest is below max_temp_dC - (off_dC -
 * on_dC)). It stays off while heater.enable is false, while no valid
 * temperature is known, with charger_only while no charger is connected,
 * and while its fault is latched.
 *
 * The heater watches itself: while on, the lowest temperature must rise by
 * min_rise_dC within every max_on_s. Otherwise the heater is faulty: it
 * turns off and the fault stays latched until heater_reset(). The glue
 * feeds the fault to the heater_fault protection.
 *
 * The cold-charge block (with charge_block) is set when the lowest
 * temperature is below charge_block_below_dC and released when it reaches
 * charge_release_dC; it starts set, and is set while no valid temperature
 * is known. It does not depend on heater.enable. The glue gives it to the
 * limits (block_charge) and to the contactor logic.
 *
 * Pure: time is an argument; nothing here logs or allocates.
 */
#ifndef HEATER_H
#define HEATER_H

#include <stdbool.h>
#include <stdint.h>

#include "limits_cfg.h"

struct heater_in {
	bool temp_valid;                  /* false: unknown or stale */
	int32_t temp_min_dC, temp_max_dC; /* lowest and highest cell temperature */
	bool charger_connected;
};

struct heater_out {
	bool on;           /* drive the heater relay */
	bool block_charge; /* the pack is too cold to charge */
	bool fault;        /* latched until heater_reset() */
};

struct heater {
	struct cfg_heater cfg;
	bool on, blocked, fault;
	uint64_t ref_ms;   /* start of the current warming watch */
	int32_t ref_dC;    /* lowest temperature at ref_ms */
};

/* Heater off, charging blocked, no fault; a copy of @c. */
void heater_init(struct heater *h, const struct cfg_heater *c);

/* Take a new configuration (a reload), keeping the state. */
void heater_reconfigure(struct heater *h, const struct cfg_heater *c);

/* Decide for @in at @now_ms into @out. */
void heater_step(struct heater *h, const struct heater_in *in, uint64_t now_ms,
		 struct heater_out *out);

/* Clear a latched fault (bmsctl reset-faults); the heater may run again at
 * the next step. */
void heater_reset(struct heater *h);

#endif /* HEATER_H */
