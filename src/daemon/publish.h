/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish: the view (logic/view.h) built from the daemon's state, for
 * every interface to read.
 */
#ifndef PUBLISH_H
#define PUBLISH_H

#include <stdint.h>

#include "bmsd.h"

/* Fill b->view from the pack model, the link and the logic. */
void bmsd_publish(struct bmsd *b, uint64_t now_ms);
/* The view's serial number, from /etc/machine-id; once at start. */
void bmsd_identity(struct bmsd *b);

#endif /* PUBLISH_H */
