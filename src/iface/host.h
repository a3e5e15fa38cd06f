/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host: all that an interface may ask of the daemon. An interface reads the
 * published view (view.h) and acts only through these calls, so that it
 * can be tested against a fake host and never reaches into the daemon.
 */
#ifndef HOST_H
#define HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Outputs of the controller that an interface may drive. */
enum host_output {
	HOST_OUT_RS485_DE = 0, /* the RS-485 driver enable around a Modbus-RTU reply */
};

struct host {
	void *arg;
	/* An event record (an EV_* code of events.h, a syslog priority) that
	 * goes to the event log and the journal. */
	void (*event)(void *arg, unsigned int code, int prio, const char *text);
	void (*set_output)(void *arg, enum host_output which, bool on);
	/* Requests of an operator. @who names the source in the event log
	 * ("Modbus-TCP 10.0.0.5"). 0, or a negative errno with the reason in
	 * @why (@n bytes) when refused. */
	int (*reset)(void *arg, const char *who, char *why, size_t n);
	int (*connect)(void *arg, bool connect, const char *who, char *why, size_t n);
};

/* host->event with a printf-style text (at most 255 bytes, as the log keeps). */
void host_event(const struct host *h, unsigned int code, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* HOST_H */
