/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap.h"

#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building ------------------------------------------------------------ */

static void build(struct mbmap *m, const struct view *v, bool disconnect)
{
	unsigned int boards = v->boards > VIEW_BOARDS ? VIEW_BOARDS : v->boards;
	unsigned int cells = v->cells_per_board > VIEW_CELLS ? VIEW_CELLS : v->cells_per_board;
	uint16_t *d = m->ss;

	m->boards = boards;
	m->cells = cells;
	m->disconnect = disconnect;
	m->gen = v->gen;

	*d++ = 0x5375; /* "Su" */
	*d++ = 0x6e53; /* "nS" */
	d = mbmap_sunspec_build(d, &m->set, v, disconnect);
	for (unsigned int b = 0; b < boards; b++)
		d = mbmap_m805_build(d, v, b, cells);
	*d++ = 0xFFFF;
	*d++ = 0;
	m->ss_len = (unsigned int)(d - m->ss);

	mbmap_vendor_build(m->vd, v, disconnect, m->set.write_enable);
}

void mbmap_set_setup(struct mbmap *m, const struct mbmap_setup *s)
{
	m->set = *s;
	/* powers are W / 10^sf for sf 0..9 (mbmap_power_sf) */
	m->set.w_sf = s->w_sf < 0 ? 0 : s->w_sf > 9 ? 9 : s->w_sf;
	m->set.wmax_sf = s->wmax_sf < 0 ? 0 : s->wmax_sf > 9 ? 9 : s->wmax_sf;
	m->set.manufacturer[sizeof(m->set.manufacturer) - 1] = 0;
	m->set.model[sizeof(m->set.model) - 1] = 0;
}

void mbmap_init(struct mbmap *m, const struct mbmap_setup *s)
{
	static const struct view empty; /* every figure unknown, no boards */

	memset(m, 0, sizeof(*m));
	mbmap_set_setup(m, s);
	build(m, &empty, false);
	m->gen = 0;
}

void mbmap_build(struct mbmap *m, const struct view *v, bool disconnect)
{
	build(m, v, disconnect);
}

/* ---- reading and writing ------------------------------------------------- */

int mbmap_read(const struct mbmap *m, unsigned int addr, unsigned int n, uint16_t *out)
{
	const uint16_t *src;

	if (n == 0 || n > MBMAP_READ_MAX)
		return MBMAP_EX_ILLEGAL_VALUE;
	if (addr >= MBMAP_SUNSPEC_BASE && addr + n <= MBMAP_SUNSPEC_BASE + m->ss_len)
		src = m->ss + (addr - MBMAP_SUNSPEC_BASE);
	else if (addr >= MBMAP_VENDOR_BASE && addr + n <= MBMAP_VENDOR_BASE + MBMAP_VENDOR_LEN)
		src = m->vd + (addr - MBMAP_VENDOR_BASE);
	else
		return MBMAP_EX_ILLEGAL_ADDRESS;
	memcpy(out, src, n * sizeof(*out));
	return MBMAP_EX_NONE;
}

enum wkind { WK_NONE, WK_RESET, WK_OPERATION };

struct wreg {
	enum wkind kind;
	const char *name;
};

/* Model 802 sits right after model 1, whatever the pack: its writable
 * points have fixed addresses. */
static unsigned int m802_base(void)
{
	return MBMAP_SUNSPEC_BASE + 2u + 2u + MBMAP_L1;
}

static struct wreg writable(unsigned int addr)
{
	unsigned int b802 = m802_base();
	static const struct {
		const struct mbmap_table *t;
		unsigned int base;
		const char *name;
		enum wkind kind;
	} regs[] = {
		{ &mbmap_model802, 0, "AlmRst", WK_RESET },
		{ &mbmap_model802, 0, "SetOp", WK_OPERATION },
		{ &mbmap_vendor, MBMAP_VENDOR_BASE, "FaultReset", WK_RESET },
		{ &mbmap_vendor, MBMAP_VENDOR_BASE, "Operation", WK_OPERATION },
	};

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		unsigned int base = regs[i].base ? regs[i].base : b802;

		if (addr == base + (unsigned int)mbmap_table_offset(regs[i].t, regs[i].name))
			return (struct wreg){ regs[i].kind, regs[i].name };
	}
	return (struct wreg){ WK_NONE, NULL };
}

static int value_cmd(enum wkind k, uint16_t val, enum mbmap_cmd *cmd)
{
	if (k == WK_RESET && val == 1) {
		*cmd = MBMAP_CMD_RESET_FAULTS;
		return 0;
	}
	if (k == WK_OPERATION && (val == 1 || val == 2)) {
		*cmd = val == 1 ? MBMAP_CMD_CONNECT : MBMAP_CMD_DISCONNECT;
		return 0;
	}
	return -1;
}

/* The request in force shows at once in SetOp and Operation, before the
 * next build. */
static void show_operation(struct mbmap *m, bool disconnect)
{
	int o802 = mbmap_table_offset(&mbmap_model802, "SetOp");
	int ov = mbmap_table_offset(&mbmap_vendor, "Operation");

	m->disconnect = disconnect;
	m->ss[m802_base() - MBMAP_SUNSPEC_BASE + (unsigned int)o802] = disconnect ? 2 : 1;
	m->vd[ov] = disconnect ? 2 : 1;
}

static size_t exception(uint8_t *rsp, uint8_t fc, int code)
{
	rsp[0] = (uint8_t)(fc | 0x80u);
	rsp[1] = (uint8_t)code;
	return 2;
}

static int do_writes(struct mbmap *m, unsigned int addr, unsigned int n, const uint8_t *data,
		     const struct mbmap_ctl *ctl)
{
	enum mbmap_cmd cmd;

	if (addr + n > 0x10000u)
		return MBMAP_EX_ILLEGAL_ADDRESS;
	for (unsigned int i = 0; i < n; i++)
		if (writable(addr + i).kind == WK_NONE)
			return MBMAP_EX_ILLEGAL_ADDRESS;
	for (unsigned int i = 0; i < n; i++) {
		uint16_t val = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);

		if (value_cmd(writable(addr + i).kind, val, &cmd))
			return MBMAP_EX_ILLEGAL_VALUE;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint16_t val = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
		struct wreg w = writable(addr + i);

		value_cmd(w.kind, val, &cmd);
		if (!ctl || !ctl->run || ctl->run(ctl->arg, cmd, w.name, addr + i) < 0)
			return MBMAP_EX_DEVICE_FAILURE;
		if (cmd != MBMAP_CMD_RESET_FAULTS)
			show_operation(m, cmd == MBMAP_CMD_DISCONNECT);
	}
	return MBMAP_EX_NONE;
}

size_t mbmap_pdu(struct mbmap *m, const uint8_t *req, size_t n, uint8_t *rsp,
		 const struct mbmap_ctl *ctl)
{
	uint8_t fc;
	unsigned int addr, qty;
	uint16_t regs[MBMAP_READ_MAX];
	int ex;

	if (!n)
		return 0;
	fc = req[0];
	switch (fc) {
	case 3:
	case 4:
		if (n != 5)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		qty = (unsigned int)(req[3] << 8 | req[4]);
		ex = mbmap_read(m, addr, qty, regs);
		if (ex)
			return exception(rsp, fc, ex);
		rsp[0] = fc;
		rsp[1] = (uint8_t)(2 * qty);
		for (unsigned int i = 0; i < qty; i++) {
			rsp[2 + 2 * i] = (uint8_t)(regs[i] >> 8);
			rsp[3 + 2 * i] = (uint8_t)regs[i];
		}
		return 2 + 2 * qty;
	case 6:
		if (!m->set.write_enable)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
		if (n != 5)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		ex = do_writes(m, addr, 1, req + 3, ctl);
		if (ex)
			return exception(rsp, fc, ex);
		memcpy(rsp, req, 5);
		return 5;
	case 16:
		if (!m->set.write_enable)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
		if (n < 6)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		qty = (unsigned int)(req[3] << 8 | req[4]);
		if (qty < 1 || qty > MBMAP_WRITE_MAX || req[5] != 2 * qty || n != 6 + 2 * qty)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		ex = do_writes(m, addr, qty, req + 6, ctl);
		if (ex)
			return exception(rsp, fc, ex);
		memcpy(rsp, req, 5);
		return 5;
	default:
		return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
	}
}
