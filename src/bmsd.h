/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd: the daemon's state, shared by its glue (bmsd.c) and the status
 * rendering (status.c).
 */
#ifndef BMSD_H
#define BMSD_H

#include <stdbool.h>
#include <stdint.h>

#include "canio.h"
#include "cfg.h"
#include "ctl.h"
#include "evlog.h"
#include "gpio.h"
#include "link.h"
#include "loop.h"
#include "pmodel.h"

#ifndef BMSD_VERSION
#define BMSD_VERSION "0.1.0"
#endif

enum bmsd_gpio {
	BMSD_GPIO_RUN_LED = 0,
	BMSD_GPIO_FAULT_LED,
	BMSD_GPIO_MCU_RESET,
	BMSD_GPIO_MCU_BOOT0,
	BMSD_GPIO_RS485_DE,
	BMSD_GPIO_COUNT
};

/* Faults that bmsd itself reports, as bits of bmsd_faults(). */
enum bmsd_fault {
	BMSD_F_UNCONFIGURED = 1u << 0, /* no valid configuration */
	BMSD_F_COMM = 1u << 1,         /* MCU link lost */
	BMSD_F_LINK_DOWN = 1u << 2,    /* MCU never heard, or link closed */
	BMSD_F_MCU_CFG = 1u << 3,      /* the MCU rejected our configuration */
	BMSD_F_MCU_TRIP = 1u << 4,     /* the safety floor tripped */
	BMSD_F_MCU_PROTO = 1u << 5,    /* the MCU speaks another protocol version */
	BMSD_F_LOGIC_OFFLINE = 1u << 6,
	BMSD_F_CURRENT_SENSOR = 1u << 7,
	BMSD_F_NTC = 1u << 8,
	BMSD_F_HUMIDITY = 1u << 9,
	BMSD_F_SUPPLY = 1u << 10,
	BMSD_F_COUNT = 11
};

struct bmsd {
	struct loop *loop;
	const char *cfg_path;
	const char *socket_override; /* -s: the control socket, whatever the config says */
	struct cfg *cfg;          /* NULL while unconfigured */
	struct cfg_error cfg_err; /* why the last load failed */
	bool cfg_err_set;

	struct canio *can;
	struct link link;
	struct pmodel pm;
	bool link_ready;
	struct evlog *ev;
	bool ev_failed;
	struct ctl *ctl;
	struct gpio_line *gpio[BMSD_GPIO_COUNT];
	int sfd;

	uint64_t started_ms, last_tick_ms, can_retry_ms;
	uint64_t wd_rounds;
	bool run_led_on;
	unsigned int faults;      /* enum bmsd_fault, as last evaluated */
	uint8_t relays_logged;
	uint8_t hw_seen;          /* board id last seen in VERSION */    /* relays last reported in the event log */
	uint64_t rx_foreign;      /* extended or remote frames on the MCU link */
	char status_line[256];
};

/* Log @fmt at @prio (journal) and append it to the event log as @code. */
void bmsd_event(struct bmsd *b, unsigned int code, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Active faults (enum bmsd_fault), and their names. */
unsigned int bmsd_faults(const struct bmsd *b);
const char *bmsd_fault_name(unsigned int bit);

/* The names of the faults in @f, separated by @sep, each in double quotes
 * when @quote (for JSON); "" when none. */
void bmsd_fault_list(unsigned int f, char *buf, size_t n, const char *sep, bool quote);

/* Board profile name of the running config, or "none". */
const char *bmsd_board_name(const struct cfg *c);

/* status.c: one line for systemd's STATUS=, and the full status for
 * "status" / "status json" (and watch). */
void status_line(const struct bmsd *b, char *buf, size_t n);
int status_render(const struct bmsd *b, struct ctl_reply *r, bool json);

#endif /* BMSD_H */
