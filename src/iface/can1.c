/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "can1.h"

/* ---- schedule ------------------------------------------------------------ */

void can1_sched_init(struct can1_sched *s, unsigned int n, uint32_t period_ms,
		       uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->n = n < CAN1_MAX_FRAMES ? n : CAN1_MAX_FRAMES;
	s->period_ms = period_ms ? period_ms : 1u;
	for (unsigned int i = 0; i < s->n; i++)
		s->due_ms[i] = now_ms + (uint64_t)i * s->period_ms / s->n;
}

int can1_sched_next(struct can1_sched *s, uint64_t now_ms)
{
	int best = -1;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->due_ms[i] <= now_ms && (best < 0 || s->due_ms[i] < s->due_ms[best]))
			best = (int)i;
	if (best >= 0) {
		uint64_t late = now_ms - s->due_ms[best];

		s->due_ms[best] += (late / s->period_ms + 1u) * s->period_ms;
	}
	return best;
}

unsigned int can1_sched_skip(struct can1_sched *s, uint64_t now_ms)
{
	unsigned int n = 0;

	while (can1_sched_next(s, now_ms) >= 0)
		n++;
	return n;
}

/* ---- alarms -------------------------------------------------------------- */

#define PB(byte, bit) ((byte) << 8 | (bit))

/* Each protection's 0x35A condition and Pylon 0x359 bit (docs/can.md has
 * the table). Pylon has no bit for an imbalance or for the inverter's own
 * silence, and nothing but "internal error" for the rest. */
static const struct {
	uint8_t cond;
	int16_t pylon;
} prot_map[PROT_COUNT] = {
	[PROT_CELL_OV] = { CAN1_C_HIGH_V, PB(0, 1) },
	[PROT_CELL_UV] = { CAN1_C_LOW_V, PB(0, 2) },
	[PROT_PACK_OV] = { CAN1_C_HIGH_V, PB(0, 1) },
	[PROT_PACK_UV] = { CAN1_C_LOW_V, PB(0, 2) },
	[PROT_CHG_OC] = { CAN1_C_CHARGE_OC, PB(1, 0) },
	[PROT_DSG_OC] = { CAN1_C_DISCHARGE_OC, PB(0, 7) },
	[PROT_CHG_OT] = { CAN1_C_HIGH_T_CHARGE, PB(0, 3) },
	[PROT_CHG_UT] = { CAN1_C_LOW_T_CHARGE, PB(0, 4) },
	[PROT_DSG_OT] = { CAN1_C_HIGH_T, PB(0, 3) },
	[PROT_DSG_UT] = { CAN1_C_LOW_T, PB(0, 4) },
	[PROT_CELL_SPREAD] = { CAN1_C_IMBALANCE, -1 },
	[PROT_LOGIC_OFFLINE] = { CAN1_C_INTERNAL, PB(1, 3) },
	[PROT_SENSOR] = { CAN1_C_INTERNAL, PB(1, 3) },
	[PROT_LINK_LOST] = { CAN1_C_INTERNAL, PB(1, 3) },
	[PROT_EXT_OFFLINE] = { CAN1_C_GENERAL, -1 },
	[PROT_FEEDBACK] = { CAN1_C_CONTACTOR, PB(1, 3) },
	[PROT_HUMIDITY] = { CAN1_C_GENERAL, PB(1, 3) },
	[PROT_DEEP_DISCHARGE] = { CAN1_C_LOW_V, PB(0, 2) },
	[PROT_WELDED] = { CAN1_C_CONTACTOR, PB(1, 3) },
	[PROT_PRECHARGE] = { CAN1_C_CONTACTOR, PB(1, 3) },
	[PROT_HEATER] = { CAN1_C_INTERNAL, PB(1, 3) },
	[PROT_EMERGENCY_STOP] = { CAN1_C_GENERAL, PB(1, 3) },
	[PROT_INSULATION] = { CAN1_C_GENERAL, PB(1, 3) },
	[PROT_MCU_TRIP] = { CAN1_C_GENERAL, PB(1, 3) },
};

_Static_assert(PROT_COUNT == 24, "a new protection needs its CAN alarm mapping");

int can1_prot_level(const struct view *v, enum prot_id id)
{
	if ((unsigned int)id >= PROT_COUNT)
		return 0;
	switch (v->prot_state[id]) {
	case PROT_ST_ACTIVE:
	case PROT_ST_CLEARING:
	case PROT_ST_LATCHED:
		return v->prot_tier[id] == PROT_TIER_WARNING ? 1 : 2;
	default:
		return 0;
	}
}

enum can1_cond can1_prot_cond(enum prot_id id)
{
	return (unsigned int)id < PROT_COUNT ? (enum can1_cond)prot_map[id].cond
					      : CAN1_C_GENERAL;
}

int can1_prot_pylon_bit(enum prot_id id)
{
	return (unsigned int)id < PROT_COUNT ? prot_map[id].pylon : -1;
}

/* ---- profiles ------------------------------------------------------------ */

static const char *const profile_names[CFG_CAN1_PROFILE_COUNT] = {
	[CFG_CAN1_PYLON] = "pylon",
	[CFG_CAN1_VICTRON] = "victron",
	[CFG_CAN1_SMA] = "sma",
};

const char *can1_profile_name(enum cfg_can1_profile p)
{
	return (unsigned int)p < CFG_CAN1_PROFILE_COUNT ? profile_names[p] : "?";
}

static void add_id(struct can1 *x, uint16_t id)
{
	unsigned int i;

	if (x->nframes == CAN1_MAX_FRAMES)
		return;
	for (i = x->nframes; i > 0 && x->ids[i - 1] > id; i--)
		x->ids[i] = x->ids[i - 1];
	x->ids[i] = id;
	x->nframes++;
}

void can1_init(struct can1 *x, const struct cfg_can1 *c, uint64_t now_ms)
{
	enum cfg_can1_alarms al = c->alarm_frame;
	bool pylon = c->profile == CFG_CAN1_PYLON;

	memset(x, 0, sizeof(*x));
	x->profile = (unsigned int)c->profile < CFG_CAN1_PROFILE_COUNT ? c->profile
								      : CFG_CAN1_PYLON;
	switch (x->profile) {
	case CFG_CAN1_SMA:
		x->period_ms = CAN1_SMA_PERIOD_MS;
		break;
	case CFG_CAN1_VICTRON:
		x->period_ms = CAN1_VICTRON_PERIOD_MS;
		break;
	default:
		x->period_ms = CAN1_PYLON_PERIOD_MS;
		break;
	}
	if (c->period_ms)
		x->period_ms = c->period_ms;
	x->limits_dlc = c->limits_dlc == 6 || c->limits_dlc == 8 ? (uint8_t)c->limits_dlc
								 : (pylon ? 6u : 8u);
	x->soc_dlc = c->soc_dlc == 4 || c->soc_dlc == 6
			     ? (uint8_t)c->soc_dlc
			     : (x->profile == CFG_CAN1_SMA ? 6u : 4u);
	x->big_endian = c->byte_order == CFG_CAN1_BIG;
	x->temperature = c->temperature;
	snprintf(x->manufacturer, sizeof(x->manufacturer), "%s",
		 c->manufacturer[0] ? c->manufacturer : pylon ? "PYLON" : "BMSD");
	snprintf(x->product, sizeof(x->product), "%s", c->product[0] ? c->product : "bmsd");

	add_id(x, 0x351);
	add_id(x, 0x355);
	add_id(x, 0x356);
	add_id(x, 0x35E);
	if (al == CFG_CAN1_ALARMS_AUTO)
		al = pylon ? CFG_CAN1_ALARMS_359 : CFG_CAN1_ALARMS_35A;
	if (al == CFG_CAN1_ALARMS_359 || al == CFG_CAN1_ALARMS_BOTH)
		add_id(x, 0x359);
	if (al == CFG_CAN1_ALARMS_35A || al == CFG_CAN1_ALARMS_BOTH)
		add_id(x, 0x35A);
	if (pylon)
		add_id(x, 0x35C);
	if (x->profile != CFG_CAN1_PYLON)
		add_id(x, 0x35F);
	if (x->profile == CFG_CAN1_VICTRON) {
		static const uint16_t more[] = { 0x370, 0x371, 0x372, 0x373, 0x374,
						 0x375, 0x376, 0x377, 0x379 };

		for (unsigned int i = 0; i < sizeof(more) / sizeof(more[0]); i++)
			add_id(x, more[i]);
	}
	can1_sched_init(&x->sched, x->nframes, x->period_ms, now_ms);
}

/* ---- encoding ------------------------------------------------------------ */

/* @v in bytes @off, @off + 1 of @f, in the byte order that can1 asks for */
static void put16(const struct can1 *x, struct canio_frame *f, unsigned int off, uint16_t v)
{
	if (x->big_endian)
		put_be16(&f->data[off], v);
	else
		put_le16(&f->data[off], v);
}

/* @s in bytes @off.. of @f, @n bytes, space padded */
static void put_text(struct canio_frame *f, unsigned int off, const char *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		f->data[off + i] = *s ? (uint8_t)*s++ : (uint8_t)' ';
}

static uint16_t u16_sat(uint64_t v)
{
	return v > 0xFFFFu ? 0xFFFFu : (uint16_t)v;
}

static int16_t s16_sat(int64_t v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32767 ? -32767 : v);
}

/* n / d rounded half away from zero */
static int64_t div_round(int64_t n, int64_t d)
{
	return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

struct limits {
	uint16_t cvl_dV, ccl_dA, dcl_dA, dvl_dV;
};

/* Limits round toward safety: CVL and the currents down, DVL up. Without
 * limits from the logic: no current either way, and voltage limits at the
 * pack's present voltage (0 when that is not known either). */
static void limits_of(const struct view *v, struct limits *l)
{
	if (v->limits_valid) {
		l->cvl_dV = u16_sat(v->cvl_mV / 100u);
		l->dvl_dV = u16_sat((v->dvl_mV + 99ull) / 100u);
		l->ccl_dA = v->charge_allowed ? (uint16_t)s16_sat(v->ccl_mA / 100u) : 0u;
		l->dcl_dA = v->discharge_allowed ? (uint16_t)s16_sat(v->dcl_mA / 100u) : 0u;
		return;
	}
	l->ccl_dA = l->dcl_dA = 0;
	l->cvl_dV = v->pack_valid ? u16_sat(v->pack_mV / 100u) : 0u;
	l->dvl_dV = v->pack_valid ? u16_sat((v->pack_mV + 99ull) / 100u) : 0u;
}

static bool temp_of(const struct can1 *x, const struct view *v, int16_t *dC)
{
	int16_t t;

	switch (x->temperature) {
	case CFG_CAN1_T_NTC1:
	case CFG_CAN1_T_NTC2:
		t = v->ext_temp_dC[x->temperature == CFG_CAN1_T_NTC1 ? 0 : 1];
		break;
	case CFG_CAN1_T_CELLS_MAX:
		t = v->temp_valid ? v->temp_max_dC : BP_TEMP_DC_NA;
		break;
	case CFG_CAN1_T_CELLS_MIN:
		t = v->temp_valid ? v->temp_min_dC : BP_TEMP_DC_NA;
		break;
	default:
		t = v->temp_valid ? v->temp_mean_dC : BP_TEMP_DC_NA;
		break;
	}
	if (t == BP_TEMP_DC_NA)
		return false;
	*dC = t;
	return true;
}

static uint16_t pct_of(uint16_t dpct)
{
	return (uint16_t)((dpct > 1000u ? 1000u : dpct) + 5u) / 10u;
}

static void alarms_35a(const struct view *v, struct canio_frame *f)
{
	bool on[2][CAN1_C_COUNT] = { { false } }; /* [0] warnings, [1] alarms */

	for (unsigned int p = 0; p < PROT_COUNT; p++) {
		int l = can1_prot_level(v, (enum prot_id)p);

		if (!l)
			continue;
		on[l - 1][prot_map[p].cond] = true;
		on[l - 1][CAN1_C_GENERAL] = true;
	}
	f->len = 8;
	for (unsigned int c = 0; c < CAN1_C_COUNT; c++) {
		unsigned int sh = 2u * (c % 4u);

		/* 01 active, 10 OK */
		f->data[c / 4u] |= (uint8_t)((on[1][c] ? 1u : 2u) << sh);
		f->data[4u + c / 4u] |= (uint8_t)((on[0][c] ? 1u : 2u) << sh);
	}
}

static void alarms_359(const struct view *v, struct canio_frame *f)
{
	f->len = 7;
	for (unsigned int p = 0; p < PROT_COUNT; p++) {
		int l = can1_prot_level(v, (enum prot_id)p);
		int b = prot_map[p].pylon;

		if (!l || b < 0)
			continue;
		f->data[(b >> 8) + (l == 1 ? 2 : 0)] |= (uint8_t)(1u << (b & 7));
	}
	f->data[4] = 1; /* one battery, whatever its Logic boards */
	f->data[5] = 'P';
	f->data[6] = 'N';
}

static unsigned int popcount32(uint32_t m)
{
	unsigned int n = 0;

	for (; m; m &= m - 1u)
		n++;
	return n;
}

static uint16_t version_u16(const char *s)
{
	unsigned int major = 0, minor = 0;

	while (*s >= '0' && *s <= '9')
		major = major * 10u + (unsigned int)(*s++ - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			minor = minor * 10u + (unsigned int)(*s - '0');
	return (uint16_t)((major & 0xFFu) << 8 | (minor & 0xFFu));
}

/* "B<board>C<cell>" / "B<board>T<sensor>" */
static void cell_name(struct canio_frame *f, unsigned int board, unsigned int cell)
{
	char s[24];

	snprintf(s, sizeof(s), "B%uC%u", board, cell);
	put_text(f, 0, s, 8);
}

static void temp_name(const struct view *v, struct canio_frame *f, unsigned int board,
		      int16_t dC)
{
	char s[24];
	unsigned int t = 0;

	if (board >= 1 && board <= VIEW_BOARDS) {
		const struct view_board *vb = &v->board[board - 1u];

		for (unsigned int i = 0; i < vb->ntemps && i < VIEW_TEMPS; i++)
			if (vb->temp_dC[i] == dC) {
				t = i + 1u;
				break;
			}
	}
	if (t)
		snprintf(s, sizeof(s), "B%uT%u", board, t);
	else
		snprintf(s, sizeof(s), "B%u", board);
	put_text(f, 0, s, 8);
}

static uint16_t kelvin(int16_t dC)
{
	return (uint16_t)div_round((int64_t)dC * 10 + 27315, 100);
}

/* The frames that every profile shares: limits, SOC, measurements, alarms,
 * identity (0x351 to 0x35F). -1: not one of them. */
static int encode_35x(const struct can1 *x, uint16_t id, const struct view *v,
		      struct canio_frame *f)
{
	struct limits l;
	int16_t t;

	switch (id) {
	case 0x351:
		limits_of(v, &l);
		f->len = x->limits_dlc;
		put16(x, f, 0, l.cvl_dV);
		put16(x, f, 2, l.ccl_dA);
		put16(x, f, 4, l.dcl_dA);
		if (f->len == 8)
			put16(x, f, 6, l.dvl_dV);
		return 1;
	case 0x355:
		if (!v->soc_valid || !v->soh_valid)
			return 0;
		f->len = x->soc_dlc;
		put16(x, f, 0, pct_of(v->soc_dpct));
		put16(x, f, 2, pct_of(v->soh_dpct));
		if (f->len == 6)
			put16(x, f, 4,
			      (uint16_t)((v->soc_dpct > 1000u ? 1000u : v->soc_dpct) * 10u));
		return 1;
	case 0x356:
		if (!v->pack_valid || !v->current_valid || !temp_of(x, v, &t))
			return 0;
		f->len = 6;
		put16(x, f, 0, (uint16_t)s16_sat(div_round(v->pack_mV, 10)));
		put16(x, f, 2, (uint16_t)s16_sat(div_round(v->current_mA, 100)));
		put16(x, f, 4, (uint16_t)t);
		return 1;
	case 0x359:
		alarms_359(v, f);
		return 1;
	case 0x35A:
		alarms_35a(v, f);
		return 1;
	case 0x35C:
		f->len = 2;
		if (v->limits_valid && v->charge_allowed)
			f->data[0] |= 0x80u;
		if (v->limits_valid && v->discharge_allowed)
			f->data[0] |= 0x40u;
		return 1;
	case 0x35E:
		f->len = 8;
		put_text(f, 0, x->manufacturer, 8);
		return 1;
	case 0x35F:
		if (!v->capacity_mAh)
			return 0;
		f->len = 8;
		put16(x, f, 0, 0);
		put16(x, f, 2, version_u16(v->version));
		put16(x, f, 4, u16_sat(v->capacity_mAh / 1000u));
		return 1;
	default:
		return -1;
	}
}

/* Victron's extension frames: product name, modules, cell and
 * temperature extremes and where they are, capacity (0x370 to 0x379). */
static int encode_37x(const struct can1 *x, uint16_t id, const struct view *v,
		      struct canio_frame *f)
{
	uint32_t boards_mask;
	unsigned int online;

	switch (id) {
	case 0x370:
	case 0x371:
		f->len = 8;
		put_text(f, 0, strlen(x->product) > 8u * (id - 0x370u) ?
				       x->product + 8u * (id - 0x370u) : "", 8);
		return 1;
	case 0x372:
		boards_mask = v->boards >= 32 ? 0xFFFFFFFFu : (1u << v->boards) - 1u;
		online = popcount32(v->online_mask & boards_mask);
		f->len = 8;
		put16(x, f, 0, (uint16_t)online);
		put16(x, f, 2, v->limits_valid && v->charge_allowed ? 0u : v->boards);
		put16(x, f, 4, v->limits_valid && v->discharge_allowed ? 0u : v->boards);
		put16(x, f, 6, (uint16_t)(v->boards - online));
		return 1;
	case 0x373:
		if (!v->pack_valid || !v->temp_valid)
			return 0;
		f->len = 8;
		put16(x, f, 0, v->cell_min_mV);
		put16(x, f, 2, v->cell_max_mV);
		put16(x, f, 4, kelvin(v->temp_min_dC));
		put16(x, f, 6, kelvin(v->temp_max_dC));
		return 1;
	case 0x374:
	case 0x375:
		if (!v->pack_valid)
			return 0;
		f->len = 8;
		if (id == 0x374)
			cell_name(f, v->cell_min_board, v->cell_min_cell);
		else
			cell_name(f, v->cell_max_board, v->cell_max_cell);
		return 1;
	case 0x376:
	case 0x377:
		if (!v->temp_valid)
			return 0;
		f->len = 8;
		if (id == 0x376)
			temp_name(v, f, v->temp_min_board, v->temp_min_dC);
		else
			temp_name(v, f, v->temp_max_board, v->temp_max_dC);
		return 1;
	case 0x379:
		if (!v->capacity_mAh)
			return 0;
		f->len = 2;
		put16(x, f, 0, u16_sat(v->capacity_mAh / 1000u));
		return 1;
	default:
		return -1;
	}
}


int can1_encode(const struct can1 *x, uint16_t id, const struct view *v,
		  struct canio_frame *f)
{
	bool known = false;

	for (unsigned int i = 0; i < x->nframes; i++)
		known |= x->ids[i] == id;
	if (!known)
		return -1;
	memset(f, 0, sizeof(*f));
	f->id = id;
	return id < 0x370 ? encode_35x(x, id, v, f) : encode_37x(x, id, v, f);
}

int can1_next(struct can1 *x, const struct view *v, uint64_t now_ms, struct canio_frame *f)
{
	int i;

	while ((i = can1_sched_next(&x->sched, now_ms)) >= 0) {
		if (can1_encode(x, x->ids[i], v, f) == 1)
			return 1;
		x->omitted++;
	}
	return 0;
}

/* ---- keep-alive ---------------------------------------------------------- */

void can1_ka_init(struct can1_ka *k, bool watch, uint32_t timeout_ms, uint64_t now_ms)
{
	memset(k, 0, sizeof(*k));
	k->watch = watch;
	k->timeout_ms = timeout_ms;
	k->alive = true;
	k->last_ms = now_ms;
}

enum can1_ka_event can1_ka_rx(struct can1_ka *k, const struct canio_frame *f,
				  uint64_t now_ms)
{
	if (f->ext || f->rtr || f->id != CAN1_KEEPALIVE_ID)
		return CAN1_KA_NONE;
	k->frames++;
	k->seen = true;
	k->last_ms = now_ms;
	if (k->alive)
		return CAN1_KA_NONE;
	k->alive = true;
	return k->watch ? CAN1_KA_BACK : CAN1_KA_NONE;
}

enum can1_ka_event can1_ka_tick(struct can1_ka *k, uint64_t now_ms)
{
	if (!k->alive || now_ms < k->last_ms || now_ms - k->last_ms <= k->timeout_ms)
		return CAN1_KA_NONE;
	k->alive = false;
	k->losses++;
	return k->watch ? CAN1_KA_LOST : CAN1_KA_NONE;
}

int can1_ka_state(const struct can1_ka *k)
{
	if (!k->watch)
		return -1;
	return k->alive ? 1 : 0;
}
