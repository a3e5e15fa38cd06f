/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of the contactors section, and the rules between them. */
#include <stdio.h>

#include "cfg_keys.h"

static const struct cfg_enum_name charge_mode_names[] = {
	{ "always", CFG_CHARGE_ALWAYS, "charging is allowed whenever the pack is connected" },
	{ "charger-connected", CFG_CHARGE_CHARGER,
	  "charging is allowed only while the charger-connected input is active, after "
	  "charge_on_delay_ms" },
	{ NULL, 0, NULL },
};

#define ST struct cfg_contactors
const struct cfg_key cfg_contactors_keys[] = {
	ENUM(ST, charge_mode, 0, charge_mode_names, "always",
	     "when the charge path and allow-charging may close"),
	UINT(ST, charge_on_delay_ms, 0, 600000, "ms", "1000",
	     "Ton: the charger-connected input must be active this long before the charge "
	     "contactor and allow-charging close"),
	UINT(ST, charge_off_delay_ms, 0, 600000, "ms", "3000",
	     "Toff: after the charger is lost or power down is requested, the contactors open "
	     "this much later (allow-charging opens at once)"),
	UINT(ST, end_of_charge_cell_mV, 1000, 16382, "mV", "3600",
	     "end of charge: when the highest cell reaches it, allow-charging opens (the "
	     "contactors stay closed)"),
	UINT(ST, resume_charge_cell_mV, 1000, 16381, "mV", "3400",
	     "allow-charging closes again when the highest cell falls below it; below "
	     "end_of_charge_cell_mV"),
	UINT(ST, precharge_ms, 10, 600000, "ms", "2000",
	     "least time the precharge relay is closed before the contactor takes over"),
	UINT(ST, precharge_done_mA, 1, 8388607, "mA", "1000",
	     "the DC link is charged when the magnitude of the current has fallen below this"),
	UINT(ST, precharge_timeout_ms, 10, 600000, "ms", "5000",
	     "a precharge attempt fails when the current is not yet below precharge_done_mA "
	     "at this time; not below precharge_ms"),
	UINT(ST, precharge_retries, 0, 10, "retries", "2",
	     "attempts after a failed first one before precharge_failed is raised"),
	UINT(ST, retry_delay_ms, 0, 600000, "ms", "10000",
	     "pause between two precharge attempts, with every contactor open (lets the "
	     "precharge resistor cool)"),
	UINT(ST, overlap_ms, 0, 10000, "ms", "200",
	     "the precharge relay opens this long after the contactor closed"),
	UINT(ST, feedback_delay_ms, 10, 60000, "ms", "500",
	     "a contactor feedback input may disagree with its relay this long before "
	     "a mismatch (or a weld) is raised"),
	UINT(ST, soft_stop_current_mA, 1, 8388607, "mA", "2000",
	     "soft stop: a contactor opens once the magnitude of the current through its path "
	     "is below this"),
	UINT(ST, soft_stop_timeout_ms, 0, 600000, "ms", "5000",
	     "soft stop: the contactor opens after this long even if the current did not fall; "
	     "0 opens at once"),
	END,
};
#undef ST

int cfg_contactors_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_contactors *k = sec;

	if (k->resume_charge_cell_mV >= k->end_of_charge_cell_mV) {
		snprintf(msg, n, "resume_charge_cell_mV (%u) must be below end_of_charge_cell_mV "
			 "(%u)", (unsigned int)k->resume_charge_cell_mV,
			 (unsigned int)k->end_of_charge_cell_mV);
		*off = (uint32_t)offsetof(struct cfg_contactors, resume_charge_cell_mV);
		return 1;
	}
	if (k->precharge_timeout_ms < k->precharge_ms) {
		snprintf(msg, n, "precharge_timeout_ms (%u) must not be below precharge_ms (%u)",
			 (unsigned int)k->precharge_timeout_ms, (unsigned int)k->precharge_ms);
		*off = (uint32_t)offsetof(struct cfg_contactors, precharge_timeout_ms);
		return 1;
	}
	return 0;
}
