/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status: what bmsctl status / watch / relays and systemd's STATUS= line
 * show. Everything is read from the published view (logic/view.h), at most
 * one publication old; only the ages and the uptime are taken against the
 * time of the request, so that they stay exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "link.h"
#include "prot.h"
#include "status.h"
#include "version.h"

/* -1 (not heard yet) is "unknown" */
static const char *safety_str(int s)
{
	return s < 0 ? "unknown" : bp_safety_name((unsigned int)s);
}

static const char *cfgstate_str(int s)
{
	return s < 0 ? "unknown" : bp_cfg_state_name((unsigned int)s);
}

static const char *state_str(const struct view *v, unsigned int f)
{
	if (!v->daemon.running)
		return "unconfigured";
	if (f & (BMSD_F_COMM | BMSD_F_LINK_DOWN))
		return "no-link";
	if (f)
		return "fault";
	if (!v->link.verified)
		return "starting";
	return "running";
}

static const char *link_str(const struct view *v)
{
	return link_state_name((enum link_state)v->link.state);
}

static const char *cfg_err_str(const struct view *v)
{
	return v->daemon.cfg_err_set ? v->daemon.cfg_err.msg : "no configuration";
}

static const struct profile *profile_of(const struct view *v)
{
	return profile_by_id((enum profile_id)v->daemon.board);
}

static const char *relay_role(const struct view *v, unsigned int i)
{
	return cfg_relay_role_name((enum cfg_relay_role)v->relay_roles[i]);
}

static const char *input_role(const struct view *v, unsigned int i)
{
	return cfg_input_role_name((enum cfg_input_role)v->input_roles[i]);
}

static const char *output_role(const struct view *v, unsigned int i)
{
	return cfg_output_role_name((enum cfg_output_role)v->output_roles[i]);
}

/* Discrete input @i as it acts, after the configured inversion. */
static bool input_on(const struct view *v, unsigned int i)
{
	return ((v->di >> i) & 1u) != ((v->daemon.input_invert >> i) & 1u);
}

static unsigned int popcount(unsigned int v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1u)
		n++;
	return n;
}

void status_line(const struct view *v, char *buf, size_t n)
{
	unsigned int f = v->faults;
	const struct pmodel_summary *s = &v->snap.sum;
	char faults[160];
	int len;

	if (!v->daemon.running) {
		snprintf(buf, n, "unconfigured, contactors open: %s", cfg_err_str(v));
		return;
	}
	fault_list(f, faults, sizeof(faults), ",", false);
	len = snprintf(buf, n, "%s; link %s, MCU %s; %u fault%s%s%s", state_str(v, f),
		       link_str(v), safety_str(v->mcu.safety), popcount(f),
		       popcount(f) == 1 ? "" : "s", f ? ": " : "", f ? faults : "");
	if (v->snap.valid && s->cells_valid && len > 0 && (size_t)len < n) {
		len += snprintf(buf + len, n - (size_t)len, "; %.2f V, cells %u..%u mV",
				s->pack_mV / 1000.0, s->cell_min_mV, s->cell_max_mV);
		if (v->current_valid && len > 0 && (size_t)len < n)
			snprintf(buf + len, n - (size_t)len, ", %+.1f A", v->current_mA / 1000.0);
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

static void battery_text(const struct view *v, struct ctl_reply *r)
{
	if (!v->batt.on)
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
		   v->disconnect_requested ? ", disconnected on request (bmsctl connect)" : "");
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
	ctl_printf(r, "\nbalance:  %u cells bleeding\n", v->batt.bleeding);
}

static void battery_json(const struct view *v, struct ctl_reply *r)
{
	const struct view_counters *k = &v->counters;

	if (!v->batt.on)
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
		   v->full ? "true" : "false", v->heater_on ? "true" : "false", v->batt.bleeding,
		   v->batt.reactions, v->disconnect_requested ? "true" : "false");
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

static int render_text(const struct view *v, struct ctl_reply *r, uint64_t now)
{
	unsigned int f = v->faults;
	const struct view_link *l = &v->link;
	const struct pmodel_summary *s = &v->snap.sum;
	const struct profile *p;
	uint64_t up = (now - v->daemon.started_ms) / 1000u;
	char t1[32], t2[32], faults[256];
	bool io = v->mcu.io_valid;

	ctl_printf(r, "bmsd %s, up %" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ", config %s\n",
		   BMSD_VERSION, up / 3600u, up / 60u % 60u, up % 60u, v->daemon.cfg_path);
	if (!v->daemon.running) {
		ctl_printf(r, "state:    unconfigured; the pack does not run, contactors open\n");
		ctl_printf(r, "reason:   %s\n", cfg_err_str(v));
		return 0;
	}
	p = profile_of(v);
	fault_list(f, faults, sizeof(faults), ", ", false);
	ctl_printf(r, "state:    %s, board %s (%s)\n", state_str(v, f), p->name, p->title);
	ctl_printf(r, "faults:   %s\n", f ? faults : "none");

	ctl_printf(r, "link:     %s on %s%s, %" PRIu64 " frames, %" PRIu64 " lost, %" PRIu64
		      " bad, %u comm faults\n",
		   link_str(v), v->daemon.interface, l->open ? "" : " (closed)", l->rx_frames,
		   l->lost, l->rx_unknown + l->rx_bad_dlc + l->rx_range, l->comm_faults);
	ctl_printf(r, "mcu:      floor %s, config 0x%08x %s%s, trips 0x%x",
		   safety_str(v->mcu.safety), v->mcu.cfg_crc, cfgstate_str(v->mcu.cfg_state),
		   l->verified ? " (verified)" : "", v->mcu.trip < 0 ? 0 : v->mcu.trip);
	if (v->fw_version[0])
		ctl_printf(r, ", fw %s hw %u", v->fw_version, v->hw);
	ctl_printf(r, "\n");

	if (v->snap.valid && s->cells_valid) {
		ctl_printf(r, "pack:     %.3f V", s->pack_mV / 1000.0);
		if (v->current_valid)
			ctl_printf(r, ", %+.3f A", v->current_mA / 1000.0);
		ctl_printf(r, ", boards %u online of %u, snapshot %" PRIu64 " ms old\n",
			   s->boards_online, v->boards, now - s->at_ms);
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
			   v->snap.gen ? " since the link returned" : " yet");
	}
	battery_text(v, r);

	ctl_printf(r, "relays:  ");
	for (unsigned int i = 0; i < CFG_RELAYS; i++)
		ctl_printf(r, " %u %s %s %s%s;", i + 1u, relay_conn(p, i),
			   relay_role(v, i), l->relays & (1u << i) ? "closed" : "open",
			   io && ((v->relay_out >> i) & 1u) != ((l->relays >> i) & 1u) ?
			   " (MCU: differs)" : "");
	ctl_printf(r, "\ninputs:  ");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		ctl_printf(r, " %s %s %s;", chan_name(p, PROFILE_CH_INPUT, i),
			   input_role(v, i), !io ? "?" : input_on(v, i) ? "on" : "off");
	ctl_printf(r, "\noutputs: ");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		ctl_printf(r, " %s %s %s;", chan_name(p, PROFILE_CH_OUTPUT, i),
			   output_role(v, i), l->dos & (1u << i) ? "on" : "off");
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

static void link_json(const struct view *v, struct ctl_reply *r, uint64_t now)
{
	const struct view_link *l = &v->link;

	ctl_printf(r, ",\"link\":{\"interface\":");
	json_str(r, v->daemon.interface);
	ctl_printf(r, ",\"open\":%s,\"state\":\"%s\",\"comm_fault\":%s,\"verified\":%s,"
		      "\"frames\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"unknown\":%" PRIu64
		      ",\"bad_dlc\":%" PRIu64 ",\"range\":%" PRIu64 ",\"tx_frames\":%" PRIu64
		      ",\"tx_errors\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"comm_faults\":%u,\"cfg_pushes\":%u,"
		      "\"cfg_verified\":%u,\"status_age_ms\":",
		   l->open ? "true" : "false", link_str(v), l->comm_fault ? "true" : "false",
		   l->verified ? "true" : "false", l->rx_frames, l->lost, l->rx_unknown,
		   l->rx_bad_dlc, l->rx_range, l->tx_frames, l->tx_errors, l->foreign,
		   l->comm_faults, l->cfg_pushes, l->cfg_verified);
	if (!l->status_heard)
		ctl_printf(r, "null");
	else
		ctl_printf(r, "%" PRIu64, now > l->status_ms ? now - l->status_ms : 0);
	if (l->open)
		ctl_printf(r, ",\"bus_errors\":%" PRIu64 ",\"bus_off\":%" PRIu64 ",\"rx_dropped\":%" PRIu64
			      ",\"tx_dropped\":%" PRIu64 ",\"malformed\":%" PRIu64,
			   l->bus.bus_errors, l->bus.bus_off, l->bus.rx_dropped, l->bus.tx_dropped,
			   l->bus.rx_malformed);
	else
		ctl_printf(r, ",\"bus_errors\":null,\"bus_off\":null,\"rx_dropped\":null,"
			      "\"tx_dropped\":null,\"malformed\":null");
	ctl_printf(r, "}");
}

static void mcu_json(const struct view *v, struct ctl_reply *r)
{
	ctl_printf(r, ",\"mcu\":{\"safety\":\"%s\",\"cfg_state\":\"%s\",\"cfg_crc\":%u,\"trip\":%d",
		   safety_str(v->mcu.safety), cfgstate_str(v->mcu.cfg_state), v->mcu.cfg_crc,
		   v->mcu.trip);
	if (v->mcu.io_valid)
		ctl_printf(r, ",\"faults\":%u,\"supply_mV\":%u", v->mcu.faults, v->supply_mV);
	if (v->fw_version[0])
		ctl_printf(r, ",\"fw\":\"%s\",\"hw\":%u", v->fw_version, v->hw);
	ctl_printf(r, "}");
}

static void pack_json(const struct view *v, struct ctl_reply *r, uint64_t now)
{
	const struct pmodel_summary *s = &v->snap.sum;

	ctl_printf(r, ",\"pack\":{\"snapshots\":%" PRIu64, v->snap.gen);
	if (v->current_valid)
		ctl_printf(r, ",\"current_mA\":%" PRId32, v->current_mA);
	if (v->snap.valid) {
		ctl_printf(r, ",\"voltage_mV\":%u,\"snapshot_age_ms\":%" PRIu64
			      ",\"boards\":%u,\"boards_present\":%u,\"boards_online\":%u"
			      ",\"online_mask\":%u,\"cells\":%u,\"cells_valid\":%u",
			   s->pack_mV, now - s->at_ms, v->boards, s->boards_present,
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
static void io_json(const struct view *v, struct ctl_reply *r, const struct profile *p)
{
	const struct view_link *l = &v->link;
	bool io = v->mcu.io_valid;

	ctl_printf(r, ",\"relays\":[");
	for (unsigned int i = 0; i < CFG_RELAYS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"connector\":\"%s\",\"role\":\"%s\",\"closed\":%s,"
			      "\"mcu_out\":%s}",
			   i ? "," : "", i + 1u, relay_conn(p, i), relay_role(v, i),
			   l->relays & (1u << i) ? "true" : "false",
			   !io ? "null" : (v->relay_out >> i) & 1u ? "true" : "false");
	ctl_printf(r, "],\"inputs\":[");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"name\":\"%s\",\"role\":\"%s\",\"on\":%s}", i ? "," : "",
			   i + 1u, chan_name(p, PROFILE_CH_INPUT, i), input_role(v, i),
			   !io ? "null" : input_on(v, i) ? "true" : "false");
	ctl_printf(r, "],\"outputs\":[");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		ctl_printf(r, "%s{\"n\":%u,\"name\":\"%s\",\"role\":\"%s\",\"on\":%s}", i ? "," : "",
			   i + 1u, chan_name(p, PROFILE_CH_OUTPUT, i), output_role(v, i),
			   l->dos & (1u << i) ? "true" : "false");
	ctl_printf(r, "]");
}

static int render_json(const struct view *v, struct ctl_reply *r, uint64_t now)
{
	unsigned int f = v->faults;
	const struct profile *p;
	char faults[256];

	fault_list(f, faults, sizeof(faults), ",", true);
	ctl_printf(r, "{\"version\":\"%s\",\"uptime_ms\":%" PRIu64 ",\"config\":", BMSD_VERSION,
		   now - v->daemon.started_ms);
	json_str(r, v->daemon.cfg_path);
	ctl_printf(r, ",\"state\":\"%s\",\"faults\":[%s],\"fault_count\":%u",
		   state_str(v, f), faults, popcount(f));
	if (!v->daemon.running) {
		ctl_printf(r, ",\"configured\":false,\"config_error\":");
		json_str(r, cfg_err_str(v));
		ctl_printf(r, "}\n");
		return 0;
	}
	p = profile_of(v);
	ctl_printf(r, ",\"configured\":true,\"board\":\"%s\"", p->name);
	link_json(v, r, now);
	mcu_json(v, r);
	pack_json(v, r, now);
	battery_json(v, r);
	io_json(v, r, p);
	ctl_printf(r, "}\n");
	return 0;
}

int status_render(const struct view *v, uint64_t now_ms, struct ctl_reply *r, bool json)
{
	return json ? render_json(v, r, now_ms) : render_text(v, r, now_ms);
}

/* The feedback input of relay @i: its DI index, or -1. */
static int feedback_of(const struct view *v, unsigned int i)
{
	for (unsigned int d = 0; d < CFG_INPUTS; d++)
		if (v->input_roles[d] == CFG_IN_FEEDBACK_RELAY1 + i)
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

int relays_render(const struct view *v, struct ctl_reply *r, bool json)
{
	const struct view_link *l = &v->link;
	bool io = v->mcu.io_valid;
	const struct profile *p;

	if (!v->configured)
		return ctl_error(r, "bmsd is unconfigured: %s", cfg_err_str(v));
	p = profile_of(v);
	if (json)
		ctl_printf(r, "{\"relays\":[");
	for (unsigned int i = 0; i < CFG_RELAYS; i++) {
		int fb = feedback_of(v, i);
		const char *drv = !io ? "unknown" : (v->relay_out >> i) & 1u ? "closed" : "open";
		const char *fbs = fb < 0 || !io ? (fb < 0 ? "none" : "unknown")
				  : input_on(v, (unsigned int)fb) ? "closed" : "open";

		if (json)
			ctl_printf(r, "%s{\"relay\":%u,\"connector\":\"%s\",\"role\":\"%s\","
				   "\"command\":\"%s\",\"driven\":\"%s\",\"feedback\":\"%s\","
				   "\"closings\":%" PRIu32 "}", i ? "," : "", i + 1u, relay_conn(p, i),
				   relay_role(v, i), l->relays & (1u << i) ? "closed" : "open", drv, fbs,
				   v->counters.contactor_cycles[i]);
		else
			ctl_printf(r, "relay%u %-4s %-15s command %-6s driven %-7s feedback %-7s "
				   "closings %" PRIu32 "\n", i + 1u, relay_conn(p, i), relay_role(v, i),
				   l->relays & (1u << i) ? "closed" : "open", drv, fbs,
				   v->counters.contactor_cycles[i]);
	}
	if (json)
		ctl_printf(r, "],\"inputs\":[");
	for (unsigned int i = 0; i < CFG_INPUTS; i++)
		io_row(r, json, "input", i, chan_name(p, PROFILE_CH_INPUT, i), input_role(v, i),
		       (v->daemon.input_invert >> i) & 1u,
		       !io ? "unknown" : input_on(v, i) ? "active" : "inactive");
	if (json)
		ctl_printf(r, "],\"outputs\":[");
	for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
		io_row(r, json, "output", i, chan_name(p, PROFILE_CH_OUTPUT, i), output_role(v, i),
		       (v->daemon.output_invert >> i) & 1u, l->dos & (1u << i) ? "on" : "off");
	if (json)
		ctl_printf(r, "]}\n");
	return 0;
}
