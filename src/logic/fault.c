/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "fault.h"

static const struct {
	const char *name;
	uint32_t mcu;
	int prot;
} faults[BMSD_F_COUNT] = {
#define X(id, nm, mcu_bit, prot_id, text) [FAULT_IDX_##id] = { nm, mcu_bit, prot_id },
	FAULT_LIST(X)
#undef X
};

const char *fault_name(unsigned int bit)
{
	for (unsigned int i = 0; i < BMSD_F_COUNT; i++)
		if (bit == 1u << i)
			return faults[i].name;
	return "?";
}

void fault_list(unsigned int f, char *buf, size_t n, const char *sep, bool quote)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < BMSD_F_COUNT; i++) {
		if (!(f & (1u << i)))
			continue;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s%s%s",
					len ? sep : "", quote ? "\"" : "", faults[i].name,
					quote ? "\"" : "");
	}
}

unsigned int fault_from_mcu(uint32_t mcu_faults)
{
	unsigned int f = 0;

	if (!mcu_faults)
		return 0; /* the steady state, on every wake-up of the MCU link */
	for (unsigned int i = 0; i < BMSD_F_COUNT; i++)
		if (faults[i].mcu & mcu_faults)
			f |= 1u << i;
	return f;
}

uint32_t fault_conditions(unsigned int f)
{
	uint32_t cond = 0;

	if (!f)
		return 0;
	for (unsigned int i = 0; i < BMSD_F_COUNT; i++)
		if ((f & (1u << i)) && faults[i].prot >= 0)
			cond |= 1u << faults[i].prot;
	return cond;
}
