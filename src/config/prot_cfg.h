/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The protections section of bmsd.yaml: the safety-floor margins, then one
 * sub-section per protection, named by its key in PROT_LIST (prot_ids.h).
 * The keys of a sub-section carry the protection's unit (set_mV, set_mA,
 * set_dC, set_pct); they all land in the generic struct cfg_prot.
 */
#ifndef PROT_CFG_H
#define PROT_CFG_H

#include <stdbool.h>
#include <stddef.h> /* size_t, for the xcheck hook */
#include <stdint.h>

#include "curve.h"

/* One protection. Thresholds are in the unit of the protection's keys: mV,
 * mA, dC or whole %RH; a condition protection has none (both 0). */
struct cfg_prot {
	bool enable;
	bool latch;              /* held after its condition is gone, until a reset */
	int32_t set;             /* set threshold */
	int32_t clear;           /* clear threshold (hysteresis) */
	uint32_t set_delay_ms;   /* the condition holds this long before it sets */
	uint32_t clear_delay_ms; /* the condition stays gone this long before it clears */
	int tier;                /* enum prot_tier */
	int action;              /* enum prot_action */
};

struct cfg_protections {
	uint32_t floor_margin_mV;  /* safety floor beyond a critical cell voltage */
	uint32_t floor_margin_dC;  /* safety floor beyond a critical temperature */
	uint32_t floor_margin_pct; /* safety floor beyond a critical over-current */
	/* the order of PROT_LIST */
	struct cfg_prot cell_over_voltage;
	struct cfg_prot cell_under_voltage;
	struct cfg_prot pack_over_voltage;
	struct cfg_prot pack_under_voltage;
	struct cfg_prot charge_over_current;
	struct cfg_prot discharge_over_current;
	struct cfg_prot charge_over_temperature;
	struct cfg_prot charge_under_temperature;
	struct cfg_prot discharge_over_temperature;
	struct cfg_prot discharge_under_temperature;
	struct cfg_prot cell_imbalance;
	struct cfg_prot logic_offline;
	struct cfg_prot sensor_fault;
	struct cfg_prot mcu_link_lost;
	struct cfg_prot external_offline;
	struct cfg_prot contactor_feedback;
	struct cfg_prot humidity;
	struct cfg_prot deep_discharge;
	struct cfg_prot contactor_welded;
	struct cfg_prot precharge_failed;
	struct cfg_prot heater_fault;
	struct cfg_prot emergency_stop;
	struct cfg_prot insulation_fault;
	struct cfg_prot safety_floor_trip;
};

/* Rules between the protections of the section (the SECTION row's
 * .xcheck): when both are enabled, an under-voltage or under-temperature
 * sets below its over- counterpart, and deep_discharge sets below
 * cell_under_voltage. Returns 0, or 1 with @msg and *@off (the key to
 * blame, as an offset in struct cfg_protections). */
int cfg_protections_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);

#endif /* PROT_CFG_H */
