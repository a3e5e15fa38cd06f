/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_bp: libFuzzer target for the bridge-protocol decoder, the snapshot
 * assembler and the configuration blob parser.
 *
 * The input is read as a sequence of 11-byte records, each one frame:
 * bytes 0..1 the identifier (little-endian, masked to 11 bits), byte 2
 * the DLC as received, bytes 3..10 the data (zero-padded when the input
 * ends early). The whole input is also offered to bp_config_unpack.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/bp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 11u

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void one_frame(const uint8_t *p, size_t n, struct bp_asm *a, struct bp_snapshot *snap,
		      struct bp_seq *seq)
{
	struct bp_frame f, g;
	struct bp_msg m, o;
	unsigned int bits;
	int rc;

	memset(&f, 0, sizeof(f));
	f.id = (uint16_t)((p[0] | (n > 1 ? p[1] : 0) << 8) & 0x7FF);
	f.len = n > 2 ? p[2] : 0;
	for (size_t i = 3; i < n && i < REC; i++)
		f.data[i - 3] = p[i];

	bits = bp_frame_bits(&f);
	{
		unsigned int len = f.len > 8 ? 8 : f.len;

		check(bits >= 47 + 8 * len && bits <= 47 + 8 * len + (34 + 8 * len - 1) / 4);
	}

	rc = bp_decode(&f, &m);
	check(rc == BP_OK || rc == BP_EUNKNOWN || rc == BP_ESHORT || rc == BP_ERANGE);
	if (rc != BP_OK)
		return;
	check(m.type > BP_T_NONE && m.type < BP_T_COUNT);
	check(bp_type_name(m.type) != NULL);

	/* decode accepts only canonical frames: re-encoding reproduces them */
	check(bp_encode(&m, &g) == BP_OK);
	check(g.id == f.id && g.len == 8 && !memcmp(g.data, f.data, 8));
	check(bp_decode(&g, &o) == BP_OK && o.type == m.type);

	switch (m.type) {
	case BP_T_CELLS:
	case BP_T_TEMPS:
	case BP_T_BSTATUS:
	case BP_T_CYCLE_END: {
		uint32_t committed = a->committed;

		rc = bp_asm_feed(a, &m, snap);
		check(rc == 0 || rc == 1);
		check(a->committed == committed + (uint32_t)rc);
		if (rc == 1)
			check(snap->cycle == m.u.end.cycle && snap->time_ms == m.u.end.time_ms);
		break;
	}
	case BP_T_STATUS:
		bp_seq_update(seq, m.u.status.ctr);
		check(bp_asm_feed(a, &m, snap) == BP_EINVAL);
		break;
	default:
		check(bp_asm_feed(a, &m, snap) == BP_EINVAL);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bp_asm a;
	static struct bp_snapshot snap;
	struct bp_seq seq = { 0 };
	struct bp_config c;
	uint8_t blob[BP_CFG_BLOB_MAX];
	size_t off;

	bp_asm_init(&a);
	for (off = 0; off < size; off += REC)
		one_frame(data + off, size - off < REC ? size - off : REC, &a, &snap, &seq);

	if (bp_config_unpack(data, size, &c) == BP_OK) {
		int n;

		/* an accepted blob is in range and packs back to itself */
		check(bp_config_check(&c) == BP_OK);
		n = bp_config_pack(&c, blob, sizeof(blob));
		check(n > 0 && (size_t)n == size && !memcmp(blob, data, size));
	}
	return 0;
}
