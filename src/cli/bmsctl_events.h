/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bmsctl_events: bmsctl events, the event log read from its files. */
#ifndef BMSCTL_EVENTS_H
#define BMSCTL_EVENTS_H

#include "bmsctl_cmd.h"

int do_events(const struct cmd *c, int argc, char **argv, struct opts *o);

#endif /* BMSCTL_EVENTS_H */
