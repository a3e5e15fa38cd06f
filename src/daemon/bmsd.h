/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd: the daemon's state, shared by its glue (bmsd.c, bmsd_link.c,
 * bmsd_batt.c and publish.c).
 */
#ifndef BMSD_H
#define BMSD_H

#include <stdbool.h>
#include <stdint.h>

#include "batt.h"
#include "canio.h"
#include "cfg.h"
#include "ctl.h"
#include "diskw.h"
#include "evlog.h"
#include "gpio.h"
#include "host.h"
#include "link.h"
#include "loop.h"
#include "pmodel.h"
#include "version.h"
#include "view.h"

enum bmsd_gpio {
	BMSD_GPIO_RUN_LED = 0,
	BMSD_GPIO_FAULT_LED,
	BMSD_GPIO_MCU_RESET,
	BMSD_GPIO_MCU_BOOT0,
	BMSD_GPIO_RS485_DE,
	BMSD_GPIO_COUNT
};


struct modbus_if;
struct can_if;
struct state_saver;

struct bmsd {
	struct loop *loop;
	const char *cfg_path;
	const char *socket_override; /* -s: the control socket, whatever the config says */
	struct cfg *cfg;          /* NULL while unconfigured */
	struct cfg_error cfg_err; /* why the last load failed */
	bool cfg_err_set;

	struct canio *mcu;        /* the MCU link's canio (bmsd_link.c); NULL while closed */
	struct link link;
	struct pmodel pm;
	bool link_ready;
	struct diskw *dw;         /* the event log's syncs and the state file's writes */
	struct evlog *ev;
	bool ev_failed;
	struct ctl *ctl;
	struct gpio_line *gpio[BMSD_GPIO_COUNT];
	int sfd;

	uint64_t started_ms, last_tick_ms, mcu_retry_ms;
	uint64_t wd_rounds;
	bool run_led_on;
	unsigned int faults;      /* enum bmsd_fault, as last evaluated */
	uint8_t relays_logged;    /* relays last reported in the event log */
	uint8_t hw_seen;          /* board id last seen in VERSION */
	uint64_t rx_foreign;      /* extended or remote frames on the MCU link */
	char status_line[256];

	struct batt batt;          /* the battery logic (batt.c, bmsd_batt.c) */
	struct state_saver *saver; /* the state file's writer; NULL none */
	char state_file[256];      /* the file it writes */
	int batt_timer;            /* 1 ms steps while a set delay runs; -1 none */
	struct view view;          /* published state: what the interfaces read */
	uint64_t view_ms;          /* last publication */
	struct host host;          /* what the interfaces may ask of bmsd */
	struct modbus_if *mb;      /* iface/modbus_if.c */
	struct can_if *xc;         /* iface/can_if.c: CAN1 and CAN2 */
};

/* Log @fmt at @prio (journal) and append it to the event log as @code. */
void bmsd_event(struct bmsd *b, unsigned int code, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Active faults (enum bmsd_fault, logic/fault.h): what bmsd sees on the
 * MCU link, and what the MCU reports while the link is up. */
unsigned int bmsd_faults(const struct bmsd *b);

#endif /* BMSD_H */
