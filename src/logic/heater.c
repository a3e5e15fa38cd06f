/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "heater.h"

void heater_init(struct heater *h, const struct cfg_heater *c)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *c;
	h->blocked = true;
}

void heater_reconfigure(struct heater *h, const struct cfg_heater *c)
{
	h->cfg = *c;
}

void heater_reset(struct heater *h)
{
	h->fault = false;
}

static void block_step(struct heater *h, const struct heater_in *in)
{
	const struct cfg_heater *c = &h->cfg;

	if (!c->charge_block)
		h->blocked = false;
	else if (!in->temp_valid || in->temp_min_dC < c->charge_block_below_dC)
		h->blocked = true;
	else if (in->temp_min_dC >= c->charge_release_dC)
		h->blocked = false;
}

static void heat_step(struct heater *h, const struct heater_in *in, uint64_t now_ms)
{
	const struct cfg_heater *c = &h->cfg;
	int64_t rearm = (int64_t)c->max_temp_dC - ((int64_t)c->off_dC - c->on_dC);

	if (!c->enable || h->fault || !in->temp_valid ||
	    (c->charger_only && !in->charger_connected)) {
		h->on = false;
		return;
	}
	if (h->on) {
		if (in->temp_min_dC >= c->off_dC || in->temp_max_dC >= c->max_temp_dC) {
			h->on = false;
			return;
		}
		if ((int64_t)in->temp_min_dC >= (int64_t)h->ref_dC + c->min_rise_dC) {
			/* warming: a new watch from here */
			h->ref_dC = in->temp_min_dC;
			h->ref_ms = now_ms;
		} else if (now_ms >= h->ref_ms &&
			   now_ms - h->ref_ms >= (uint64_t)c->max_on_s * 1000u) {
			h->fault = true;
			h->on = false;
		}
		return;
	}
	if (in->temp_min_dC < c->on_dC && (int64_t)in->temp_max_dC < rearm) {
		h->on = true;
		h->ref_dC = in->temp_min_dC;
		h->ref_ms = now_ms;
	}
}

void heater_step(struct heater *h, const struct heater_in *in, uint64_t now_ms,
		 struct heater_out *out)
{
	block_step(h, in);
	heat_step(h, in, now_ms);
	out->on = h->on;
	out->block_charge = h->blocked;
	out->fault = h->fault;
}
