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
	/* relays, 4xx */
	EV_RELAYS = 400,
};

#endif /* EVENTS_H */
