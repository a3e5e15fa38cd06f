/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events: the codes of bmsd's event-log records. Codes are stable: tools
 * and service notes refer to them by number. Add new codes at the end of
 * a block, never renumber.
 */
#ifndef EVENTS_H
#define EVENTS_H

enum ev_code {
	/* daemon life, 1xx */
	EV_START = 100,
	EV_STOP = 101,
	EV_CONFIG_APPLIED = 102,
	EV_CONFIG_REFUSED = 103,
	EV_UNCONFIGURED = 104,
	EV_RELOAD = 105,
	/* MCU link, 2xx */
	EV_LINK_UP = 200,
	EV_LINK_DOWN = 201,
	EV_COMM_FAULT = 202,
	EV_COMM_CLEAR = 203,
	EV_MCU_CFG_VERIFIED = 204,
	EV_MCU_CFG_REJECTED = 205,
	EV_MCU_SAFETY = 206,
	EV_MCU_TRIP = 207,
	EV_MCU_FAULTS = 208,
	EV_LINK_ERROR = 209,
	/* operator actions, 3xx */
	EV_FAULT_RESET = 300,
	EV_OPERATION = 301,     /* connect / disconnect request */
	EV_SOC_SET = 302,       /* SOC set or reset by an operator */
	/* relays and contactor sequences, 4xx */
	EV_RELAYS = 400,
	EV_CONTACTOR = 401,     /* precharge, soft stop, charge mode steps */
	EV_CONTACTOR_FAULT = 402, /* feedback mismatch, weld, precharge failure */
	/* protections, 5xx */
	EV_PROT_SET = 500,
	EV_PROT_CLEAR = 501,
	EV_PROT_LATCHED = 502,
	EV_PROT_RESET = 503,
	/* state of charge and health, 6xx */
	EV_SOC_SYNC = 600,      /* full-charge sync to 100 % */
	EV_SOC_OCV = 601,       /* correction from the OCV table */
	EV_SOC_RESTORED = 602,  /* persisted SOC restored at start */
	EV_SOH = 603,           /* capacity measured, SOH updated */
	EV_STATE_FILE = 604,    /* the persisted state could not be read or written */
	/* external interfaces, 7xx */
	EV_MODBUS_WRITE = 700,  /* an accepted control write */
	EV_MODBUS_ERROR = 701,  /* a server could not open or failed */
	EV_CAN_ERROR = 710,     /* CAN1 / CAN2 open failure, bus-off, recovery */
	EV_CAN_PEER = 711,      /* inverter keep-alive lost or back */
};

#endif /* EVENTS_H */
