/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish: build the view (view.h) from the pack model, the link and the
 * battery logic, once per publication, so that every interface, the status
 * screen included, reads one consistent copy.
 */
#include <stdio.h>
#include <string.h>

#include "bmsd.h"
#include "publish.h"

/* Fill @vb; adds the board's valid temperatures to *@tsum and *@tn, for
 * the pack's mean. */
static void board_view(struct view_board *vb, const struct bp_board_snap *bs, bool present,
		       bool online, int32_t *tsum, int32_t *tn)
{
	uint32_t sum = 0, n = 0;

	memset(vb, 0, sizeof(*vb));
	vb->present = present;
	vb->online = online;
	vb->cell_min_mV = vb->cell_max_mV = vb->cell_mean_mV = BP_CELL_MV_NA;
	vb->temp_min_dC = vb->temp_max_dC = BP_TEMP_DC_NA;
	for (unsigned int c = 0; c < VIEW_CELLS; c++)
		vb->cell_mV[c] = BP_CELL_MV_NA;
	for (unsigned int t = 0; t < VIEW_TEMPS; t++)
		vb->temp_dC[t] = BP_TEMP_DC_NA;
	if (!present)
		return;
	vb->ncells = bs->ncells;
	vb->ntemps = bs->ntemps;
	vb->bal_mask = bs->bal_mask;
	vb->ntc_fault = bs->ntc_fault;
	for (unsigned int c = 0; c < bs->ncells && c < VIEW_CELLS; c++) {
		uint16_t v = bs->cell_mV[c];

		vb->cell_mV[c] = v;
		if (v == BP_CELL_MV_NA)
			continue;
		if (vb->cell_min_mV == BP_CELL_MV_NA || v < vb->cell_min_mV)
			vb->cell_min_mV = v;
		if (vb->cell_max_mV == BP_CELL_MV_NA || v > vb->cell_max_mV)
			vb->cell_max_mV = v;
		sum += v;
		n++;
	}
	if (n)
		vb->cell_mean_mV = (uint16_t)((sum + n / 2) / n);
	vb->pack_mV = sum;
	for (unsigned int t = 0; t < bs->ntemps && t < VIEW_TEMPS; t++) {
		int16_t v = bs->temp_dC[t];

		if (bs->ntc_fault & (1u << t))
			v = BP_TEMP_DC_NA;
		vb->temp_dC[t] = v;
		if (v == BP_TEMP_DC_NA)
			continue;
		*tsum += v;
		(*tn)++;
		if (vb->temp_min_dC == BP_TEMP_DC_NA || v < vb->temp_min_dC)
			vb->temp_min_dC = v;
		if (vb->temp_max_dC == BP_TEMP_DC_NA || v > vb->temp_max_dC)
			vb->temp_max_dC = v;
	}
}

static void pack_view(struct bmsd *b, struct view *v)
{
	const struct pmodel_summary *s = pmodel_summary(&b->pm);
	const struct bp_snapshot *snap = pmodel_snapshot(&b->pm);
	const struct bp_current *cur = pmodel_current(&b->pm);
	const struct bp_ext *ext = pmodel_ext(&b->pm);
	const struct bp_io *io = pmodel_io(&b->pm);
	const struct bp_logic *lg = pmodel_logic(&b->pm);
	const struct bp_version *ver = pmodel_version(&b->pm);
	int32_t tsum = 0, tn = 0;

	v->cell_min_mV = v->cell_max_mV = v->cell_mean_mV = BP_CELL_MV_NA;
	v->temp_min_dC = v->temp_max_dC = v->temp_mean_dC = BP_TEMP_DC_NA;
	if (s && snap) {
		v->pack_valid = s->cells_valid > 0;
		v->pack_mV = s->pack_mV;
		if (v->pack_valid) {
			v->cell_min_mV = s->cell_min_mV;
			v->cell_max_mV = s->cell_max_mV;
			v->cell_mean_mV = s->cell_mean_mV;
			v->cell_spread_mV = s->cell_spread_mV;
			v->cell_min_board = (uint8_t)(s->cell_min_at.board + 1u);
			v->cell_min_cell = (uint8_t)(s->cell_min_at.index + 1u);
			v->cell_max_board = (uint8_t)(s->cell_max_at.board + 1u);
			v->cell_max_cell = (uint8_t)(s->cell_max_at.index + 1u);
		}
		v->temp_valid = s->temps_valid > 0;
		if (v->temp_valid) {
			v->temp_min_dC = s->temp_min_dC;
			v->temp_max_dC = s->temp_max_dC;
			v->temp_min_board = (uint8_t)(s->temp_min_at.board + 1u);
			v->temp_max_board = (uint8_t)(s->temp_max_at.board + 1u);
		}
		v->online_mask = s->online_mask;
		v->balancing_mask = s->balancing_mask;
		v->balancing = s->boards_balancing > 0;
	}
	for (unsigned int i = 0; i < VIEW_BOARDS; i++) {
		bool present = s && snap && (snap->present & (1u << i));

		board_view(&v->board[i], present ? &snap->board[i] : NULL, present,
			   s && (s->online_mask & (1u << i)), &tsum, &tn);
	}
	if (tn)
		v->temp_mean_dC = (int16_t)((tsum + (tsum >= 0 ? tn / 2 : -tn / 2)) / tn);
	if (lg)
		v->online_mask = lg->online;
	v->current_valid = batt_pack_current(cur, &v->current_mA);
	for (unsigned int i = 0; i < BP_NUM_NTC; i++)
		v->ext_temp_dC[i] = ext ? ext->t_dC[i] : BP_TEMP_DC_NA;
	if (ext && ext->rh_dpct != 0xFFFFu) {
		v->rh_valid = true;
		v->rh_dpct = ext->rh_dpct;
	}
	if (io) {
		v->relay_out = io->relay_out;
		v->di = io->di;
		v->dos = io->dos;
		v->supply_mV = io->supply_mV;
	}
	if (ver) {
		snprintf(v->fw_version, sizeof(v->fw_version), "%u.%u.%u", ver->fw_major,
			 ver->fw_minor, ver->fw_patch);
		v->hw = ver->hw;
	}
}

/* What the status screen shows besides the figures that the buses carry:
 * bmsd and its configuration, the link and its transport, the MCU, the
 * snapshot's summary and the battery logic's counts. */
static void status_view(struct bmsd *b, struct view *v)
{
	const struct cfg *c = b->cfg;
	struct view_daemon *d = &v->daemon;
	struct view_link *l = &v->link;
	const struct link_stats *ls = link_stats(&b->link);
	const struct link_stream *st = &ls->stream[BP_T_STATUS];
	const struct pmodel_summary *s = pmodel_summary(&b->pm);
	const struct bp_io *io = pmodel_io(&b->pm);

	d->started_ms = b->started_ms;
	d->cfg_path = b->cfg_path;
	d->running = c && b->link_ready;
	d->cfg_err_set = b->cfg_err_set;
	if (b->cfg_err_set)
		d->cfg_err = b->cfg_err;
	if (c) {
		d->board = (uint8_t)c->board;
		snprintf(d->interface, sizeof(d->interface), "%s", c->link.interface);
		for (unsigned int i = 0; i < CFG_INPUTS; i++)
			d->input_invert |= (uint8_t)(c->inputs.in[i].invert << i);
		for (unsigned int i = 0; i < CFG_OUTPUTS; i++)
			d->output_invert |= (uint8_t)(c->outputs.out[i].invert << i);
	}
	link_get_outputs(&b->link, &l->relays, &l->dos);
	v->mcu.safety = v->mcu.cfg_state = v->mcu.trip = -1;
	if (!d->running)
		return;

	l->state = (uint8_t)link_state(&b->link);
	l->open = b->mcu != NULL;
	l->comm_fault = link_comm_fault(&b->link);
	l->verified = link_verified(&b->link);
	l->rx_frames = ls->rx_frames;
	l->lost = link_lost_total(&b->link);
	l->rx_unknown = ls->rx_unknown;
	l->rx_bad_dlc = ls->rx_bad_dlc;
	l->rx_range = ls->rx_range;
	l->tx_frames = ls->tx_frames;
	l->tx_errors = ls->tx_errors;
	l->foreign = b->rx_foreign;
	l->comm_faults = ls->comm_faults;
	l->cfg_pushes = ls->cfg_pushes;
	l->cfg_verified = ls->cfg_verified;
	l->status_heard = st->received != 0;
	l->status_ms = st->last_ms;
	if (b->mcu)
		l->bus = *canio_stats(b->mcu);

	v->mcu.safety = link_mcu_safety(&b->link);
	v->mcu.cfg_state = link_mcu_cfg_state(&b->link);
	v->mcu.trip = link_mcu_trip(&b->link);
	v->mcu.cfg_crc = link_cfg_crc(&b->link);
	v->mcu.io_valid = io != NULL;
	v->mcu.faults = io ? io->faults : 0u;

	v->snap.valid = s != NULL;
	v->snap.gen = pmodel_gen(&b->pm);
	if (s)
		v->snap.sum = *s;

	v->batt.on = b->batt.on;
	v->batt.bleeding = b->batt.bleeding;
	v->batt.reactions = b->batt.nreactions;
}

void bmsd_identity(struct bmsd *b)
{
	char id[40] = "";
	FILE *f = fopen("/etc/machine-id", "r");

	/* the machine's id makes a serial that stays with the controller */
	if (f) {
		if (!fgets(id, sizeof(id), f))
			id[0] = 0;
		fclose(f);
	}
	id[12] = 0;
	for (char *p = id; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
		else if (!(*p >= '0' && *p <= '9'))
			*p = 0;
	snprintf(b->view.serial, sizeof(b->view.serial), "BMSD-%s", id[0] ? id : "0");
}

void bmsd_publish(struct bmsd *b, uint64_t now_ms)
{
	struct view *v = &b->view;
	const struct cfg *c = b->cfg;
	uint64_t gen = v->gen;
	struct view_counters keep = v->counters;
	char serial[sizeof(v->serial)];
	uint8_t rcmd;

	memcpy(serial, v->serial, sizeof(serial));
	memset(v, 0, sizeof(*v));
	v->gen = gen + 1u;
	v->at_ms = now_ms;
	v->counters = keep;
	memcpy(v->serial, serial, sizeof(serial));
	snprintf(v->version, sizeof(v->version), "%s", BMSD_VERSION);
	v->configured = c != NULL;
	v->faults = bmsd_faults(b);
	v->disconnect_requested = b->batt.disconnect;
	v->link_up = b->link_ready && link_verified(&b->link) &&
		     link_mcu_safety(&b->link) == BP_SAFETY_ARMED;
	if (c) {
		v->boards = (uint8_t)c->pack.boards;
		v->cells_per_board = (uint8_t)c->pack.cells_per_board;
		v->temps_per_board = (uint8_t)c->pack.temps_per_board;
		for (unsigned int i = 0; i < 4; i++) {
			v->relay_roles[i] = (uint8_t)c->relays.relay[i].role;
			v->input_roles[i] = (uint8_t)c->inputs.in[i].role;
			v->output_roles[i] = (uint8_t)c->outputs.out[i].role;
		}
		pack_view(b, v);
	}
	status_view(b, v);
	if (!c)
		v->state = VIEW_ST_UNCONFIGURED;
	else if (!v->link_up)
		v->state = v->faults & ~(unsigned int)BMSD_F_LINK_DOWN ? VIEW_ST_FAULT
									: VIEW_ST_STARTING;
	else if (v->faults)
		v->state = VIEW_ST_FAULT;
	else if (v->relay_out)
		v->state = VIEW_ST_CONNECTED;
	else
		v->state = VIEW_ST_STANDBY;
	link_get_outputs(&b->link, &rcmd, NULL);
	batt_publish(&b->batt, rcmd, v);
	b->view_ms = now_ms;
}
