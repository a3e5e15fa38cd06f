/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modbus_if: the Modbus-RTU and Modbus-TCP servers of bmsd, fed by the
 * published view and acting through the host (host.h).
 */
#ifndef MODBUS_IF_H
#define MODBUS_IF_H

#include "cfg.h"
#include "host.h"
#include "view.h"

struct loop;
struct modbus_if;

/* After every configuration (re)load: open the servers (*@pm NULL), reopen
 * them when their section changed, or close them when @c enables none (or
 * is NULL). @h and @loop must outlive the interface. */
void modbus_if_reconfigure(struct modbus_if **pm, const struct host *h, struct loop *loop,
			   const struct cfg *c, const struct view *v);
/* After every publication: the register image from @v. NULL: nothing. */
void modbus_if_publish(struct modbus_if *mb, const struct view *v);
/* Close the servers and free; *@pm becomes NULL. */
void modbus_if_fini(struct modbus_if **pm);

#endif /* MODBUS_IF_H */
