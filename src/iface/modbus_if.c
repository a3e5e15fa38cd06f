/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modbus_if: the Modbus interface of bmsd. The map (mbmap) is rebuilt from
 * the view at every publication and every request is answered from it;
 * the servers (mbsrv) run on the loop; accepted control writes become the
 * host's reset and connect calls, and event records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "loop.h"
#include "mbmap.h"
#include "mbsrv.h"
#include "modbus_if.h"

struct modbus_if {
	const struct host *h;
	struct loop *loop;
	struct cfg_modbus cfg; /* as the servers were opened */
	bool de;               /* gpio.rs485_de configured */
	struct mbsrv *srv;
	const char *who;       /* the client of the request being answered */
	struct mbmap map;
};

static const char *const cmd_text[MBMAP_CMD_COUNT] = {
	[MBMAP_CMD_RESET_FAULTS] = "fault reset",
	[MBMAP_CMD_CONNECT] = "connect",
	[MBMAP_CMD_DISCONNECT] = "disconnect",
};

static int on_control(void *arg, enum mbmap_cmd cmd, const char *name, unsigned int addr)
{
	struct modbus_if *mb = arg;
	const struct host *h = mb->h;
	char why[600];
	int rc;

	why[0] = 0;
	if (cmd == MBMAP_CMD_RESET_FAULTS)
		rc = h->reset(h->arg, mb->who, why, sizeof(why));
	else
		rc = h->connect(h->arg, cmd == MBMAP_CMD_CONNECT, mb->who, why, sizeof(why));
	if (rc < 0)
		host_event(h, EV_MODBUS_WRITE, LOG_WARNING,
			   "%s wrote %s (register %u): %s refused: %s", mb->who, name, addr,
			   cmd_text[cmd], why[0] ? why : strerror(-rc));
	else
		host_event(h, EV_MODBUS_WRITE, LOG_NOTICE, "%s wrote %s (register %u): %s",
			   mb->who, name, addr, cmd_text[cmd]);
	return rc;
}

static size_t on_request(void *arg, const uint8_t *pdu, size_t n, uint8_t *rsp, const char *who)
{
	struct modbus_if *mb = arg;
	struct mbmap_ctl ctl = { .run = on_control, .arg = mb };

	mb->who = who;
	return mbmap_pdu(&mb->map, pdu, n, rsp, &ctl);
}

static void on_driver_enable(void *arg, bool on)
{
	struct modbus_if *mb = arg;

	mb->h->set_output(mb->h->arg, HOST_OUT_RS485_DE, on);
}

static void on_report(void *arg, int prio, bool event, const char *msg)
{
	struct modbus_if *mb = arg;

	if (event)
		host_event(mb->h, EV_MODBUS_ERROR, prio, "%s", msg);
	else
		log_msg(prio, "%s", msg);
}

static void setup_of(const struct cfg *c, struct mbmap_setup *s)
{
	const struct cfg_modbus *mc = &c->modbus;
	uint32_t pack_mV = c->pack.boards * c->pack.cells_per_board *
			   c->safety_floor.cell_high_mV;
	uint32_t cur_mA = 0;

	memset(s, 0, sizeof(*s));
	s->write_enable = mc->write_enable;
	s->address = (uint8_t)mc->rtu.address;
	snprintf(s->manufacturer, sizeof(s->manufacturer), "%s", mc->manufacturer);
	snprintf(s->model, sizeof(s->model), "%s", cfg_profile(c) ? cfg_profile(c)->name : "none");
	for (unsigned int i = 0; i < CFG_CURRENT_SENSORS; i++)
		if (c->current_sensors.cs[i].enabled && c->current_sensors.cs[i].range_mA > cur_mA)
			cur_mA = c->current_sensors.cs[i].range_mA;
	if (!cur_mA)
		cur_mA = c->safety_floor.short_circuit_mA;
	s->w_sf = mbmap_power_sf(pack_mV, cur_mA, 32767);
	s->wmax_sf = mbmap_power_sf(pack_mV, cur_mA, 65534);
}

static bool servers_same(const struct cfg_modbus *a, const struct cfg_modbus *b)
{
	return !memcmp(&a->rtu, &b->rtu, sizeof(a->rtu)) &&
	       !memcmp(&a->tcp, &b->tcp, sizeof(a->tcp)) &&
	       a->byte_timeout_ms == b->byte_timeout_ms && a->idle_timeout_s == b->idle_timeout_s;
}

static int servers_open(struct modbus_if *mb, const struct cfg_modbus *mc, bool de)
{
	static const char parity[] = { [CFG_MODBUS_PARITY_NONE] = 'N',
				       [CFG_MODBUS_PARITY_EVEN] = 'E',
				       [CFG_MODBUS_PARITY_ODD] = 'O' };
	struct mbsrv_cfg sc = {
		.rtu_port = mc->rtu.enable && mc->rtu.port[0] ? mc->rtu.port : NULL,
		.baud_bps = mc->rtu.baud_bps,
		.parity = parity[mc->rtu.parity % 3],
		.data_bits = mc->rtu.data_bits,
		.stop_bits = mc->rtu.stop_bits,
		.address = (uint8_t)mc->rtu.address,
		.rs485 = mc->rtu.rs485,
		.turnaround_ms = mc->rtu.turnaround_ms,
		.tcp_address = mc->tcp.enable ? mc->tcp.address : NULL,
		.tcp_port = (uint16_t)mc->tcp.port,
		.max_clients = mc->tcp.max_clients,
		.byte_timeout_ms = mc->byte_timeout_ms,
		.idle_timeout_s = mc->idle_timeout_s,
	};
	struct mbsrv_ops ops = {
		.request = on_request,
		.driver_enable = de ? on_driver_enable : NULL,
		.report = on_report,
		.arg = mb,
	};

	mb->cfg = *mc;
	mb->de = de;
	return mbsrv_open(&mb->srv, mb->loop, &sc, &ops);
}

void modbus_if_reconfigure(struct modbus_if **pm, const struct host *h, struct loop *loop,
			   const struct cfg *c, const struct view *v)
{
	struct modbus_if *mb = *pm;
	struct mbmap_setup set;
	bool de;
	int rc;

	if (!c || !((c->modbus.rtu.enable && c->modbus.rtu.port[0]) || c->modbus.tcp.enable)) {
		modbus_if_fini(pm);
		return;
	}
	de = c->gpio.rs485_de.configured;
	setup_of(c, &set);
	if (!mb) {
		mb = calloc(1, sizeof(*mb));
		if (!mb) {
			host_event(h, EV_MODBUS_ERROR, LOG_ERR, "Modbus: %s", strerror(ENOMEM));
			return;
		}
		mb->h = h;
		mb->loop = loop;
		mbmap_init(&mb->map, &set);
		*pm = mb;
	}
	mbmap_set_setup(&mb->map, &set);
	mbmap_build(&mb->map, v, v->disconnect_requested);
	if (mb->srv && servers_same(&mb->cfg, &c->modbus) && mb->de == de)
		return;
	mbsrv_close(mb->srv);
	mb->srv = NULL;
	rc = servers_open(mb, &c->modbus, de);
	if (rc < 0)
		host_event(h, EV_MODBUS_ERROR, LOG_ERR, "Modbus: %s", strerror(-rc));
}

void modbus_if_publish(struct modbus_if *mb, const struct view *v)
{
	if (!mb)
		return;
	mbmap_build(&mb->map, v, v->disconnect_requested);
	if (mb->srv)
		mbsrv_tick(mb->srv, loop_now_ms());
}

void modbus_if_fini(struct modbus_if **pm)
{
	struct modbus_if *mb = *pm;

	if (!mb)
		return;
	mbsrv_close(mb->srv);
	free(mb);
	*pm = NULL;
}
