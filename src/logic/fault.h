/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault: the faults that bmsd itself reports, in one registry. Each line
 * gives the fault's bit (BMSD_F_ID), its name in status, JSON, the event
 * log, CAN2 and Modbus, the MCU fault bit it comes from (docs/bridge-
 * protocol.md, IO.faults; 0 when bmsd finds it itself), the protection
 * whose condition it raises (prot_ids.h; -1: none) and its text.
 *
 * Append only: the bits are part of the CAN2 feed and the Modbus map.
 */
#ifndef FAULT_H
#define FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prot_ids.h"
#include "proto/bp.h"

#define FAULT_LIST(X)                                                                    \
	X(UNCONFIGURED, "unconfigured", 0, -1, "no valid configuration")                  \
	X(COMM, "comm", 0, PROT_LINK_LOST, "MCU link lost")                               \
	X(LINK_DOWN, "link-down", 0, -1, "MCU never heard, or link closed")               \
	X(MCU_CFG, "mcu-config", 0, -1, "the MCU rejected our configuration")             \
	X(MCU_TRIP, "mcu-trip", 0, PROT_MCU_TRIP, "the safety floor tripped")             \
	X(MCU_PROTO, "mcu-protocol", 0, -1, "the MCU speaks another protocol version")    \
	X(LOGIC_OFFLINE, "logic-offline", BP_FAULT_LOGIC_OFFLINE, -1,                     \
	  "a BMS Logic board is offline")                                                 \
	X(CURRENT_SENSOR, "current-sensor", BP_FAULT_CURRENT_SENSOR, PROT_SENSOR,         \
	  "no current sensor can measure the current")                                   \
	X(NTC, "ntc", BP_FAULT_NTC, PROT_SENSOR, "an external NTC is open or shorted")     \
	X(HUMIDITY, "humidity", BP_FAULT_HUMIDITY, -1, "the humidity sensor failed")       \
	X(SUPPLY, "supply", BP_FAULT_SUPPLY, -1, "the supply is outside 9 to 32 V")

enum fault_idx {
#define X(id, name, mcu, prot, text) FAULT_IDX_##id,
	FAULT_LIST(X)
#undef X
	BMSD_F_COUNT
};

/* Faults as bits of bmsd_faults() and of view.faults. */
enum bmsd_fault {
#define X(id, name, mcu, prot, text) BMSD_F_##id = 1u << FAULT_IDX_##id,
	FAULT_LIST(X)
#undef X
};

/* The name of the single fault @bit, "?" for anything else. */
const char *fault_name(unsigned int bit);
/* The names of the faults in @f, separated by @sep, each in double quotes
 * when @quote (for JSON); "" when none. */
void fault_list(unsigned int f, char *buf, size_t n, const char *sep, bool quote);
/* The faults that the MCU's fault bits (BP_FAULT_*) report. */
unsigned int fault_from_mcu(uint32_t mcu_faults);
/* The protection conditions (bits of enum prot_id) that faults @f raise. */
uint32_t fault_conditions(unsigned int f);

#endif /* FAULT_H */
