/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prot_ids: the protections of bmsd, their tiers and actions. The list is
 * shared by the protection engine (prot.c), the configuration, the status,
 * the event log, the Modbus map and the CAN alarm bits, so each names a
 * protection the same way. Append only: the numbers are part of the
 * Modbus map.
 *
 * X(ID, "config-key", "text")
 */
#ifndef PROT_IDS_H
#define PROT_IDS_H

#define PROT_LIST(X)                                                                    \
	X(CELL_OV, cell_over_voltage, "cell over-voltage")                              \
	X(CELL_UV, cell_under_voltage, "cell under-voltage")                            \
	X(PACK_OV, pack_over_voltage, "pack over-voltage")                              \
	X(PACK_UV, pack_under_voltage, "pack under-voltage")                            \
	X(CHG_OC, charge_over_current, "over-current in charge")                        \
	X(DSG_OC, discharge_over_current, "over-current in discharge")                  \
	X(CHG_OT, charge_over_temperature, "over-temperature in charge")                \
	X(CHG_UT, charge_under_temperature, "under-temperature in charge")              \
	X(DSG_OT, discharge_over_temperature, "over-temperature in discharge")          \
	X(DSG_UT, discharge_under_temperature, "under-temperature in discharge")        \
	X(CELL_SPREAD, cell_imbalance, "cell voltage spread")                           \
	X(LOGIC_OFFLINE, logic_offline, "Logic board offline")                          \
	X(SENSOR, sensor_fault, "sensor fault")                                         \
	X(LINK_LOST, mcu_link_lost, "MCU link lost")                                    \
	X(EXT_OFFLINE, external_offline, "external equipment offline")                  \
	X(FEEDBACK, contactor_feedback, "contactor feedback mismatch")                  \
	X(HUMIDITY, humidity, "humidity")                                               \
	X(DEEP_DISCHARGE, deep_discharge, "deep discharge")                             \
	X(WELDED, contactor_welded, "welded contactor")                                 \
	X(PRECHARGE, precharge_failed, "precharge failed")                              \
	X(HEATER, heater_fault, "heater fault")                                         \
	X(EMERGENCY_STOP, emergency_stop, "emergency stop")                             \
	X(INSULATION, insulation_fault, "insulation fault")                             \
	X(MCU_TRIP, safety_floor_trip, "safety floor trip")

enum prot_id {
#define PROT_ENUM_(id, key, text) PROT_##id,
	PROT_LIST(PROT_ENUM_)
#undef PROT_ENUM_
	PROT_COUNT
};

enum prot_tier {
	PROT_TIER_WARNING = 0,
	PROT_TIER_ALARM,
	PROT_TIER_CRITICAL,
	PROT_TIER_COUNT
};

/* What an active protection does; an action includes none of the others,
 * so a config can say "block charge" without "derate". */
enum prot_action {
	PROT_ACT_REPORT = 0,      /* event, status, alarm bits; nothing else */
	PROT_ACT_DERATE,          /* the current limits are reduced (halved) */
	PROT_ACT_BLOCK_CHARGE,    /* CCL = 0 and charge paths open (soft stop) */
	PROT_ACT_BLOCK_DISCHARGE, /* DCL = 0 and discharge paths open (soft stop) */
	PROT_ACT_OPEN_ALL,        /* every contactor opens; critical tier: at once */
	PROT_ACT_COUNT
};

/* State of one protection. */
enum prot_state {
	PROT_ST_CLEAR = 0,  /* inactive */
	PROT_ST_SETTING,    /* past its set threshold, set delay running */
	PROT_ST_ACTIVE,     /* set */
	PROT_ST_CLEARING,   /* back past its clear threshold, clear delay running */
	PROT_ST_LATCHED,    /* condition gone, held until a reset */
	PROT_ST_COUNT
};

#endif /* PROT_IDS_H */
