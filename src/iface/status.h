/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status: the status screen of the control socket ("status", "status json",
 * the watch, "relays") and systemd's STATUS= line, rendered from the
 * published view alone. @now_ms is the time of the request: the uptime and
 * the ages are taken against it, the rest is as last published.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "view.h"

/* One line for systemd's STATUS=, at most @n bytes with the NUL. */
void status_line(const struct view *v, char *buf, size_t n);

/* The full status for "status" / "status json" and the watch. */
int status_render(const struct view *v, uint64_t now_ms, struct ctl_reply *r, bool json);

/* "relays" / "relays json": each relay's role, command, drive, feedback. */
int relays_render(const struct view *v, struct ctl_reply *r, bool json);

#endif /* STATUS_H */
