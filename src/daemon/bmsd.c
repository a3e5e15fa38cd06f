/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd: what every part of the daemon shares besides its state (bmsd.h):
 * the events, and the faults that bmsd sees. It calls into none of the
 * parts, so that each of them (main.c, bmsd_link.c, bmsd_batt.c,
 * publish.c) depends on it and on nothing of the others but what its
 * header declares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "bmsd.h"
#include "log.h"

void bmsd_event(struct bmsd *b, unsigned int code, int prio, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	struct timespec rt;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_event(prio, code, text);
	if (!b->ev)
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	rc = evlog_append(b->ev, (uint16_t)code, prio, text,
			  (uint64_t)rt.tv_sec * 1000000u + (uint64_t)rt.tv_nsec / 1000u,
			  loop_now_us());
	if (rc < 0 && !b->ev_failed) {
		b->ev_failed = true;
		log_err("event log: cannot append: %s", evlog_error());
	} else if (rc == 0) {
		b->ev_failed = false;
	}
}

/* The faults that bmsd sees on the MCU link, and those that the MCU reports
 * while the link is up. */
unsigned int bmsd_faults(const struct bmsd *b)
{
	const struct bp_io *io;
	unsigned int f = 0;

	if (!b->cfg || !b->link_ready)
		return BMSD_F_UNCONFIGURED;
	if (link_comm_fault(&b->link))
		f |= BMSD_F_COMM;
	else if (link_state(&b->link) == LINK_DOWN || !b->mcu)
		f |= BMSD_F_LINK_DOWN;
	if (link_mcu_cfg_state(&b->link) == BP_CFG_REJECTED)
		f |= BMSD_F_MCU_CFG;
	if (link_mcu_safety(&b->link) == BP_SAFETY_TRIPPED)
		f |= BMSD_F_MCU_TRIP;
	if (b->link.proto_known && !b->link.proto_ok)
		f |= BMSD_F_MCU_PROTO;
	io = pmodel_io(&b->pm);
	if (io && !(f & (BMSD_F_COMM | BMSD_F_LINK_DOWN)))
		f |= fault_from_mcu(io->faults);
	return f;
}

