/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd_modbus: the Modbus servers in bmsd. The map (mbmap) is rebuilt from
 * the view at every publication and every request is answered from it;
 * the servers (mbsrv) run on the loop; accepted control writes become
 * bmsd_reset_faults() and bmsd_set_connect() calls and event records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmsd.h"
#include "events.h"
#include "log.h"
#include "mbmap.h"
#include "mbsrv.h"

struct bmsd_modbus {
	struct bmsd *b;
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
	struct bmsd_modbus *mb = arg;
	struct bmsd *b = mb->b;
	char why[600];
	int rc;

	why[0] = 0;
	if (cmd == MBMAP_CMD_RESET_FAULTS)
		rc = bmsd_reset_faults(b, mb->who, why, sizeof(why));
	else
		rc = bmsd_set_connect(b, cmd == MBMAP_CMD_CONNECT, mb->who, why, sizeof(why));
	if (rc < 0)
		bmsd_event(b, EV_MODBUS_WRITE, LOG_WARNING,
			   "%s wrote %s (register %u): %s refused: %s", mb->who, name, addr,
			   cmd_text[cmd], why[0] ? why : strerror(-rc));
	else
		bmsd_event(b, EV_MODBUS_WRITE, LOG_NOTICE, "%s wrote %s (register %u): %s",
			   mb->who, name, addr, cmd_text[cmd]);
	return rc;
}

static size_t on_request(void *arg, const uint8_t *pdu, size_t n, uint8_t *rsp, const char *who)
{
	struct bmsd_modbus *mb = arg;
	struct mbmap_ctl ctl = { .run = on_control, .arg = mb };

	mb->who = who;
	return mbmap_pdu(&mb->map, pdu, n, rsp, &ctl);
}

static void on_driver_enable(void *arg, bool on)
{
	struct bmsd_modbus *mb = arg;

	bmsd_gpio_set(mb->b, BMSD_GPIO_RS485_DE, on);
}

static void on_report(void *arg, int prio, bool event, const char *msg)
{
	struct bmsd_modbus *mb = arg;

	if (event)
		bmsd_event(mb->b, EV_MODBUS_ERROR, prio, "%s", msg);
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
	snprintf(s->model, sizeof(s->model), "%s", bmsd_board_name(c));
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

static int servers_open(struct bmsd_modbus *mb, const struct cfg_modbus *mc, bool de)
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
	return mbsrv_open(&mb->srv, mb->b->loop, &sc, &ops);
}

void bmsd_modbus_apply(struct bmsd *b)
{
	const struct cfg *c = b->cfg;
	struct bmsd_modbus *mb = b->mb;
	struct mbmap_setup set;
	bool de;
	int rc;

	if (!c || !((c->modbus.rtu.enable && c->modbus.rtu.port[0]) || c->modbus.tcp.enable)) {
		bmsd_modbus_close(b);
		return;
	}
	de = c->gpio.rs485_de.configured;
	setup_of(c, &set);
	if (!mb) {
		mb = calloc(1, sizeof(*mb));
		if (!mb) {
			bmsd_event(b, EV_MODBUS_ERROR, LOG_ERR, "Modbus: %s", strerror(ENOMEM));
			return;
		}
		mb->b = b;
		mbmap_init(&mb->map, &set);
		b->mb = mb;
	}
	mbmap_set_setup(&mb->map, &set);
	mbmap_build(&mb->map, &b->view, b->disconnect_req);
	if (mb->srv && servers_same(&mb->cfg, &c->modbus) && mb->de == de)
		return;
	mbsrv_close(mb->srv);
	mb->srv = NULL;
	rc = servers_open(mb, &c->modbus, de);
	if (rc < 0)
		bmsd_event(b, EV_MODBUS_ERROR, LOG_ERR, "Modbus: %s", strerror(-rc));
}

void bmsd_modbus_publish(struct bmsd *b)
{
	struct bmsd_modbus *mb = b->mb;

	if (!mb)
		return;
	mbmap_build(&mb->map, &b->view, b->disconnect_req);
	if (mb->srv)
		mbsrv_tick(mb->srv, loop_now_ms());
}

void bmsd_modbus_close(struct bmsd *b)
{
	struct bmsd_modbus *mb = b->mb;

	if (!mb)
		return;
	mbsrv_close(mb->srv);
	free(mb);
	b->mb = NULL;
}
