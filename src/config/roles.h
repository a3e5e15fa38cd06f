/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * roles.h: what a relay, a digital input or a digital output does. The
 * configuration assigns them (relays.relayN.role, inputs.inN.role,
 * outputs.outN.role) and the board profiles give their defaults.
 */
#ifndef ROLES_H
#define ROLES_H

enum cfg_relay_role {
	CFG_RELAY_NONE = 0,
	CFG_RELAY_CHARGE,         /* charge contactor */
	CFG_RELAY_DISCHARGE,      /* discharge (load) contactor */
	CFG_RELAY_MAIN,           /* one contactor for charge and discharge */
	CFG_RELAY_PRECHARGE,      /* precharge contactor */
	CFG_RELAY_ALLOW_CHARGING, /* "allow charging" signal to the charger */
	CFG_RELAY_HEATER,
	CFG_RELAY_ALARM,          /* alarm output */
	CFG_RELAY_ROLE_COUNT
};

enum cfg_input_role {
	CFG_IN_NONE = 0,
	CFG_IN_CHARGER_CONNECTED,
	CFG_IN_POWER_REQUEST,     /* power up / down request */
	CFG_IN_INHIBIT_CHARGE,
	CFG_IN_INHIBIT_DISCHARGE,
	CFG_IN_EMERGENCY_STOP,
	CFG_IN_INSULATION_FAULT,  /* insulation monitor reports a fault */
	CFG_IN_FEEDBACK_RELAY1,   /* auxiliary contact of relay 1's contactor */
	CFG_IN_FEEDBACK_RELAY2,
	CFG_IN_FEEDBACK_RELAY3,
	CFG_IN_FEEDBACK_RELAY4,
	CFG_INPUT_ROLE_COUNT
};

enum cfg_output_role {
	CFG_OUT_NONE = 0,
	CFG_OUT_ALARM,
	CFG_OUT_WARNING,
	CFG_OUT_READY,
	CFG_OUT_CHARGING_ALLOWED,
	CFG_OUT_BALANCING,        /* balancing active */
	CFG_OUTPUT_ROLE_COUNT
};

#endif
