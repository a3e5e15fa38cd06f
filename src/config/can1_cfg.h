/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The can1 and can2 sections of bmsd.yaml: the external CAN bus of
 * inverters and chargers (one profile: pylon, victron or sma, with its
 * quirks) and the internal CAN bus of displays and indication panels.
 */
#ifndef CAN1_CFG_H
#define CAN1_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "curve.h"

#define CFG_CAN_IFACE_MAX 128u     /* interface URI, with its NUL */
#define CFG_CAN1_MANUFACTURER_MAX 8u  /* 0x35E carries 8 characters */
#define CFG_CAN1_PRODUCT_MAX 16u      /* 0x370 + 0x371 carry 16 */
#define CFG_CAN2_FRAMES 8u            /* the feed uses base_id .. base_id + 7 */

enum cfg_can1_profile {
	CFG_CAN1_PYLON = 0,
	CFG_CAN1_VICTRON,
	CFG_CAN1_SMA,
	CFG_CAN1_PROFILE_COUNT
};

/* Order of the bytes of 16-bit numbers in the profile's frames. */
enum cfg_can1_order {
	CFG_CAN1_LITTLE = 0,
	CFG_CAN1_BIG,
};

/* Which alarm frame the profile sends: its own (auto), Pylon v1.2's
 * 0x359, the two-bit 0x35A, or both. */
enum cfg_can1_alarms {
	CFG_CAN1_ALARMS_AUTO = 0,
	CFG_CAN1_ALARMS_359,
	CFG_CAN1_ALARMS_35A,
	CFG_CAN1_ALARMS_BOTH,
};

/* The one battery temperature that 0x356 carries. */
enum cfg_can1_temp {
	CFG_CAN1_T_CELLS_MEAN = 0, /* mean of the cell sensors */
	CFG_CAN1_T_CELLS_MAX,      /* warmest cell sensor */
	CFG_CAN1_T_CELLS_MIN,      /* coldest cell sensor */
	CFG_CAN1_T_NTC1,           /* external NTC 1 */
	CFG_CAN1_T_NTC2,           /* external NTC 2 */
};

struct cfg_can1 {
	bool enable;
	char interface[CFG_CAN_IFACE_MAX];   /* "socketcan:can1", "slcan:/dev/ttyACM1" */
	uint32_t bitrate_bps;                /* 0: leave the interface as it is */
	enum cfg_can1_profile profile;
	char manufacturer[CFG_CAN1_MANUFACTURER_MAX + 1]; /* "": the profile's */
	char product[CFG_CAN1_PRODUCT_MAX + 1];           /* "": "bmsd" */
	enum cfg_can1_order byte_order;
	int limits_dlc;                      /* 0x351: 0 (the profile's), 6 or 8 */
	int soc_dlc;                         /* 0x355: 0 (the profile's), 4 or 6 */
	enum cfg_can1_alarms alarm_frame;
	enum cfg_can1_temp temperature;
	uint32_t period_ms;                  /* 0: the profile's cycle time */
	bool keepalive_watch;
	uint32_t keepalive_timeout_ms;
};

struct cfg_can2 {
	bool enable;
	char interface[CFG_CAN_IFACE_MAX];
	uint32_t bitrate_bps;
	uint32_t base_id;                    /* first of CFG_CAN2_FRAMES identifiers */
	uint32_t period_ms;
};

#endif /* CAN1_CFG_H */
