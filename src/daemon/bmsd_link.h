/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd_link: the MCU link in the daemon: its canio, the frames into the
 * link and the pack model, the link's events and parameters.
 */
#ifndef BMSD_LINK_H
#define BMSD_LINK_H

#include <stdint.h>

#include "bmsd.h"

/* _apply after every config (re)load, @old the config it replaced (NULL
 * at start); _tick every 10 ms, before the link is judged; _close at exit. */
void bmsd_link_apply(struct bmsd *b, const struct cfg *old);
void bmsd_link_tick(struct bmsd *b, uint64_t now_ms);
void bmsd_link_close(struct bmsd *b);

#endif /* BMSD_LINK_H */
