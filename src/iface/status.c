/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status: what bmsctl status / watch / relays and systemd's STATUS= line
 * show. Everything is read from the pack model's committed snapshot, the
 * link's state and the published view; nothing here changes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bmsd.h"
#include "json.h"

/* -1 (not heard yet) is "unknown" */
static const char *safety_str(int s)
{
	return s < 0 ? "unknown" : bp_safety_name((unsigned int)s);
}

static const char *cfgstate_str(int s)
{
	return s < 0 ? "unknown" : bp_cfg_state_name((unsigned int)s);
}

static const char *state_str(const struct bmsd *b, unsigned int f)
{
	if (!b->cfg || !b->link_ready)
		return "unconfigured";
	if (f & (BMSD_F_COMM | BMSD_F_LINK_DOWN))
		return "no-link";
	if (f)
		return "fault";
	if (!link_verified(&b->link))
		return "starting";
	return "running";
}

static unsigned int popcount(unsigned int v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1u)
		n++;
	return n;
}

void status_line(const struct bmsd *b, char *buf, size_t n)
{
	unsigned int f = bmsd_faults(b);
	const struct pmodel_summary *s;
	char faults[160];
	int32_t mA;
	int len;

	if (!b->cfg || !b->link_ready) {
		snprintf(buf, n, "unconfigured, contactors open: %s",
			 b->cfg_err_set ? b->cfg_err.msg : "no configuration");
		return;
	}
	fault_list(f, faults, sizeof(faults), ",", false);
	len = snprintf(buf, n, "%s; link %s, MCU %s; %u fault%s%s%s", state_str(b, f),
		       link_state_name(link_state(&b->link)),
		       safety_str(link_mcu_safety(&b->link)), popcount(f), popcount(f) == 1 ? "" : "s",
		       f ? ": " : "", f ? faults : "");
	s = pmodel_summary(&b->pm);
	if (s && s->cells_valid && len > 0 && (size_t)len < n) {
		len += snprintf(buf + len, n - (size_t)len, "; %.2f V, cells %u..%u mV",
				s->pack_mV / 1000.0, s->cell_min_mV, s->cell_max_mV);
		if (batt_pack_current(pmodel_current(&b->pm), &mA) && len > 0 && (size_t)len < n)
			snprintf(buf + len, n - (size_t)len, ", %+.1f A", mA / 1000.0);
	}
}

static void loc_str(struct pmodel_loc l, char c, char *buf, size_t n)
{
	if (l.board == PMODEL_NA_U8)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "b%u%c%u", l.board + 1u, c, l.index + 1u);
}

static const char *relay_conn(const struct profile *p, unsigned int i)
{
	const struct profile_channel *ch = profile_channel(p, PROFILE_CH_RELAY, i);

	return ch && ch->connector ? ch->connector : "?";
}

static const char *chan_name(const struct profile *p, enum profile_ch_kind k, unsigned int i)
{
	const struct profile_channel *ch = profile_channel(p, k, i);

	return ch && ch->alias ? ch->alias : ch && ch->key ? ch->key : "?";
}

/* The protections in force of @mask as "a, b" (or JSON strings). */
static void prot_list(struct ctl_reply *r, uint32_t mask, bool json)
{
	bool first = true;

	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		ctl_printf(r, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? "," : ", ",
			   prot_key((enum prot_id)i));
		first = false;
	}
	if (first && !json)
		ctl_printf(r, "none");
}

static void battery_text(const struct bmsd *b, struct ctl_reply *r)
{
	const struct view *v = &b->view;
	const struct batt *t = &b->batt;

	if (!t->on)
		return;
	ctl_printf(r, "battery:  %s", view_state_name(v->state));
	if (v->soc_valid)
		ctl_printf(r, ", SOC %.1f %%", v->soc_dpct / 10.0);
	else
		ctl_printf(r, ", SOC unknown");
	ctl_printf(r, ", SOH %.1f %%, %u of %u mAh%s%s%s%s\n", v->soh_dpct / 10.0,
		   v->remaining_mAh, v->capacity_meas_mAh ? v->capacity_meas_mAh : v->capacity_mAh,
		   v->full ? ", full" : "", v->heater_on ? ", heating" : "",
		   v->soft_stop ? ", soft stop" : "",
		   t->disconnect ? ", disconnected on request (bmsctl connect)" : "");
	ctl_printf(r, "limits:   charge %.1f A up to %.2f V, discharge %.1f A down to %.2f V%s%s\n",
		   v->ccl_mA / 1000.0, v->cvl_mV / 1000.0, v->dcl_mA / 1000.0, v->dvl_mV / 1000.0,
		   v->charge_allowed ? "" : ", charging not allowed",
		   v->discharge_allowed ? "" : ", discharging not allowed");
	ctl_printf(r, "protect:  critical: ");
	prot_list(r, v->criticals, false);
	ctl_printf(r, "; alarm: ");
	prot_list(r, v->alarms, false);
	ctl_printf(r, "; warning: ");
	prot_list(r, v->warnings, false);
	if (v->latched) {
		ctl_printf(r, "; held until reset: ");
		prot_list(r, v->latched, false);
	}
	ctl_printf(r, "\nbalance:  %u cells bleeding\n", t->bleeding);
}

static void battery_json(const struct bmsd *b, struct ctl_reply *r)
{
	const struct view *v = &b->view;
	const struct view_counters *k = &v->counters;
	const struct batt *t = &b->batt;

	if (!t->on)
		return;
	ctl_printf(r, ",\"battery\":{\"state\":\"%s\",\"soc_dpct\":", view_state_name(v->state));
	if (v->soc_valid)
		ctl_printf(r, "%u", v->soc_dpct);
	else
		ctl_printf(r, "null");
	ctl_printf(r, ",\"soh_dpct\":%u,\"capacity_mAh\":%u,\"capacity_meas_mAh\":%u,"
		      "\"remaining_mAh\":%u,\"ccl_mA\":%u,\"dcl_mA\":%u,\"cvl_mV\":%u,"
		      "\"dvl_mV\":%u,\"charge_allowed\":%s,\"discharge_allowed\":%s,"
		      "\"soft_stop\":%s,\"full\":%s,\"heater\":%s,\"balancing_cells\":%u,"
		      "\"reactions\":%u,\"disconnect_requested\":%s,\"critical\":[",
		   v->soh_dpct, v->capacity_mAh, v->capacity_meas_mAh, v->remaining_mAh, v->ccl_mA,
		   v->dcl_mA, v->cvl_mV, v->dvl_mV, v->charge_allowed ? "true" : "false",
		   v->discharge_allowed ? "true" : "false", v->soft_stop ? "true" : "false",
		   v->full ? "true" : "false", v->heater_on ? "true" : "false", t->bleeding,
		   t->nreactions, t->disconnect ? "true" : "false");
	prot_list(r, v->criticals, true);
	ctl_printf(r, "],\"alarm\":[");
	prot_list(r, v->alarms, true);
	ctl_printf(r, "],\"warning\":[");
	prot_list(r, v->warnings, true);
	ctl_printf(r, "],\"latched\":[");
	prot_list(r, v->latched, true);
	ctl_printf(r, "],\"counters\":{\"full_cycles_dcyc\":%u,\"charge_in_mAh\":%" PRIu64
		      ",\"charge_out_mAh\":%" PRIu64 ",\"energy_in_Wh\":%" PRIu64
		      ",\"energy_out_Wh\":%" PRIu64 ",\"contactor_cycles\":[%u,%u,%u,%u]}}",
		   k->full_cycles_dcyc, k->charge_in_mAh, k->charge_out_mAh, k->energy_in_Wh,
		   k->energy_out_Wh, k->contactor_cycles[0], k->contactor_cycles[1],
		   k->contactor_cycles[2], k->contactor_cycles[3]);
}

static int render_text(const struct bmsd *b, struct ctl_reply *r)
{
	uint64_t now = loop_now_ms();
	unsigned int f = bmsd_faults(b);
	const struct cfg *c = b->cfg;
	const struct pmodel *pm = &b->pm;
	const struct link_stats *ls;
	const struct pmodel_summary *s;
	const struct bp_io *io;
	const struct bp_version *v;
	const struct profile *p;
	uint64_t up = (now - b->started_ms) / 1000u;
	char t1[32], t2[32], faults[256];
	uint8_t rcmd = 0, dcmd = 0;
	int32_t mA;
	int trip;

	ctl_printf(r, "bmsd %s, up %" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ", config %s\n",
		   BMSD_VERSION, up / 3600u, up / 60u % 60u, up % 60u, b->cfg_path);
	if (!c || !b->link_ready) {
		ctl_printf(r, "state:    unconfigured; the pack does not run, contactors open\n");
		ctl_printf(r, "reason:   %s\n", b->cfg_err_set ? b->cfg_err.msg : "no configuration");
		return 0;
	}
	p = cfg_profile(c);
	fault_list(f, faults, sizeof(faults), ", ", false);
	ctl_printf(r, "state:    %s, board %s (%s)\n", state_str(b, f), p->name, p->title);
	ctl_printf(r, "faults:   %s\n", f ? faults : "none");

	ls = link_stats(&b->link);
	ctl_printf(r, "link:     %s on %s%s, %" PRIu64 " frames, %" PRIu64 " lost, %" PRIu64
		      " bad, %u comm faults\n",
		   link_state_name(link_state(&b->link)), c->link.interface,
		   b->can ? "" : " (closed)", ls->rx_frames, link_lost_total(&b->link),
		   ls->rx_unknown + ls->rx_bad_dlc + ls->rx_range, ls->comm_faults);
	trip = link_mcu_trip(&b->link);
	ctl_printf(r, "mcu:      floor %s, config 0x%08x %s%s, trips 0x%x",
		   safety_str(link_mcu_safety(&b->link)), link_cfg_crc(&b->link),
		   cfgstate_str(link_mcu_cfg_state(&b->link)),
		   link_verified(&b->link) ? " (verified)" : "", trip < 0 ? 0 : trip);
	v = pmodel_version(pm);
	if (v)
		ctl_printf(r, ", fw %u.%u.%u hw %u", v->fw_major, v->fw_minor, v->fw_patch, v->hw);
	ctl_printf(r, "\n");

	s = pmodel_summary(pm);
	if (s && s->cells_valid) {
		ctl_printf(r, "pack:     %.3f V", s->pack_mV / 1000.0);
		if (batt_pack_current(pmodel_current(pm), &mA))
			ctl_printf(r, ", %+.3f A", mA / 1000.0);
		ctl_printf(r, ", boards %u online of %u, snapshot %" PRIu64 " ms old\n",
			   s->boards_online, c->pack.boards, now - s->at_ms);
		loc_str(s->cell_min_at, 'c', t1, sizeof(t1));
		loc_str(s->cell_max_at, 'c', t2, sizeof(t2));
		ctl_printf(r, "cells:    %u of %u, min %u mV (%s), max %u mV (%s), spread %u mV, mean %u mV\n",
			   s->cells_valid, s->cells, s->cell_min_mV, t1, s->cell_max_mV, t2,
			   s->cell_spread_mV, s->cell_mean_mV);
		if (s->temps_valid) {
			loc_str(s->temp_min_at, 't', t1, sizeof(t1));
			loc_str(s->temp_max_at, 't', t2, sizeof(t2));
			ctl_printf(r, "temps:    %u of %u, min %.1f C (%s), max %.1f C (%s)\n",
				   s->temps_valid, s->temps, s->temp_min_dC / 10.0, t1,
				   s->temp_max_dC / 10.0, t2);
		}
	} else {
		ctl_printf(r, "pack:     no complete snapshot%s\n",
			   pmodel_gen(pm) ? " since the link returned" : " yet");
	}
	battery_text(b, r);

	link_get_outputs(&b->link, &rcmd, &dcmd);
	io = pmodel_io(pm);
	ctl_printf(r, "relays:  ");
	for (unsigned int i = 0; i < CFG_RELAYS; i++)
		ctl_printf(r, " %u %s %s %s%s;", i + 1u, relay_conn(p, i),
			   cfg_relay_role_name(c->relays.relay[i].role),
			   rcmd & (1u << i) ? "closed" : "open",
			   io && ((io->relay_out >> i) & 1u) != ((rcmd >> i) & 1u) ? " (MCU: differs)" : "");
	ctl_printf(r, "\ninputs:  ");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		ctl_printf(r, " %s %s %s;", chan_name(p, PROFILE_CH_INPUT, i),
			   cfg_input_role_name(c->inputs.in[i].role),
			   !io ? "?" : (((io->di >> i) & 1u) != c->inputs.in[i].invert) ? "on" : "off");
	ctl_printf(r, "\noutputs: ");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		ctl_printf(r, " %s %s %s;", chan_name(p, PROFILE_CH_OUTPUT, i),
			   cfg_output_role_name(c->outputs.out[i].role),
			   dcmd & (1u << i) ? "on" : "off");
	ctl_printf(r, "\n");
	return 0;
}

static void json_loc(struct ctl_reply *r, const char *key, struct pmodel_loc l)
{
	if (l.board == PMODEL_NA_U8)
		ctl_printf(r, ",\"%s\":null", key);
	else
		ctl_printf(r, ",\"%s\":{\"board\":%u,\"index\":%u}", key, l.board + 1u,
			   l.index + 1u);
}

static void put_reply(void *r, const char *s, size_t n)
{
	ctl_printf(r, "%.*s", (int)n, s);
}

/* JSON strings from the config (paths, interface names) are escaped. */
static void json_str(struct ctl_reply *r, const char *s)
{
	ctl_printf(r, "\"");
	json_escape(s, put_reply, r);
	ctl_printf(r, "\"");
}

static void link_json(const struct bmsd *b, struct ctl_reply *r, uint64_t now)
{
	const struct link_stats *ls = link_stats(&b->link);

	ctl_printf(r, ",\"link\":{\"interface\":");
	json_str(r, b->cfg->link.interface);
	ctl_printf(r, ",\"open\":%s,\"state\":\"%s\",\"comm_fault\":%s,\"verified\":%s,"
		      "\"frames\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"unknown\":%" PRIu64
		      ",\"bad_dlc\":%" PRIu64 ",\"range\":%" PRIu64 ",\"tx_frames\":%" PRIu64
		      ",\"tx_errors\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"comm_faults\":%u,\"cfg_pushes\":%u,"
		      "\"cfg_verified\":%u,\"status_age_ms\":",
		   b->can ? "true" : "false", link_state_name(link_state(&b->link)),
		   link_comm_fault(&b->link) ? "true" : "false",
		   link_verified(&b->link) ? "true" : "false", ls->rx_frames,
		   link_lost_total(&b->link), ls->rx_unknown, ls->rx_bad_dlc, ls->rx_range,
		   ls->tx_frames, ls->tx_errors, b->rx_foreign, ls->comm_faults, ls->cfg_pushes, ls->cfg_verified);
	if (link_stream_age_ms(&b->link, BP_T_STATUS, now) == UINT64_MAX)
		ctl_printf(r, "null");
	else
		ctl_printf(r, "%" PRIu64, link_stream_age_ms(&b->link, BP_T_STATUS, now));
	if (b->can) {
		const struct canio_stats *cs = canio_stats(b->can);

		ctl_printf(r, ",\"bus_errors\":%" PRIu64 ",\"bus_off\":%" PRIu64 ",\"rx_dropped\":%" PRIu64
			      ",\"tx_dropped\":%" PRIu64 ",\"malformed\":%" PRIu64,
			   cs->bus_errors, cs->bus_off, cs->rx_dropped, cs->tx_dropped, cs->rx_malformed);
	} else {
		ctl_printf(r, ",\"bus_errors\":null,\"bus_off\":null,\"rx_dropped\":null,"
			      "\"tx_dropped\":null,\"malformed\":null");
	}
	ctl_printf(r, "}");
}

static void mcu_json(const struct bmsd *b, struct ctl_reply *r)
{
	const struct bp_io *io = pmodel_io(&b->pm);
	const struct bp_version *v = pmodel_version(&b->pm);

	ctl_printf(r, ",\"mcu\":{\"safety\":\"%s\",\"cfg_state\":\"%s\",\"cfg_crc\":%u,\"trip\":%d",
		   safety_str(link_mcu_safety(&b->link)),
		   cfgstate_str(link_mcu_cfg_state(&b->link)), link_cfg_crc(&b->link),
		   link_mcu_trip(&b->link));
	if (io)
		ctl_printf(r, ",\"faults\":%u,\"supply_mV\":%u", io->faults, io->supply_mV);
	if (v)
		ctl_printf(r, ",\"fw\":\"%u.%u.%u\",\"hw\":%u", v->fw_major, v->fw_minor,
			   v->fw_patch, v->hw);
	ctl_printf(r, "}");
}

static void pack_json(const struct bmsd *b, struct ctl_reply *r, uint64_t now)
{
	const struct pmodel *pm = &b->pm;
	const struct pmodel_summary *s = pmodel_summary(pm);
	int32_t mA;

	ctl_printf(r, ",\"pack\":{\"snapshots\":%" PRIu64, pmodel_gen(pm));
	if (batt_pack_current(pmodel_current(pm), &mA))
		ctl_printf(r, ",\"current_mA\":%" PRId32, mA);
	if (s) {
		ctl_printf(r, ",\"voltage_mV\":%u,\"snapshot_age_ms\":%" PRIu64
			      ",\"boards\":%u,\"boards_present\":%u,\"boards_online\":%u"
			      ",\"online_mask\":%u,\"cells\":%u,\"cells_valid\":%u",
			   s->pack_mV, now - s->at_ms, b->cfg->pack.boards, s->boards_present,
			   s->boards_online, s->online_mask, s->cells, s->cells_valid);
		if (s->cells_valid) {
			ctl_printf(r, ",\"cell_min_mV\":%u,\"cell_max_mV\":%u,\"cell_spread_mV\":%u,"
				      "\"cell_mean_mV\":%u",
				   s->cell_min_mV, s->cell_max_mV, s->cell_spread_mV, s->cell_mean_mV);
			json_loc(r, "cell_min_at", s->cell_min_at);
			json_loc(r, "cell_max_at", s->cell_max_at);
		}
		ctl_printf(r, ",\"temps\":%u,\"temps_valid\":%u,\"sensor_faults\":%u", s->temps,
			   s->temps_valid, s->sensor_faults);
		if (s->temps_valid) {
			ctl_printf(r, ",\"temp_min_dC\":%d,\"temp_max_dC\":%d", s->temp_min_dC,
				   s->temp_max_dC);
			json_loc(r, "temp_min_at", s->temp_min_at);
			json_loc(r, "temp_max_at", s->temp_max_at);
		}
	}
	ctl_printf(r, "}");
}

/* Relays, inputs and outputs: what is commanded and what the MCU drives. */
static void io_json(const struct bmsd *b, struct ctl_reply *r, const struct profile *p)
{
	const struct cfg *c = b->cfg;
	const struct bp_io *io = pmodel_io(&b->pm);
	uint8_t rcmd = 0, dcmd = 0;

	link_get_outputs(&b->link, &rcmd, &dcmd);
	ctl_printf(r, ",\"relays\":[");
	for (unsigned int i = 0; i < CFG_RELAYS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"connector\":\"%s\",\"role\":\"%s\",\"closed\":%s,"
			      "\"mcu_out\":%s}",
			   i ? "," : "", i + 1u, relay_conn(p, i),
			   cfg_relay_role_name(c->relays.relay[i].role),
			   rcmd & (1u << i) ? "true" : "false",
			   !io ? "null" : (io->relay_out >> i) & 1u ? "true" : "false");
	ctl_printf(r, "],\"inputs\":[");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"name\":\"%s\",\"role\":\"%s\",\"on\":%s}", i ? "," : "",
			   i + 1u, chan_name(p, PROFILE_CH_INPUT, i),
			   cfg_input_role_name(c->inputs.in[i].role),
			   !io ? "null" :
			   (((io->di >> i) & 1u) != c->inputs.in[i].invert) ? "true" : "false");
	ctl_printf(r, "],\"outputs\":[");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"name\":\"%s\",\"role\":\"%s\",\"on\":%s}", i ? "," : "",
			   i + 1u, chan_name(p, PROFILE_CH_OUTPUT, i),
			   cfg_output_role_name(c->outputs.out[i].role),
			   dcmd & (1u << i) ? "true" : "false");
	ctl_printf(r, "]");
}

static int render_json(const struct bmsd *b, struct ctl_reply *r)
{
	uint64_t now = loop_now_ms();
	unsigned int f = bmsd_faults(b);
	const struct profile *p;
	char faults[256];

	fault_list(f, faults, sizeof(faults), ",", true);
	ctl_printf(r, "{\"version\":\"%s\",\"uptime_ms\":%" PRIu64 ",\"config\":", BMSD_VERSION,
		   now - b->started_ms);
	json_str(r, b->cfg_path);
	ctl_printf(r, ",\"state\":\"%s\",\"faults\":[%s],\"fault_count\":%u",
		   state_str(b, f), faults, popcount(f));
	if (!b->cfg || !b->link_ready) {
		ctl_printf(r, ",\"configured\":false,\"config_error\":");
		json_str(r, b->cfg_err_set ? b->cfg_err.msg : "no configuration");
		ctl_printf(r, "}\n");
		return 0;
	}
	p = cfg_profile(b->cfg);
	ctl_printf(r, ",\"configured\":true,\"board\":\"%s\"", p->name);
	link_json(b, r, now);
	mcu_json(b, r);
	pack_json(b, r, now);
	battery_json(b, r);
	io_json(b, r, p);
	ctl_printf(r, "}\n");
	return 0;
}

int status_render(const struct bmsd *b, struct ctl_reply *r, bool json)
{
	return json ? render_json(b, r) : render_text(b, r);
}

/* The feedback input of relay @i: its DI index, or -1. */
static int feedback_of(const struct cfg *c, unsigned int i)
{
	for (unsigned int d = 0; d < CFG_INPUTS; d++)
		if (c->inputs.in[d].role == (enum cfg_input_role)(CFG_IN_FEEDBACK_RELAY1 + i))
			return (int)d;
	return -1;
}

/* One discrete input or output of "relays": @kind is "input" or "output". */
static void io_row(struct ctl_reply *r, bool json, const char *kind, unsigned int i,
		   const char *conn, const char *role, bool invert, const char *level)
{
	if (json)
		ctl_printf(r, "%s{\"%s\":%u,\"connector\":\"%s\",\"role\":\"%s\","
			   "\"invert\":%s,\"level\":\"%s\"}", i ? "," : "", kind, i + 1u, conn, role,
			   invert ? "true" : "false", level);
	else
		ctl_printf(r, "%s%u %-8s %-18s %s%s\n", kind, i + 1u, conn, role, level,
			   invert ? " (inverted)" : "");
}

int relays_render(const struct bmsd *b, struct ctl_reply *r, bool json)
{
	const struct cfg *c = b->cfg;
	const struct bp_io *io = pmodel_io(&b->pm);
	const struct profile *p;
	uint8_t rcmd = 0, dcmd = 0;

	if (!c)
		return ctl_error(r, "bmsd is unconfigured: %s",
				 b->cfg_err_set ? b->cfg_err.msg : "no configuration");
	p = cfg_profile(c);
	link_get_outputs(&b->link, &rcmd, &dcmd);
	if (json)
		ctl_printf(r, "{\"relays\":[");
	for (unsigned int i = 0; i < CFG_RELAYS; i++) {
		int fb = feedback_of(c, i);
		const char *drv = !io ? "unknown" : (io->relay_out >> i) & 1u ? "closed" : "open";
		const char *fbs = fb < 0 || !io ? (fb < 0 ? "none" : "unknown")
				  : (((io->di >> fb) & 1u) != c->inputs.in[fb].invert) ? "closed"
											 : "open";

		if (json)
			ctl_printf(r, "%s{\"relay\":%u,\"connector\":\"%s\",\"role\":\"%s\","
				   "\"command\":\"%s\",\"driven\":\"%s\",\"feedback\":\"%s\","
				   "\"closings\":%" PRIu32 "}", i ? "," : "", i + 1u, relay_conn(p, i),
				   cfg_relay_role_name(c->relays.relay[i].role),
				   rcmd & (1u << i) ? "closed" : "open", drv, fbs,
				   b->view.counters.contactor_cycles[i]);
		else
			ctl_printf(r, "relay%u %-4s %-15s command %-6s driven %-7s feedback %-7s "
				   "closings %" PRIu32 "\n", i + 1u, relay_conn(p, i),
				   cfg_relay_role_name(c->relays.relay[i].role),
				   rcmd & (1u << i) ? "closed" : "open", drv, fbs,
				   b->view.counters.contactor_cycles[i]);
	}
	if (json)
		ctl_printf(r, "],\"inputs\":[");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		io_row(r, json, "input", i, chan_name(p, PROFILE_CH_INPUT, i),
		       cfg_input_role_name(c->inputs.in[i].role), c->inputs.in[i].invert,
		       !io ? "unknown"
			   : (((io->di >> i) & 1u) != c->inputs.in[i].invert) ? "active" : "inactive");
	if (json)
		ctl_printf(r, "],\"outputs\":[");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		io_row(r, json, "output", i, chan_name(p, PROFILE_CH_OUTPUT, i),
		       cfg_output_role_name(c->outputs.out[i].role), c->outputs.out[i].invert,
		       dcmd & (1u << i) ? "on" : "off");
	if (json)
		ctl_printf(r, "]}\n");
	return 0;
}
