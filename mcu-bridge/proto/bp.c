/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bp.h"
#include "crc.h"

_Static_assert(sizeof(float) == 4, "config blob carries floats as 32-bit IEEE-754");

#define BP_CFG_LAYOUT_VERSION 1u
#define BP_CFG_BLOB_LEN 114u /* see the blob table in docs/bridge-protocol.md */

_Static_assert(BP_CFG_BLOB_LEN <= BP_CFG_BLOB_MAX, "config blob must fit the push");

/* ---- little-endian field access --------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)get_le(p, 2);
}

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)get_le(p, 3);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get_le(p, 4);
}

/* Sign conversions spelled out: converting an out-of-range unsigned value
 * to a signed type is implementation-defined, and this code runs on two
 * compilers and two architectures. */
static int32_t sext(uint32_t v, unsigned int bits)
{
	uint32_t sign = 1u << (bits - 1);

	v &= (sign << 1) - 1u;
	if (v & sign)
		return -(int32_t)((sign << 1) - v - 1u) - 1;
	return (int32_t)v;
}

static uint32_t twos(int32_t v, unsigned int bits)
{
	uint32_t mask = (bits >= 32) ? 0xFFFFFFFFu : (1u << bits) - 1u;

	return (uint32_t)v & mask;
}

static bool zero_from(const uint8_t *d, unsigned int from)
{
	for (unsigned int i = from; i < 8; i++)
		if (d[i])
			return false;
	return true;
}

/* ---- identifier map ---------------------------------------------------- */

static enum bp_type type_of(uint32_t id, uint8_t *board, uint8_t *group)
{
	*board = 0;
	*group = 0;
	if (id >= BP_ID_BOARD_BASE && id <= BP_ID_BOARD_LAST) {
		*board = (uint8_t)((id - BP_ID_BOARD_BASE) >> 3);
		*group = (uint8_t)(id & 7u);
		if (*group < BP_CELL_GROUPS)
			return BP_T_CELLS;
		*group = (uint8_t)(*group - BP_CELL_GROUPS);
		return BP_T_TEMPS;
	}
	if (id >= BP_ID_BSTATUS_BASE && id <= BP_ID_BSTATUS_LAST) {
		*board = (uint8_t)(id - BP_ID_BSTATUS_BASE);
		return BP_T_BSTATUS;
	}
	switch (id) {
	case BP_ID_HEARTBEAT:
		return BP_T_HEARTBEAT;
	case BP_ID_OUTPUT_CMD:
		return BP_T_OUTPUT_CMD;
	case BP_ID_BAL_CMD:
		return BP_T_BAL_CMD;
	case BP_ID_CFG_DATA:
		return BP_T_CFG_DATA;
	case BP_ID_CFG_COMMIT:
		return BP_T_CFG_COMMIT;
	case BP_ID_STATUS:
		return BP_T_STATUS;
	case BP_ID_CURRENT:
		return BP_T_CURRENT;
	case BP_ID_CHARGE_IN:
		return BP_T_CHARGE_IN;
	case BP_ID_CHARGE_OUT:
		return BP_T_CHARGE_OUT;
	case BP_ID_IO:
		return BP_T_IO;
	case BP_ID_EXT:
		return BP_T_EXT;
	case BP_ID_LOGIC:
		return BP_T_LOGIC;
	case BP_ID_CAL:
		return BP_T_CAL;
	case BP_ID_VERSION:
		return BP_T_VERSION;
	case BP_ID_CYCLE_END:
		return BP_T_CYCLE_END;
	}
	return BP_T_NONE;
}

static uint32_t board_id(uint8_t board, unsigned int slot)
{
	return BP_ID_BOARD_BASE + board * 8u + slot;
}

/* ---- 14-bit packing ----------------------------------------------------- */

static void pack14(uint8_t *p, const uint32_t v[4])
{
	uint64_t w = 0;

	for (unsigned int k = 0; k < 4; k++)
		w |= (uint64_t)(v[k] & 0x3FFFu) << (14 * k);
	put_le(p, w, 7);
}

static void unpack14(const uint8_t *p, uint32_t v[4])
{
	uint64_t w = get_le(p, 7);

	for (unsigned int k = 0; k < 4; k++)
		v[k] = (uint32_t)(w >> (14 * k)) & 0x3FFFu;
}

/* ---- encode ------------------------------------------------------------- */

static int encode_body(const struct bp_msg *m, struct bp_frame *f)
{
	uint8_t *d = f->data;
	uint32_t v[4];

	switch (m->type) {
	case BP_T_HEARTBEAT: {
		const struct bp_heartbeat *x = &m->u.hb;

		if (x->daemon_state > 2)
			return BP_EINVAL;
		f->id = BP_ID_HEARTBEAT;
		d[0] = x->ctr;
		d[1] = x->daemon_state;
		put_le(d + 2, x->cfg_crc, 4);
		return BP_OK;
	}
	case BP_T_OUTPUT_CMD: {
		const struct bp_output_cmd *x = &m->u.out;

		if ((x->relays | x->dos) & 0xF0u || x->flags & 0xF8u)
			return BP_EINVAL;
		f->id = BP_ID_OUTPUT_CMD;
		d[0] = x->ctr;
		d[1] = x->relays;
		d[2] = x->dos;
		d[3] = x->flags;
		return BP_OK;
	}
	case BP_T_BAL_CMD: {
		const struct bp_bal_cmd *x = &m->u.bal;

		if (x->board >= BP_MAX_BOARDS || x->mask > 0xFFFFFFu)
			return BP_EINVAL;
		f->id = BP_ID_BAL_CMD;
		d[0] = x->ctr;
		d[1] = x->board;
		put_le(d + 2, x->mask, 3);
		return BP_OK;
	}
	case BP_T_CFG_DATA: {
		const struct bp_cfg_data *x = &m->u.cfgd;

		if (x->seq >= BP_CFG_MAX_SEGMENTS)
			return BP_EINVAL;
		f->id = BP_ID_CFG_DATA;
		d[0] = x->seq;
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++)
			d[1 + i] = x->bytes[i];
		return BP_OK;
	}
	case BP_T_CFG_COMMIT: {
		const struct bp_cfg_commit *x = &m->u.cfgc;

		if (x->len < 1 || x->len > BP_CFG_BLOB_MAX)
			return BP_EINVAL;
		f->id = BP_ID_CFG_COMMIT;
		put_le(d, x->len, 2);
		put_le(d + 2, x->crc, 4);
		return BP_OK;
	}
	case BP_T_STATUS: {
		const struct bp_status *x = &m->u.status;

		if (x->safety > BP_SAFETY_TRIPPED || x->cfg_state > BP_CFG_REJECTED)
			return BP_EINVAL;
		f->id = BP_ID_STATUS;
		d[0] = x->ctr;
		d[1] = (uint8_t)(x->safety | x->cfg_state << 4);
		put_le(d + 2, x->trip, 2);
		put_le(d + 4, x->cfg_crc, 4);
		return BP_OK;
	}
	case BP_T_CURRENT: {
		const struct bp_current *x = &m->u.cur;

		if (x->flags & 0x80u)
			return BP_EINVAL;
		for (unsigned int i = 0; i < BP_NUM_CURRENT; i++)
			if (x->mA[i] < BP_CURRENT_MA_NA || x->mA[i] > BP_CURRENT_MA_MAX)
				return BP_EINVAL;
		f->id = BP_ID_CURRENT;
		d[0] = x->ctr;
		d[1] = x->flags;
		put_le(d + 2, twos(x->mA[0], 24), 3);
		put_le(d + 5, twos(x->mA[1], 24), 3);
		return BP_OK;
	}
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT: {
		const struct bp_charge *x = &m->u.chg;

		if (x->mAs > BP_CHARGE_MAX)
			return BP_EINVAL;
		f->id = m->type == BP_T_CHARGE_IN ? BP_ID_CHARGE_IN : BP_ID_CHARGE_OUT;
		d[0] = x->ctr;
		put_le(d + 1, x->mAs, 7);
		return BP_OK;
	}
	case BP_T_IO: {
		const struct bp_io *x = &m->u.io;

		if ((x->relay_out | x->relay_cmd | x->di | x->di_raw | x->dos) & 0xF0u)
			return BP_EINVAL;
		f->id = BP_ID_IO;
		d[0] = x->ctr;
		d[1] = (uint8_t)(x->relay_out | x->relay_cmd << 4);
		d[2] = (uint8_t)(x->di | x->di_raw << 4);
		d[3] = x->dos;
		put_le(d + 4, x->faults, 2);
		put_le(d + 6, x->supply_mV, 2);
		return BP_OK;
	}
	case BP_T_EXT: {
		const struct bp_ext *x = &m->u.ext;

		if ((x->ntc_state[0] | x->ntc_state[1] | x->hum_state) > 3)
			return BP_EINVAL;
		if (x->rh_dpct > 1000 && x->rh_dpct != 0xFFFFu)
			return BP_EINVAL;
		f->id = BP_ID_EXT;
		d[0] = x->ctr;
		d[1] = (uint8_t)(x->ntc_state[0] | x->ntc_state[1] << 2 | x->hum_state << 4);
		put_le(d + 2, twos(x->t_dC[0], 16), 2);
		put_le(d + 4, twos(x->t_dC[1], 16), 2);
		put_le(d + 6, x->rh_dpct, 2);
		return BP_OK;
	}
	case BP_T_LOGIC: {
		const struct bp_logic *x = &m->u.logic;

		if (x->boards > BP_MAX_BOARDS)
			return BP_EINVAL;
		f->id = BP_ID_LOGIC;
		d[0] = x->ctr;
		put_le(d + 1, x->online, 4);
		d[5] = x->boards;
		d[6] = x->crc_errors;
		d[7] = x->timeouts;
		return BP_OK;
	}
	case BP_T_CAL: {
		const struct bp_cal *x = &m->u.cal;

		if (x->sensor >= BP_NUM_CURRENT)
			return BP_EINVAL;
		f->id = BP_ID_CAL;
		d[0] = x->ctr;
		d[1] = x->sensor;
		put_le(d + 2, twos(x->zero_uV, 32), 4);
		return BP_OK;
	}
	case BP_T_VERSION: {
		const struct bp_version *x = &m->u.ver;

		f->id = BP_ID_VERSION;
		d[0] = x->ctr;
		d[1] = x->proto;
		d[2] = x->fw_major;
		d[3] = x->fw_minor;
		d[4] = x->fw_patch;
		d[5] = x->hw;
		put_le(d + 6, x->uptime_s, 2);
		return BP_OK;
	}
	case BP_T_CELLS: {
		const struct bp_cells *x = &m->u.cells;

		if (x->board >= BP_MAX_BOARDS || x->group >= BP_CELL_GROUPS)
			return BP_EINVAL;
		for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++) {
			if (x->mV[k] > BP_CELL_MV_NA)
				return BP_EINVAL;
			v[k] = x->mV[k];
		}
		f->id = (uint16_t)board_id(x->board, x->group);
		d[0] = x->cycle;
		pack14(d + 1, v);
		return BP_OK;
	}
	case BP_T_TEMPS: {
		const struct bp_temps *x = &m->u.temps;

		if (x->board >= BP_MAX_BOARDS || x->group >= BP_TEMP_GROUPS)
			return BP_EINVAL;
		for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++) {
			if (x->dC[k] < BP_TEMP_DC_NA || x->dC[k] > BP_TEMP_DC_MAX)
				return BP_EINVAL;
			v[k] = twos(x->dC[k], 14);
		}
		f->id = (uint16_t)board_id(x->board, BP_CELL_GROUPS + x->group);
		d[0] = x->cycle;
		pack14(d + 1, v);
		return BP_OK;
	}
	case BP_T_BSTATUS: {
		const struct bp_bstatus *x = &m->u.bst;

		if (x->board >= BP_MAX_BOARDS || x->flags & 0xE0u || x->bal_mask > 0xFFFFFFu ||
		    x->ncells > BP_MAX_CELLS || x->ntemps > BP_MAX_TEMPS)
			return BP_EINVAL;
		f->id = (uint16_t)(BP_ID_BSTATUS_BASE + x->board);
		d[0] = x->cycle;
		d[1] = x->flags;
		put_le(d + 2, x->bal_mask, 3);
		d[5] = x->ntc_fault;
		d[6] = x->ncells;
		d[7] = x->ntemps;
		return BP_OK;
	}
	case BP_T_CYCLE_END: {
		const struct bp_cycle_end *x = &m->u.end;

		if (x->time_ms > BP_TIME_MAX)
			return BP_EINVAL;
		f->id = BP_ID_CYCLE_END;
		d[0] = x->cycle;
		put_le(d + 1, x->nframes, 2);
		put_le(d + 3, x->time_ms, 5);
		return BP_OK;
	}
	default:
		return BP_EINVAL;
	}
}

int bp_encode(const struct bp_msg *m, struct bp_frame *f)
{
	/* Built aside so that a refused message leaves @f as it was. */
	struct bp_frame t = { .len = 8 };
	int rc = encode_body(m, &t);

	if (rc == BP_OK)
		*f = t;
	return rc;
}

/* ---- decode ------------------------------------------------------------- */

static int decode_body(const uint8_t *d, enum bp_type t, uint8_t board, uint8_t group,
		       struct bp_msg *m)
{
	uint32_t v[4];

	switch (t) {
	case BP_T_HEARTBEAT:
		if (d[1] > 2 || !zero_from(d, 6))
			return BP_ERANGE;
		m->u.hb.ctr = d[0];
		m->u.hb.daemon_state = d[1];
		m->u.hb.cfg_crc = get32(d + 2);
		return BP_OK;
	case BP_T_OUTPUT_CMD:
		if ((d[1] | d[2]) & 0xF0u || d[3] & 0xF8u || !zero_from(d, 4))
			return BP_ERANGE;
		m->u.out.ctr = d[0];
		m->u.out.relays = d[1];
		m->u.out.dos = d[2];
		m->u.out.flags = d[3];
		return BP_OK;
	case BP_T_BAL_CMD:
		if (d[1] >= BP_MAX_BOARDS || !zero_from(d, 5))
			return BP_ERANGE;
		m->u.bal.ctr = d[0];
		m->u.bal.board = d[1];
		m->u.bal.mask = get24(d + 2);
		return BP_OK;
	case BP_T_CFG_DATA:
		if (d[0] >= BP_CFG_MAX_SEGMENTS)
			return BP_ERANGE;
		m->u.cfgd.seq = d[0];
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++)
			m->u.cfgd.bytes[i] = d[1 + i];
		return BP_OK;
	case BP_T_CFG_COMMIT:
		m->u.cfgc.len = (uint16_t)get16(d);
		if (m->u.cfgc.len < 1 || m->u.cfgc.len > BP_CFG_BLOB_MAX || !zero_from(d, 6))
			return BP_ERANGE;
		m->u.cfgc.crc = get32(d + 2);
		return BP_OK;
	case BP_T_STATUS:
		if ((d[1] & 0x0Fu) > BP_SAFETY_TRIPPED || (d[1] >> 4) > BP_CFG_REJECTED)
			return BP_ERANGE;
		m->u.status.ctr = d[0];
		m->u.status.safety = d[1] & 0x0Fu;
		m->u.status.cfg_state = d[1] >> 4;
		m->u.status.trip = (uint16_t)get16(d + 2);
		m->u.status.cfg_crc = get32(d + 4);
		return BP_OK;
	case BP_T_CURRENT:
		if (d[1] & 0x80u)
			return BP_ERANGE;
		m->u.cur.ctr = d[0];
		m->u.cur.flags = d[1];
		m->u.cur.mA[0] = sext(get24(d + 2), 24);
		m->u.cur.mA[1] = sext(get24(d + 5), 24);
		return BP_OK;
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT:
		m->u.chg.ctr = d[0];
		m->u.chg.mAs = get_le(d + 1, 7);
		return BP_OK;
	case BP_T_IO:
		if (d[3] & 0xF0u)
			return BP_ERANGE;
		m->u.io.ctr = d[0];
		m->u.io.relay_out = d[1] & 0x0Fu;
		m->u.io.relay_cmd = d[1] >> 4;
		m->u.io.di = d[2] & 0x0Fu;
		m->u.io.di_raw = d[2] >> 4;
		m->u.io.dos = d[3];
		m->u.io.faults = (uint16_t)get16(d + 4);
		m->u.io.supply_mV = (uint16_t)get16(d + 6);
		return BP_OK;
	case BP_T_EXT:
		m->u.ext.rh_dpct = (uint16_t)get16(d + 6);
		if (d[1] & 0xC0u || (m->u.ext.rh_dpct > 1000 && m->u.ext.rh_dpct != 0xFFFFu))
			return BP_ERANGE;
		m->u.ext.ctr = d[0];
		m->u.ext.ntc_state[0] = d[1] & 3u;
		m->u.ext.ntc_state[1] = (d[1] >> 2) & 3u;
		m->u.ext.hum_state = (d[1] >> 4) & 3u;
		m->u.ext.t_dC[0] = (int16_t)sext(get16(d + 2), 16);
		m->u.ext.t_dC[1] = (int16_t)sext(get16(d + 4), 16);
		return BP_OK;
	case BP_T_LOGIC:
		if (d[5] > BP_MAX_BOARDS)
			return BP_ERANGE;
		m->u.logic.ctr = d[0];
		m->u.logic.online = get32(d + 1);
		m->u.logic.boards = d[5];
		m->u.logic.crc_errors = d[6];
		m->u.logic.timeouts = d[7];
		return BP_OK;
	case BP_T_CAL:
		if (d[1] >= BP_NUM_CURRENT || !zero_from(d, 6))
			return BP_ERANGE;
		m->u.cal.ctr = d[0];
		m->u.cal.sensor = d[1];
		m->u.cal.zero_uV = sext(get32(d + 2), 32);
		return BP_OK;
	case BP_T_VERSION:
		m->u.ver.ctr = d[0];
		m->u.ver.proto = d[1];
		m->u.ver.fw_major = d[2];
		m->u.ver.fw_minor = d[3];
		m->u.ver.fw_patch = d[4];
		m->u.ver.hw = d[5];
		m->u.ver.uptime_s = (uint16_t)get16(d + 6);
		return BP_OK;
	case BP_T_CELLS:
		unpack14(d + 1, v);
		m->u.cells.cycle = d[0];
		m->u.cells.board = board;
		m->u.cells.group = group;
		for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++)
			m->u.cells.mV[k] = (uint16_t)v[k];
		return BP_OK;
	case BP_T_TEMPS:
		unpack14(d + 1, v);
		m->u.temps.cycle = d[0];
		m->u.temps.board = board;
		m->u.temps.group = group;
		for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++)
			m->u.temps.dC[k] = (int16_t)sext(v[k], 14);
		return BP_OK;
	case BP_T_BSTATUS:
		if (d[1] & 0xE0u || d[6] > BP_MAX_CELLS || d[7] > BP_MAX_TEMPS)
			return BP_ERANGE;
		m->u.bst.cycle = d[0];
		m->u.bst.board = board;
		m->u.bst.flags = d[1];
		m->u.bst.bal_mask = get24(d + 2);
		m->u.bst.ntc_fault = d[5];
		m->u.bst.ncells = d[6];
		m->u.bst.ntemps = d[7];
		return BP_OK;
	case BP_T_CYCLE_END:
		m->u.end.cycle = d[0];
		m->u.end.nframes = (uint16_t)get16(d + 1);
		m->u.end.time_ms = get_le(d + 3, 5);
		return BP_OK;
	default:
		return BP_EUNKNOWN;
	}
}

int bp_decode(const struct bp_frame *f, struct bp_msg *m)
{
	struct bp_msg r = { .type = BP_T_NONE };
	uint8_t board, group;
	int rc;

	r.type = type_of(f->id, &board, &group);
	if (r.type == BP_T_NONE)
		return BP_EUNKNOWN;
	if (f->len != 8)
		return BP_ESHORT;
	rc = decode_body(f->data, r.type, board, group, &r);
	if (rc == BP_OK)
		*m = r;
	return rc;
}

const char *bp_safety_name(unsigned int s)
{
	static const char *const n[] = { "locked", "armed", "tripped" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *bp_cfg_state_name(unsigned int s)
{
	static const char *const n[] = { "none", "loading", "active", "rejected" };

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *bp_trip_name(unsigned int bit)
{
	static const char *const n[] = {
		"heartbeat", "cell-high", "cell-low", "short-circuit",
		"temp-high", "temp-low", "config-changed", "current-sensor",
	};

	for (unsigned int i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (bit == 1u << i)
			return n[i];
	return "?";
}

const char *bp_type_name(enum bp_type t)
{
	static const char *const names[BP_T_COUNT] = {
		[BP_T_NONE] = "NONE",
		[BP_T_HEARTBEAT] = "HEARTBEAT",
		[BP_T_OUTPUT_CMD] = "OUTPUT_CMD",
		[BP_T_BAL_CMD] = "BAL_CMD",
		[BP_T_CFG_DATA] = "CFG_DATA",
		[BP_T_CFG_COMMIT] = "CFG_COMMIT",
		[BP_T_STATUS] = "STATUS",
		[BP_T_CURRENT] = "CURRENT",
		[BP_T_CHARGE_IN] = "CHARGE_IN",
		[BP_T_CHARGE_OUT] = "CHARGE_OUT",
		[BP_T_IO] = "IO",
		[BP_T_EXT] = "EXT",
		[BP_T_LOGIC] = "LOGIC",
		[BP_T_CAL] = "CAL",
		[BP_T_VERSION] = "VERSION",
		[BP_T_CELLS] = "CELLS",
		[BP_T_TEMPS] = "TEMPS",
		[BP_T_BSTATUS] = "BSTATUS",
		[BP_T_CYCLE_END] = "CYCLE_END",
	};

	if ((unsigned int)t >= BP_T_COUNT)
		return "?";
	return names[t];
}

/* ---- wire bits ---------------------------------------------------------- */

struct wire {
	uint16_t crc;    /* CRC-15 register */
	uint8_t last;    /* level of the previous transmitted bit */
	uint8_t run;     /* identical levels transmitted in a row */
	unsigned int stuff;
};

static void wire_stuffed(struct wire *w, unsigned int bit)
{
	if (w->run == 5) {
		/* five equal levels: the complement goes out first and
		 * starts a run of its own */
		w->stuff++;
		w->last ^= 1u;
		w->run = 1;
	}
	if (bit == w->last) {
		w->run++;
	} else {
		w->last = (uint8_t)bit;
		w->run = 1;
	}
}

static void wire_bits(struct wire *w, uint32_t v, unsigned int n)
{
	while (n--) {
		unsigned int bit = (v >> n) & 1u;
		unsigned int fb = bit ^ ((w->crc >> 14) & 1u);

		w->crc = (uint16_t)((w->crc << 1) & 0x7FFFu);
		if (fb)
			w->crc ^= 0x4599u;
		wire_stuffed(w, bit);
	}
}

unsigned int bp_frame_bits(const struct bp_frame *f)
{
	struct wire w = { .last = 2 };
	unsigned int len = f->len > 8 ? 8 : f->len;

	wire_bits(&w, 0, 1);                /* SOF */
	wire_bits(&w, f->id & 0x7FFu, 11); /* identifier */
	wire_bits(&w, 0, 3);                /* RTR, IDE, r0: all dominant */
	wire_bits(&w, f->len > 15 ? 8 : f->len, 4);
	for (unsigned int i = 0; i < len; i++)
		wire_bits(&w, f->data[i], 8);
	for (int i = 14; i >= 0; i--)
		wire_stuffed(&w, (w.crc >> i) & 1u);
	if (w.run == 5)
		w.stuff++; /* the stuff bit after the last CRC bit is sent too */
	/* SOF..r0 (15) + DLC (4) + data + CRC (15) + stuff, then CRC
	 * delimiter, ACK slot, ACK delimiter, EOF (7) and intermission (3) */
	return 15 + 4 + 8 * len + 15 + w.stuff + 13;
}

/* ---- configuration blob ------------------------------------------------- */

/* One walk over the fields serves both directions, so the two can never
 * disagree about the layout. */
struct walk {
	const uint8_t *in; /* load from here, or */
	uint8_t *out;      /* store here */
	size_t pos, len;
};

static void walk_u(struct walk *w, uint32_t *v, unsigned int n)
{
	if (w->pos + n > w->len) {
		w->pos = w->len + 1; /* marks the walk as failed */
		return;
	}
	if (w->in)
		*v = (uint32_t)get_le(w->in + w->pos, n);
	else
		put_le(w->out + w->pos, *v, n);
	w->pos += n;
}

static void walk_u8(struct walk *w, uint8_t *p)
{
	uint32_t v = *p;

	walk_u(w, &v, 1);
	*p = (uint8_t)v;
}

static void walk_u16(struct walk *w, uint16_t *p)
{
	uint32_t v = *p;

	walk_u(w, &v, 2);
	*p = (uint16_t)v;
}

static void walk_s16(struct walk *w, int16_t *p)
{
	uint32_t v = twos(*p, 16);

	walk_u(w, &v, 2);
	*p = (int16_t)sext(v, 16);
}

static void walk_u32(struct walk *w, uint32_t *p)
{
	walk_u(w, p, 4);
}

static void walk_s32(struct walk *w, int32_t *p)
{
	uint32_t v = twos(*p, 32);

	walk_u(w, &v, 4);
	*p = sext(v, 32);
}

static void walk_f32(struct walk *w, float *p)
{
	union {
		float f;
		uint32_t u;
	} x;

	x.f = *p;
	walk_u(w, &x.u, 4);
	*p = x.f;
}

static void walk_ntc(struct walk *w, struct bp_ntc_cfg *n)
{
	walk_u8(w, &n->model);
	walk_u16(w, &n->beta_K);
	walk_u32(w, &n->r25_ohm);
	walk_f32(w, &n->sh_a);
	walk_f32(w, &n->sh_b);
	walk_f32(w, &n->sh_c);
}

static bool walk_config(struct walk *w, struct bp_config *c)
{
	uint8_t version = BP_CFG_LAYOUT_VERSION;

	walk_u8(w, &version);
	walk_u8(w, &c->board_count);
	walk_u8(w, &c->cells_per_board);
	walk_u8(w, &c->temps_per_board);
	walk_u8(w, &c->current_sensors);
	walk_u16(w, &c->heartbeat_timeout_ms);
	walk_u16(w, &c->logic_offline_ms);
	walk_u16(w, &c->cell_crit_high_mV);
	walk_u16(w, &c->cell_crit_low_mV);
	walk_s16(w, &c->temp_crit_high_dC);
	walk_s16(w, &c->temp_crit_low_dC);
	walk_u32(w, &c->short_circuit_mA);
	walk_u32(w, &c->plausibility_mA);
	walk_u8(w, &c->di_debounce_ms);
	walk_u8(w, &c->ntc_enable);
	for (unsigned int i = 0; i < BP_NUM_CURRENT; i++) {
		walk_s32(w, &c->cs[i].gain_uA_per_mV);
		walk_s32(w, &c->cs[i].offset_uV);
		walk_u32(w, &c->cs[i].range_mA);
	}
	for (unsigned int i = 0; i < BP_NUM_NTC; i++)
		walk_ntc(w, &c->ntc[i]);
	walk_ntc(w, &c->cell_ntc);
	walk_s16(w, &c->hum_gain_dpct_per_V);
	walk_s16(w, &c->hum_offset_mV);
	walk_u8(w, &c->alarm_dos);
	walk_u8(w, &c->alarm_dos_invert);
	return w->pos == w->len && version == BP_CFG_LAYOUT_VERSION;
}

static uint32_t f32_bits(float f)
{
	union {
		float f;
		uint32_t u;
	} x;

	x.f = f;
	return x.u;
}

static bool f32_finite(float f)
{
	return (f32_bits(f) & 0x7F800000u) != 0x7F800000u;
}

static bool f32_nonzero(float f)
{
	return (f32_bits(f) & 0x7FFFFFFFu) != 0;
}

static bool ntc_ok(const struct bp_ntc_cfg *n)
{
	switch (n->model) {
	case BP_NTC_NONE:
		return true;
	case BP_NTC_BETA:
		return n->beta_K >= 1000 && n->beta_K <= 10000 && n->r25_ohm >= 100 &&
		       n->r25_ohm <= 1000000;
	case BP_NTC_STEINHART:
		/* a non-finite coefficient would turn every reading into NaN */
		return f32_finite(n->sh_a) && f32_finite(n->sh_b) && f32_finite(n->sh_c) &&
		       f32_nonzero(n->sh_b);
	}
	return false;
}

static bool config_ok(const struct bp_config *c)
{
	if (c->board_count > BP_MAX_BOARDS)
		return false;
	if (c->cells_per_board < 1 || c->cells_per_board > BP_MAX_CELLS)
		return false;
	if (c->temps_per_board > BP_MAX_TEMPS || c->current_sensors > BP_NUM_CURRENT)
		return false;
	if (c->heartbeat_timeout_ms < BP_HEARTBEAT_MIN_MS ||
	    c->heartbeat_timeout_ms > BP_HEARTBEAT_CEILING_MS)
		return false;
	if (c->logic_offline_ms < 100 || c->logic_offline_ms > 60000)
		return false;
	if (c->cell_crit_high_mV < 1000 || c->cell_crit_high_mV > BP_CELL_MV_MAX ||
	    c->cell_crit_low_mV >= c->cell_crit_high_mV)
		return false;
	if (c->temp_crit_high_dC < -500 || c->temp_crit_high_dC > 2000 ||
	    c->temp_crit_low_dC < -500 || c->temp_crit_low_dC >= c->temp_crit_high_dC)
		return false;
	if (c->short_circuit_mA < 1 || c->short_circuit_mA > (uint32_t)BP_CURRENT_MA_MAX)
		return false;
	if (c->plausibility_mA > (uint32_t)BP_CURRENT_MA_MAX)
		return false;
	if (c->di_debounce_ms < 1)
		return false;
	if (c->ntc_enable & ~((1u << BP_NUM_NTC) - 1u))
		return false;
	if (c->alarm_dos & ~((1u << BP_NUM_DO) - 1u) || c->alarm_dos_invert & ~c->alarm_dos)
		return false;
	for (unsigned int i = 0; i < c->current_sensors; i++)
		if (c->cs[i].gain_uA_per_mV == 0 || c->cs[i].range_mA < 1 ||
		    c->cs[i].range_mA > (uint32_t)BP_CURRENT_MA_MAX)
			return false;
	for (unsigned int i = 0; i < BP_NUM_NTC; i++)
		if (!ntc_ok(&c->ntc[i]))
			return false;
	return ntc_ok(&c->cell_ntc);
}

int bp_config_check(const struct bp_config *c)
{
	return config_ok(c) ? BP_OK : BP_EINVAL;
}

int bp_config_pack(const struct bp_config *c, uint8_t *buf, size_t cap)
{
	struct bp_config t = *c;
	struct walk w = { .out = buf, .len = BP_CFG_BLOB_LEN };

	if (!config_ok(c) || cap < BP_CFG_BLOB_LEN)
		return BP_EINVAL;
	if (!walk_config(&w, &t))
		return BP_EINVAL;
	return (int)BP_CFG_BLOB_LEN;
}

int bp_config_unpack(const uint8_t *buf, size_t len, struct bp_config *c)
{
	/* Parsed aside: the caller's active config survives a bad blob. */
	struct bp_config t = { 0 };
	struct walk w = { .in = buf, .len = len };

	if (len != BP_CFG_BLOB_LEN)
		return BP_ESHORT;
	if (buf[0] != BP_CFG_LAYOUT_VERSION)
		return BP_ERANGE;
	if (!walk_config(&w, &t) || !config_ok(&t))
		return BP_ERANGE;
	*c = t;
	return BP_OK;
}

/* ---- receiver helpers --------------------------------------------------- */

uint32_t bp_seq_update(struct bp_seq *s, uint8_t ctr)
{
	uint32_t lost = 0;

	if (s->seen)
		lost = (uint8_t)(ctr - s->last - 1u);
	s->seen = true;
	s->last = ctr;
	s->received++;
	s->lost += lost;
	return lost;
}

static void stage_clear(struct bp_snapshot *s, uint8_t cycle)
{
	s->cycle = cycle;
	s->time_ms = 0;
	s->present = 0;
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		struct bp_board_snap *bs = &s->board[b];

		bs->flags = 0;
		bs->ntc_fault = 0;
		bs->ncells = 0;
		bs->ntemps = 0;
		bs->bal_mask = 0;
		for (unsigned int i = 0; i < BP_MAX_CELLS; i++)
			bs->cell_mV[i] = BP_CELL_MV_NA;
		for (unsigned int i = 0; i < BP_MAX_TEMPS; i++)
			bs->temp_dC[i] = BP_TEMP_DC_NA;
	}
}

void bp_asm_init(struct bp_asm *a)
{
	stage_clear(&a->stage, 0);
	a->open = false;
	a->frames = 0;
	a->committed = 0;
	a->discarded = 0;
}

static void asm_close(struct bp_asm *a)
{
	a->open = false;
	a->frames = 0;
}

static int asm_end(struct bp_asm *a, const struct bp_cycle_end *e, struct bp_snapshot *out)
{
	if (a->open && a->stage.cycle == e->cycle) {
		if (e->nframes != a->frames) {
			a->discarded++;
			asm_close(a);
			return 0;
		}
		a->stage.time_ms = e->time_ms;
		if (out)
			*out = a->stage;
		a->committed++;
		asm_close(a);
		return 1;
	}
	/* The open stage belongs to a cycle whose end never came, and this
	 * end's own frames never came: each is one lost snapshot. */
	if (a->open && a->frames)
		a->discarded++;
	if (e->nframes)
		a->discarded++;
	asm_close(a);
	return 0;
}

int bp_asm_feed(struct bp_asm *a, const struct bp_msg *m, struct bp_snapshot *out)
{
	struct bp_board_snap *bs;
	uint8_t cycle, board;

	switch (m->type) {
	case BP_T_CELLS:
		if (m->u.cells.board >= BP_MAX_BOARDS || m->u.cells.group >= BP_CELL_GROUPS)
			return BP_EINVAL;
		cycle = m->u.cells.cycle;
		board = m->u.cells.board;
		break;
	case BP_T_TEMPS:
		if (m->u.temps.board >= BP_MAX_BOARDS || m->u.temps.group >= BP_TEMP_GROUPS)
			return BP_EINVAL;
		cycle = m->u.temps.cycle;
		board = m->u.temps.board;
		break;
	case BP_T_BSTATUS:
		if (m->u.bst.board >= BP_MAX_BOARDS)
			return BP_EINVAL;
		cycle = m->u.bst.cycle;
		board = m->u.bst.board;
		break;
	case BP_T_CYCLE_END:
		return asm_end(a, &m->u.end, out);
	default:
		return BP_EINVAL;
	}

	if (!a->open || a->stage.cycle != cycle) {
		if (a->open && a->frames)
			a->discarded++;
		stage_clear(&a->stage, cycle);
		a->open = true;
		a->frames = 0;
	}
	bs = &a->stage.board[board];
	switch (m->type) {
	case BP_T_CELLS:
		for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++)
			bs->cell_mV[m->u.cells.group * BP_CELLS_PER_FRAME + k] = m->u.cells.mV[k];
		break;
	case BP_T_TEMPS:
		for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++)
			bs->temp_dC[m->u.temps.group * BP_TEMPS_PER_FRAME + k] = m->u.temps.dC[k];
		break;
	default:
		bs->flags = m->u.bst.flags;
		bs->ntc_fault = m->u.bst.ntc_fault;
		bs->ncells = m->u.bst.ncells;
		bs->ntemps = m->u.bst.ntemps;
		bs->bal_mask = m->u.bst.bal_mask;
		a->stage.present |= 1u << board;
		break;
	}
	if (a->frames < UINT16_MAX)
		a->frames++;
	return 0;
}

int bp_config_push(const struct bp_config *c, struct bp_frame *out, size_t max, uint32_t *crc)
{
	uint8_t blob[BP_CFG_BLOB_MAX];
	struct bp_msg m;
	int len = bp_config_pack(c, blob, sizeof(blob));
	unsigned int segs, n = 0;

	if (len <= 0)
		return BP_EINVAL;
	segs = ((unsigned int)len + BP_CFG_DATA_BYTES - 1u) / BP_CFG_DATA_BYTES;
	if (max < segs + 1u)
		return BP_EINVAL;
	*crc = crc32_update(0, blob, (size_t)len);
	for (unsigned int seg = 0; seg < segs; seg++) {
		m.type = BP_T_CFG_DATA;
		m.u.cfgd.seq = (uint8_t)seg;
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++) {
			unsigned int off = seg * BP_CFG_DATA_BYTES + i;

			m.u.cfgd.bytes[i] = off < (unsigned int)len ? blob[off] : 0;
		}
		if (bp_encode(&m, &out[n++]) != BP_OK)
			return BP_EINVAL;
	}
	m.type = BP_T_CFG_COMMIT;
	m.u.cfgc.len = (uint16_t)len;
	m.u.cfgc.crc = *crc;
	if (bp_encode(&m, &out[n++]) != BP_OK)
		return BP_EINVAL;
	return (int)n;
}
