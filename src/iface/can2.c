/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "bytes.h"
#include "can2.h"

void can2_init(struct can2 *x, const struct cfg_can2 *c, uint64_t now_ms)
{
	memset(x, 0, sizeof(*x));
	x->base_id = (uint16_t)(c->base_id > 0x7FFu - (CAN2_COUNT - 1u) ? 0x7FFu - (CAN2_COUNT - 1u)
									 : c->base_id);
	can1_sched_init(&x->sched, CAN2_COUNT, c->period_ms, now_ms);
}

static uint16_t dV_or_na(uint32_t mV)
{
	return mV / 100u >= CAN2_U16_NA ? CAN2_U16_NA - 1u : (uint16_t)(mV / 100u);
}

static uint16_t dA_or_na(uint32_t mA)
{
	return mA / 100u >= CAN2_U16_NA ? CAN2_U16_NA - 1u : (uint16_t)(mA / 100u);
}

static uint16_t temp_or_na(bool valid, int16_t dC)
{
	return (uint16_t)(valid && dC != BP_TEMP_DC_NA ? dC : CAN2_S16_NA);
}

static unsigned int popcount32(uint32_t m)
{
	unsigned int n = 0;

	for (; m; m &= m - 1u)
		n++;
	return n;
}

static void prot_masks(const struct view *v, uint32_t m[4])
{
	m[0] = m[1] = m[2] = m[3] = 0;
	for (unsigned int p = 0; p < PROT_COUNT && p < 32u; p++) {
		uint8_t st = v->prot_state[p];

		if (st != PROT_ST_ACTIVE && st != PROT_ST_CLEARING && st != PROT_ST_LATCHED)
			continue;
		switch (v->prot_tier[p]) {
		case PROT_TIER_WARNING:
			m[0] |= 1u << p;
			break;
		case PROT_TIER_ALARM:
			m[1] |= 1u << p;
			break;
		default:
			m[2] |= 1u << p;
			break;
		}
		if (st == PROT_ST_LATCHED)
			m[3] |= 1u << p;
	}
}

int can2_encode(const struct can2 *x, unsigned int which, const struct view *v,
		struct canio_frame *f)
{
	uint32_t m[4], boards_mask;
	uint8_t flags = 0;

	if (which >= CAN2_COUNT)
		return -1;
	memset(f, 0, sizeof(*f));
	f->id = x->base_id + which;
	f->len = 8;
	switch (which) {
	case CAN2_STATE:
		flags |= v->configured ? CAN2_F_CONFIGURED : 0u;
		flags |= v->link_up ? CAN2_F_LINK_UP : 0u;
		flags |= v->charge_allowed ? CAN2_F_CHARGE_ALLOWED : 0u;
		flags |= v->discharge_allowed ? CAN2_F_DISCHARGE_ALLOWED : 0u;
		flags |= v->soft_stop ? CAN2_F_SOFT_STOP : 0u;
		flags |= v->full ? CAN2_F_FULL : 0u;
		flags |= v->heater_on ? CAN2_F_HEATER : 0u;
		flags |= v->balancing ? CAN2_F_BALANCING : 0u;
		f->data[0] = (uint8_t)v->state;
		f->data[1] = flags;
		put_le16(&f->data[2], v->soc_valid ? v->soc_dpct : CAN2_U16_NA);
		put_le16(&f->data[4], v->soh_valid ? v->soh_dpct : CAN2_U16_NA);
		put_le16(&f->data[6], (uint16_t)(v->faults & 0xFFFFu));
		break;
	case CAN2_PACK:
		put_le32(&f->data[0],
			 v->pack_valid && v->pack_mV != CAN2_U32_NA ? v->pack_mV : CAN2_U32_NA);
		put_le32(&f->data[4], (uint32_t)(v->current_valid && v->current_mA != CAN2_S32_NA
						 ? v->current_mA : CAN2_S32_NA));
		break;
	case CAN2_CELLS:
		put_le16(&f->data[0], v->pack_valid ? v->cell_min_mV : CAN2_U16_NA);
		put_le16(&f->data[2], v->pack_valid ? v->cell_max_mV : CAN2_U16_NA);
		if (v->pack_valid) {
			f->data[4] = v->cell_min_board;
			f->data[5] = v->cell_min_cell;
			f->data[6] = v->cell_max_board;
			f->data[7] = v->cell_max_cell;
		}
		break;
	case CAN2_TEMPS:
		put_le16(&f->data[0], temp_or_na(v->temp_valid, v->temp_min_dC));
		put_le16(&f->data[2], temp_or_na(v->temp_valid, v->temp_max_dC));
		put_le16(&f->data[4], temp_or_na(v->temp_valid, v->temp_mean_dC));
		if (v->temp_valid) {
			f->data[6] = v->temp_min_board;
			f->data[7] = v->temp_max_board;
		}
		break;
	case CAN2_PROT:
	case CAN2_PROT2:
		prot_masks(v, m);
		put_le32(&f->data[0], which == CAN2_PROT ? m[0] : m[2]);
		put_le32(&f->data[4], which == CAN2_PROT ? m[1] : m[3]);
		break;
	case CAN2_IO:
		boards_mask = v->boards >= 32 ? 0xFFFFFFFFu : (1u << v->boards) - 1u;
		f->data[0] = v->relay_out & 0x0Fu;
		f->data[1] = v->relay_cmd & 0x0Fu;
		f->data[2] = v->di & 0x0Fu;
		f->data[3] = v->dos & 0x0Fu;
		f->data[4] = v->boards;
		f->data[5] = (uint8_t)popcount32(v->online_mask & boards_mask);
		f->data[6] = (uint8_t)popcount32(v->balancing_mask & boards_mask);
		break;
	case CAN2_LIMITS:
		put_le16(&f->data[0], v->limits_valid ? dA_or_na(v->ccl_mA) : CAN2_U16_NA);
		put_le16(&f->data[2], v->limits_valid ? dA_or_na(v->dcl_mA) : CAN2_U16_NA);
		put_le16(&f->data[4], v->limits_valid ? dV_or_na(v->cvl_mV) : CAN2_U16_NA);
		put_le16(&f->data[6], v->limits_valid ? dV_or_na(v->dvl_mV) : CAN2_U16_NA);
		break;
	}
	return 1;
}

int can2_next(struct can2 *x, const struct view *v, uint64_t now_ms, struct canio_frame *f)
{
	int i = can1_sched_next(&x->sched, now_ms);

	if (i < 0)
		return 0;
	return can2_encode(x, (unsigned int)i, v, f);
}
