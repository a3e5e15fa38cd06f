/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The contactors section of bmsd.yaml: how the contactor and charge control
 * (cc.h) closes and opens the relays that have a contactor role, the charge
 * mode, the end of charge, the precharge sequence, the feedback check and the
 * soft stop.
 */
#ifndef CC_CFG_H
#define CC_CFG_H

#include <stdbool.h>
#include <stddef.h> /* size_t, for the xcheck hook */
#include <stdint.h>

#include "curve.h"

enum cfg_charge_mode {
	CFG_CHARGE_ALWAYS = 0,       /* the charge path closes with the pack */
	CFG_CHARGE_CHARGER,          /* only while the charger-connected input is active */
	CFG_CHARGE_MODE_COUNT
};

struct cfg_contactors {
	enum cfg_charge_mode charge_mode;
	uint32_t charge_on_delay_ms;    /* Ton: charger seen this long before charging */
	uint32_t charge_off_delay_ms;   /* Toff: charger lost or power-down to contactor open */
	uint32_t end_of_charge_cell_mV; /* highest cell at or above: allow-charging opens */
	uint32_t resume_charge_cell_mV; /* highest cell below: allow-charging closes again */
	uint32_t precharge_ms;          /* least precharge time before the handover */
	uint32_t precharge_done_mA;     /* |current| below this: the DC link is charged */
	uint32_t precharge_timeout_ms;  /* an attempt fails when not done by then */
	uint32_t precharge_retries;     /* attempts after the first one */
	uint32_t retry_delay_ms;        /* pause between attempts, everything open */
	uint32_t overlap_ms;            /* precharge and contactor closed together */
	uint32_t feedback_delay_ms;     /* feedback may disagree this long */
	uint32_t soft_stop_current_mA;  /* current below this: the contactor may open */
	uint32_t soft_stop_timeout_ms;  /* the contactor opens anyway after this */
};

/* The rules between the keys of the section (cfg_key.xcheck of its SECTION
 * row): resume below end of charge, timeout not below precharge time. */
int cfg_contactors_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);

#endif /* CC_CFG_H */
