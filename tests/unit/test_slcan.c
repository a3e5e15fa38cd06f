/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
/* CUnit has its own CU_TEST(value) assertion; cu.h's registration macro wins */
#undef CU_TEST
#include "cu.h"
#include "slcan.h"

#define MAX_ITEMS 256

struct sink {
	struct slcan_item it[MAX_ITEMS];
	int n;
};

static void collect(const struct slcan_item *it, void *arg)
{
	struct sink *s = arg;

	if (s->n < MAX_ITEMS)
		s->it[s->n] = *it;
	s->n++;
}

/* Parse @str with a fresh parser; returns items delivered. */
static int parse(const char *str, struct sink *s, struct slcan_parser *p)
{
	int r;

	slcan_parser_init(p);
	memset(s, 0, sizeof(*s));
	r = slcan_feed(p, (const uint8_t *)str, strlen(str), collect, s);
	CU_ASSERT_EQUAL(r, s->n);
	return r;
}

/* One line expected to fail: no items, exactly one malformed. */
static void expect_bad(const char *str)
{
	struct slcan_parser p;
	struct sink s;
	int r = parse(str, &s, &p);

	if (r != 0 || p.malformed != 1)
		fprintf(stderr, "\nexpected malformed: \"%s\" (items %d, malformed %llu)\n",
			str, r, (unsigned long long)p.malformed);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(p.malformed, 1);
}

/* One line expected to parse into a single item, which is returned. */
static struct slcan_item expect_one(const char *str)
{
	struct slcan_parser p;
	struct sink s;
	int r = parse(str, &s, &p);

	if (r != 1 || p.malformed != 0)
		fprintf(stderr, "\nexpected one item: \"%s\" (items %d, malformed %llu)\n",
			str, r, (unsigned long long)p.malformed);
	CU_ASSERT_EQUAL(r, 1);
	CU_ASSERT_EQUAL(p.malformed, 0);
	return s.it[0];
}

static bool frame_eq(const struct canio_frame *a, const struct canio_frame *b)
{
	return a->id == b->id && a->ext == b->ext && a->rtr == b->rtr &&
	       a->len == b->len && memcmp(a->data, b->data, 8) == 0;
}

static bool item_eq(const struct slcan_item *a, const struct slcan_item *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SLCAN_FRAME)
		return frame_eq(&a->frame, &b->frame);
	if (a->kind == SLCAN_CMD)
		return a->cmd == b->cmd && a->arg == b->arg;
	return true;
}

static void test_std_frames(void)
{
	struct slcan_item it;

	it = expect_one("t1230\r");
	CU_ASSERT_EQUAL(it.kind, SLCAN_FRAME);
	CU_ASSERT_EQUAL(it.frame.id, 0x123);
	CU_ASSERT_FALSE(it.frame.ext);
	CU_ASSERT_FALSE(it.frame.rtr);
	CU_ASSERT_EQUAL(it.frame.len, 0);

	it = expect_one("t7FF80102030405060708\r");
	CU_ASSERT_EQUAL(it.frame.id, 0x7FF);
	CU_ASSERT_EQUAL(it.frame.len, 8);
	CU_ASSERT_EQUAL(it.frame.data[0], 0x01);
	CU_ASSERT_EQUAL(it.frame.data[7], 0x08);

	it = expect_one("t0003AABBCC\r");
	CU_ASSERT_EQUAL(it.frame.id, 0);
	CU_ASSERT_EQUAL(it.frame.len, 3);
	CU_ASSERT_EQUAL(it.frame.data[0], 0xAA);
	CU_ASSERT_EQUAL(it.frame.data[1], 0xBB);
	CU_ASSERT_EQUAL(it.frame.data[2], 0xCC);
	/* bytes past len are zero */
	CU_ASSERT_EQUAL(it.frame.data[3], 0);
	CU_ASSERT_EQUAL(it.frame.data[7], 0);
}

static void test_every_dlc(void)
{
	char line[64];
	int dlc, i, ext;

	for (ext = 0; ext <= 1; ext++)
		for (dlc = 0; dlc <= 8; dlc++) {
			struct slcan_item it;
			int pos;

			pos = sprintf(line, ext ? "T%08X%d" : "t%03X%d",
				      ext ? 0x1ABCDEF0u + (unsigned int)dlc : 0x100u + (unsigned int)dlc, dlc);
			for (i = 0; i < dlc; i++)
				pos += sprintf(line + pos, "%02X", 0x10 * i + dlc);
			strcpy(line + pos, "\r");
			it = expect_one(line);
			CU_ASSERT_EQUAL(it.kind, SLCAN_FRAME);
			CU_ASSERT_EQUAL(it.frame.ext, (bool)ext);
			CU_ASSERT_EQUAL(it.frame.id, ext ? 0x1ABCDEF0u + (unsigned int)dlc
							 : 0x100u + (unsigned int)dlc);
			CU_ASSERT_EQUAL(it.frame.len, dlc);
			for (i = 0; i < dlc; i++)
				CU_ASSERT_EQUAL(it.frame.data[i], 0x10 * i + dlc);
			for (; i < 8; i++)
				CU_ASSERT_EQUAL(it.frame.data[i], 0);
		}
}

static void test_ext_and_remote(void)
{
	struct slcan_item it;

	it = expect_one("T1FFFFFFF2DEAD\r");
	CU_ASSERT_TRUE(it.frame.ext);
	CU_ASSERT_EQUAL(it.frame.id, 0x1FFFFFFF);
	CU_ASSERT_EQUAL(it.frame.len, 2);
	CU_ASSERT_EQUAL(it.frame.data[0], 0xDE);
	CU_ASSERT_EQUAL(it.frame.data[1], 0xAD);

	it = expect_one("T000000000\r");
	CU_ASSERT_TRUE(it.frame.ext);
	CU_ASSERT_EQUAL(it.frame.id, 0);

	it = expect_one("r1238\r");
	CU_ASSERT_TRUE(it.frame.rtr);
	CU_ASSERT_FALSE(it.frame.ext);
	CU_ASSERT_EQUAL(it.frame.id, 0x123);
	CU_ASSERT_EQUAL(it.frame.len, 8);
	CU_ASSERT_EQUAL(it.frame.data[0], 0);

	it = expect_one("R123456780\r");
	CU_ASSERT_TRUE(it.frame.rtr);
	CU_ASSERT_TRUE(it.frame.ext);
	CU_ASSERT_EQUAL(it.frame.id, 0x12345678);
	CU_ASSERT_EQUAL(it.frame.len, 0);

	it = expect_one("r7FF4\r");
	CU_ASSERT_EQUAL(it.frame.id, 0x7FF);
	CU_ASSERT_EQUAL(it.frame.len, 4);
}

static void test_lowercase_hex(void)
{
	struct slcan_item it;

	it = expect_one("t7ff2abcd\r");
	CU_ASSERT_EQUAL(it.frame.id, 0x7FF);
	CU_ASSERT_EQUAL(it.frame.data[0], 0xAB);
	CU_ASSERT_EQUAL(it.frame.data[1], 0xCD);

	it = expect_one("T1fffffff1eF\r");
	CU_ASSERT_EQUAL(it.frame.id, 0x1FFFFFFF);
	CU_ASSERT_EQUAL(it.frame.data[0], 0xEF);

	it = expect_one("T0bcdef010\r");
	CU_ASSERT_EQUAL(it.frame.id, 0x0BCDEF01u);
}

static void test_timestamps(void)
{
	struct slcan_item it;

	it = expect_one("t1232AABBFFFF\r");
	CU_ASSERT_EQUAL(it.frame.len, 2);
	CU_ASSERT_EQUAL(it.frame.data[1], 0xBB);

	it = expect_one("t12301234\r");
	CU_ASSERT_EQUAL(it.frame.len, 0);
	CU_ASSERT_EQUAL(it.frame.id, 0x123);

	it = expect_one("T1234567881122334455667788abcd\r");
	CU_ASSERT_EQUAL(it.frame.len, 8);
	CU_ASSERT_EQUAL(it.frame.data[7], 0x88);

	it = expect_one("r1233EA60\r");
	CU_ASSERT_TRUE(it.frame.rtr);
	CU_ASSERT_EQUAL(it.frame.len, 3);

	it = expect_one("R000000010beef\r");
	CU_ASSERT_TRUE(it.frame.rtr);
	CU_ASSERT_EQUAL(it.frame.id, 1);

	/* a timestamp must be exactly 4 hex digits */
	expect_bad("t1230123\r");
	expect_bad("t123012345\r");
	expect_bad("t1230GFFF\r");
	expect_bad("r1230FFF\r");
}

static void test_crlf(void)
{
	struct slcan_parser p;
	struct sink s;

	CU_ASSERT_EQUAL(parse("t1231AA\r\nt1241BB\r\n", &s, &p), 2);
	CU_ASSERT_EQUAL(p.malformed, 0);
	CU_ASSERT_EQUAL(s.it[0].frame.id, 0x123);
	CU_ASSERT_EQUAL(s.it[1].frame.id, 0x124);
	CU_ASSERT_EQUAL(s.it[1].frame.data[0], 0xBB);

	/* LF anywhere, even mid-line, is ignored */
	CU_ASSERT_EQUAL(parse("\nt12\n31\nCC\n\r", &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 0);
	CU_ASSERT_EQUAL(s.it[0].frame.data[0], 0xCC);

	/* LF alone never terminates a line */
	CU_ASSERT_EQUAL(parse("t1230\nt1240\r", &s, &p), 0);
	CU_ASSERT_EQUAL(p.malformed, 1);
}

static const char stream[] =
	"t1230\rT1FFFFFFF81122334455667788\rO\rS6\r\r"
	"garbage\rt1232aabb\r\nr7FF8\rz\rZ\rV\rs031C\r"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r"
	"R123456780beef\rM0000FFFF\rm12345678\rX1\rZ0\rC\r"
	"t7FF9\rt123\rT0000000a0\r\at4561F0\r";

static void feed_all(const uint8_t *buf, size_t n, const size_t *chunks, struct sink *s,
		     struct slcan_parser *p)
{
	size_t off = 0, k = 0;
	int total = 0;

	slcan_parser_init(p);
	memset(s, 0, sizeof(*s));
	while (off < n) {
		size_t c = chunks ? chunks[k++] : 1;

		if (c > n - off)
			c = n - off;
		total += slcan_feed(p, buf + off, c, collect, s);
		off += c;
	}
	CU_ASSERT_EQUAL(total, s->n);
}

static void test_split_feeds(void)
{
	static struct sink whole, bytes, rnd;
	struct slcan_parser pw, pb, pr;
	size_t n = sizeof(stream) - 1;
	size_t chunks[sizeof(stream)];
	int round, i;

	CU_ASSERT_EQUAL(parse(stream, &whole, &pw), 19);
	/* garbage, overlong, "t7FF9", "t123"; the bare \a is not counted */
	CU_ASSERT_EQUAL(pw.malformed, 4);

	feed_all((const uint8_t *)stream, n, NULL, &bytes, &pb);
	CU_ASSERT_EQUAL(bytes.n, whole.n);
	CU_ASSERT_EQUAL(pb.malformed, pw.malformed);
	for (i = 0; i < whole.n; i++)
		CU_ASSERT_TRUE(item_eq(&whole.it[i], &bytes.it[i]));

	srand(42);
	for (round = 0; round < 500; round++) {
		for (i = 0; i < (int)n; i++)
			chunks[i] = 1 + (size_t)rand() % 40;
		feed_all((const uint8_t *)stream, n, chunks, &rnd, &pr);
		CU_ASSERT_EQUAL_FATAL(rnd.n, whole.n);
		CU_ASSERT_EQUAL(pr.malformed, pw.malformed);
		for (i = 0; i < whole.n; i++)
			CU_ASSERT_TRUE(item_eq(&whole.it[i], &rnd.it[i]));
	}
}

static void test_stream_contents(void)
{
	struct slcan_parser p;
	static struct sink s;

	parse(stream, &s, &p);
	CU_ASSERT_EQUAL_FATAL(s.n, 19);
	CU_ASSERT_EQUAL(s.it[0].kind, SLCAN_FRAME);
	CU_ASSERT_EQUAL(s.it[2].kind, SLCAN_CMD);
	CU_ASSERT_EQUAL(s.it[2].cmd, 'O');
	CU_ASSERT_EQUAL(s.it[3].cmd, 'S');
	CU_ASSERT_EQUAL(s.it[3].arg, 6);
	CU_ASSERT_EQUAL(s.it[4].kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(s.it[5].frame.data[1], 0xBB);
	CU_ASSERT_TRUE(s.it[6].frame.rtr);
	CU_ASSERT_EQUAL(s.it[7].kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(s.it[8].kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(s.it[9].cmd, 'V');
	CU_ASSERT_EQUAL(s.it[10].cmd, 's');
	CU_ASSERT_EQUAL(s.it[10].arg, 0x031C);
	CU_ASSERT_EQUAL(s.it[11].frame.id, 0x12345678);
	CU_ASSERT_EQUAL(s.it[12].arg, 0x0000FFFF);
	CU_ASSERT_EQUAL(s.it[13].cmd, 'm');
	CU_ASSERT_EQUAL(s.it[14].cmd, 'X');
	CU_ASSERT_EQUAL(s.it[15].cmd, 'Z');
	CU_ASSERT_EQUAL(s.it[16].cmd, 'C');
	CU_ASSERT_TRUE(s.it[17].frame.ext);
	CU_ASSERT_EQUAL(s.it[17].frame.id, 0xA);
	/* the frame after the refusal is parsed normally */
	CU_ASSERT_EQUAL(s.it[18].frame.id, 0x456);
	CU_ASSERT_EQUAL(s.it[18].frame.data[0], 0xF0);
	CU_ASSERT_EQUAL(p.len, 0);
}

static void test_overlong(void)
{
	struct slcan_parser p;
	static struct sink s;
	char buf[2048];

	/* SLCAN_LINE_MAX characters fit (and are malformed as a frame) */
	memset(buf, 'A', SLCAN_LINE_MAX);
	strcpy(buf + SLCAN_LINE_MAX, "\rt1230\r");
	CU_ASSERT_EQUAL(parse(buf, &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_FALSE(p.overlong);

	/* one more is overlong: counted once, next line fine */
	memset(buf, 'A', SLCAN_LINE_MAX + 1);
	strcpy(buf + SLCAN_LINE_MAX + 1, "\rt1230\r");
	CU_ASSERT_EQUAL(parse(buf, &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_EQUAL(s.it[0].frame.id, 0x123);

	/* a valid-looking frame that runs on is still one count */
	memset(buf, 0, sizeof(buf));
	strcpy(buf, "t1238");
	memset(buf + 5, '0', 2000);
	strcat(buf, "\rt4560\r");
	CU_ASSERT_EQUAL(parse(buf, &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_EQUAL(s.it[0].frame.id, 0x456);

	/* the discard state survives across feeds */
	slcan_parser_init(&p);
	memset(&s, 0, sizeof(s));
	memset(buf, 'x', 100);
	slcan_feed(&p, (const uint8_t *)buf, 100, collect, &s);
	CU_ASSERT_TRUE(p.overlong);
	slcan_feed(&p, (const uint8_t *)"t1230", 5, collect, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	slcan_feed(&p, (const uint8_t *)"\rt1230\r", 7, collect, &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_FALSE(p.overlong);

	/* unterminated overlong input ends with nothing delivered */
	slcan_parser_init(&p);
	CU_ASSERT_EQUAL(slcan_feed(&p, (const uint8_t *)buf, 100, NULL, NULL), 0);
	CU_ASSERT_EQUAL(p.malformed, 1);
}

static void test_malformed_frames(void)
{
	/* empty frame types */
	expect_bad("t\r");
	expect_bad("T\r");
	expect_bad("r\r");
	expect_bad("R\r");
	/* short id */
	expect_bad("t12\r");
	expect_bad("T1234567\r");
	/* missing DLC */
	expect_bad("t123\r");
	expect_bad("T12345678\r");
	/* bad DLC */
	expect_bad("t1239001122334455667788\r");
	expect_bad("t123A\r");
	expect_bad("t123-\r");
	expect_bad("r1239\r");
	expect_bad("R123456789\r");
	/* id out of range */
	expect_bad("t8000\r");
	expect_bad("tFFF0\r");
	expect_bad("T200000000\r");
	expect_bad("TFFFFFFFF0\r");
	/* bad hex in id or data */
	expect_bad("tG230\r");
	expect_bad("t12 0\r");
	expect_bad("T1234567G0\r");
	expect_bad("t1231GG\r");
	expect_bad("t12320x11\r");
	expect_bad("t1231A\r");
	/* wrong data length */
	expect_bad("t1232AA\r");
	expect_bad("t1232AABBC\r");
	expect_bad("t1231AABB\r");
	expect_bad("t1230AA\r");
	expect_bad("T123456781\r");
	/* remote frames carry no data */
	expect_bad("r1231AA\r");
	expect_bad("R123456782AABBCC\r");
	expect_bad("r1232AA\r");
	/* control and high bytes */
	expect_bad("t12\x01" "0\r");
	expect_bad("t123\xff\r");
	expect_bad("\x80\r");
}

static void test_malformed_commands(void)
{
	expect_bad("Q\r");
	expect_bad("?\r");
	expect_bad("O1\r");
	expect_bad("CC\r");
	expect_bad("L0\r");
	expect_bad("V1\r");
	expect_bad("N1\r");
	expect_bad("F0\r");
	expect_bad("S\r");
	expect_bad("S9\r");
	expect_bad("Sx\r");
	expect_bad("S10\r");
	expect_bad("s\r");
	expect_bad("s123\r");
	expect_bad("s12345\r");
	expect_bad("s12G4\r");
	expect_bad("Z2\r");
	expect_bad("Z00\r");
	expect_bad("zz\r");
	expect_bad("z1\r");
	expect_bad("X\r");
	expect_bad("X2\r");
	expect_bad("M\r");
	expect_bad("M1234567\r");
	expect_bad("M123456789\r");
	expect_bad("m1234567G\r");
	expect_bad(" \r");
}

static void test_malformed_nul(void)
{
	static const uint8_t buf[] = { 't', '1', '2', '3', 0, '\r', 0, '\r' };
	struct slcan_parser p;
	struct sink s;

	slcan_parser_init(&p);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(slcan_feed(&p, buf, sizeof(buf), collect, &s), 0);
	CU_ASSERT_EQUAL(p.malformed, 2);
}

static void test_malformed_counting(void)
{
	struct slcan_parser p;
	struct sink s;

	/* every bad line counts; good lines between them still parse */
	CU_ASSERT_EQUAL(parse("t1\rt1230\rQ\rO\rS9\rt12\a\rt1240\r", &s, &p), 4);
	CU_ASSERT_EQUAL(p.malformed, 4);
	CU_ASSERT_EQUAL(s.it[0].frame.id, 0x123);
	CU_ASSERT_EQUAL(s.it[1].cmd, 'O');
	CU_ASSERT_EQUAL(s.it[2].kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(s.it[3].frame.id, 0x124);
}

static void test_commands(void)
{
	static const char simple[] = "OCLVvNF";
	struct slcan_item it;
	char line[16];
	unsigned int i;

	for (i = 0; simple[i]; i++) {
		sprintf(line, "%c\r", simple[i]);
		it = expect_one(line);
		CU_ASSERT_EQUAL(it.kind, SLCAN_CMD);
		CU_ASSERT_EQUAL(it.cmd, simple[i]);
		CU_ASSERT_EQUAL(it.arg, 0);
	}
	for (i = 0; i <= 8; i++) {
		sprintf(line, "S%u\r", i);
		it = expect_one(line);
		CU_ASSERT_EQUAL(it.cmd, 'S');
		CU_ASSERT_EQUAL(it.arg, i);
	}
	it = expect_one("s031C\r");
	CU_ASSERT_EQUAL(it.cmd, 's');
	CU_ASSERT_EQUAL(it.arg, 0x031C);
	it = expect_one("sabcd\r");
	CU_ASSERT_EQUAL(it.arg, 0xABCD);
	it = expect_one("Z0\r");
	CU_ASSERT_EQUAL(it.cmd, 'Z');
	CU_ASSERT_EQUAL(it.arg, 0);
	it = expect_one("Z1\r");
	CU_ASSERT_EQUAL(it.arg, 1);
	it = expect_one("X0\r");
	CU_ASSERT_EQUAL(it.cmd, 'X');
	CU_ASSERT_EQUAL(it.arg, 0);
	it = expect_one("X1\r");
	CU_ASSERT_EQUAL(it.arg, 1);
	it = expect_one("MFFFFFFFF\r");
	CU_ASSERT_EQUAL(it.cmd, 'M');
	CU_ASSERT_EQUAL(it.arg, 0xFFFFFFFFu);
	it = expect_one("m0000abcd\r");
	CU_ASSERT_EQUAL(it.cmd, 'm');
	CU_ASSERT_EQUAL(it.arg, 0xABCD);
}

static void test_acks(void)
{
	struct slcan_parser p;
	struct sink s;
	int i;

	CU_ASSERT_EQUAL(expect_one("\r").kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(expect_one("z\r").kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(expect_one("Z\r").kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(expect_one("\r\n").kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(parse("\r\r\rz\r", &s, &p), 4);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(s.it[i].kind, SLCAN_ACK);
	CU_ASSERT_EQUAL(p.malformed, 0);
}

static void test_bell(void)
{
	struct slcan_parser p;
	struct sink s;

	/* a bare refusal is not an error of ours */
	CU_ASSERT_EQUAL(parse("\a\at1230\r", &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 0);
	/* a refusal ends a partial line, which is counted */
	CU_ASSERT_EQUAL(parse("t12\at1230\r", &s, &p), 1);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_EQUAL(s.it[0].frame.id, 0x123);
}

static void test_no_callback(void)
{
	struct slcan_parser p;

	slcan_parser_init(&p);
	CU_ASSERT_EQUAL(slcan_feed(&p, (const uint8_t *)"t1230\rO\rbad\r", 12, NULL, NULL), 2);
	CU_ASSERT_EQUAL(p.malformed, 1);
	CU_ASSERT_EQUAL(slcan_feed(&p, NULL, 0, NULL, NULL), 0);
	/* a partial line waits for its CR */
	CU_ASSERT_EQUAL(slcan_feed(&p, (const uint8_t *)"t12", 3, NULL, NULL), 0);
	CU_ASSERT_EQUAL(p.len, 3);
	CU_ASSERT_EQUAL(slcan_feed(&p, (const uint8_t *)"30\r", 3, NULL, NULL), 1);
	CU_ASSERT_EQUAL(p.len, 0);
}

static void check_format(const struct canio_frame *f, const char *want)
{
	char buf[SLCAN_LINE_MAX];
	int n;

	memset(buf, 0, sizeof(buf));
	n = slcan_format(f, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)strlen(want));
	if (n > 0)
		CU_ASSERT_EQUAL(memcmp(buf, want, (size_t)n), 0);
}

static void test_format(void)
{
	struct canio_frame f = { .id = 0x123, .len = 0 };
	char want[64];
	int dlc, i, pos;

	check_format(&f, "t1230\r");
	f.id = 0x7FF;
	f.len = 2;
	f.data[0] = 0xAB;
	f.data[1] = 0x0C;
	check_format(&f, "t7FF2AB0C\r");
	f.id = 0x5;
	f.ext = true;
	check_format(&f, "T000000052AB0C\r");
	f.id = 0x1FFFFFFF;
	f.rtr = true;
	check_format(&f, "R1FFFFFFF2\r");
	f.ext = false;
	f.id = 0x001;
	f.len = 8;
	check_format(&f, "r0018\r");

	for (dlc = 0; dlc <= 8; dlc++) {
		memset(&f, 0, sizeof(f));
		f.id = 0x0A0;
		f.len = (uint8_t)dlc;
		for (i = 0; i < 8; i++)
			f.data[i] = (uint8_t)(0xF0 + i);
		pos = sprintf(want, "t0A0%d", dlc);
		for (i = 0; i < dlc; i++)
			pos += sprintf(want + pos, "%02X", 0xF0 + i);
		strcpy(want + pos, "\r");
		check_format(&f, want);
		f.ext = true;
		pos = sprintf(want, "T000000A0%d", dlc);
		for (i = 0; i < dlc; i++)
			pos += sprintf(want + pos, "%02X", 0xF0 + i);
		strcpy(want + pos, "\r");
		check_format(&f, want);
	}
	/* the longest frame fits a SLCAN_LINE_MAX buffer */
	CU_ASSERT_TRUE(1 + 8 + 1 + 16 + 1 <= SLCAN_LINE_MAX);
}

static void test_format_invalid(void)
{
	struct canio_frame f = { .id = 0x800, .len = 0 };
	char buf[SLCAN_LINE_MAX];

	CU_ASSERT_EQUAL(slcan_format(&f, buf, sizeof(buf)), -EINVAL);
	f.ext = true;
	CU_ASSERT_EQUAL(slcan_format(&f, buf, sizeof(buf)), 11);
	f.id = 0x20000000;
	CU_ASSERT_EQUAL(slcan_format(&f, buf, sizeof(buf)), -EINVAL);
	f.id = 1;
	f.len = 9;
	CU_ASSERT_EQUAL(slcan_format(&f, buf, sizeof(buf)), -EINVAL);
	f.rtr = true;
	CU_ASSERT_EQUAL(slcan_format(&f, buf, sizeof(buf)), -EINVAL);
	/* too small a buffer: exact fit works, one less does not */
	f.rtr = false;
	f.ext = false;
	f.len = 8;
	CU_ASSERT_EQUAL(slcan_format(&f, buf, 22), 22);
	CU_ASSERT_EQUAL(slcan_format(&f, buf, 21), -EINVAL);
	CU_ASSERT_EQUAL(slcan_format(&f, buf, 0), -EINVAL);
}

static void test_roundtrip(void)
{
	struct slcan_parser p;
	char buf[SLCAN_LINE_MAX];
	int k, i, bad = 0;

	srand(1234);
	slcan_parser_init(&p);
	for (k = 0; k < 10000; k++) {
		struct canio_frame f;
		struct sink s;
		int n;

		memset(&f, 0, sizeof(f));
		f.ext = rand() & 1;
		f.rtr = (rand() % 8) == 0;
		f.id = ((uint32_t)rand() << 8 ^ (uint32_t)rand()) & (f.ext ? 0x1FFFFFFFu : 0x7FFu);
		f.len = (uint8_t)(rand() % 9);
		for (i = 0; i < 8; i++)
			if (!f.rtr && i < f.len)
				f.data[i] = (uint8_t)rand();
		n = slcan_format(&f, buf, sizeof(buf));
		if (n <= 0) {
			bad++;
			continue;
		}
		memset(&s, 0, sizeof(s));
		if (slcan_feed(&p, (const uint8_t *)buf, (size_t)n, collect, &s) != 1 ||
		    s.it[0].kind != SLCAN_FRAME || !frame_eq(&s.it[0].frame, &f))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(p.malformed, 0);
}

static void test_bitrate(void)
{
	static const uint32_t want[] = { 10000, 20000, 50000, 100000, 125000,
					 250000, 500000, 800000, 1000000 };
	uint32_t i;

	for (i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(slcan_bitrate(i), want[i]);
	CU_ASSERT_EQUAL(slcan_bitrate(9), 0);
	CU_ASSERT_EQUAL(slcan_bitrate(0xFFFFFFFFu), 0);
}

static void test_random_garbage(void)
{
	struct slcan_parser p;
	static uint8_t buf[65536];
	size_t i;
	int n;

	srand(99);
	for (i = 0; i < sizeof(buf); i++) {
		int r = rand() % 16;

		buf[i] = r == 0 ? '\r' : r < 4 ? (uint8_t)"tTrR0123456789ABCDEF"[rand() % 20]
					       : (uint8_t)rand();
	}
	slcan_parser_init(&p);
	n = slcan_feed(&p, buf, sizeof(buf), NULL, NULL);
	CU_ASSERT_TRUE(n >= 0);
	CU_ASSERT_TRUE(p.malformed > 0);
	CU_ASSERT_TRUE(p.len <= SLCAN_LINE_MAX);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_std_frames),
		CU_TEST(test_every_dlc),
		CU_TEST(test_ext_and_remote),
		CU_TEST(test_lowercase_hex),
		CU_TEST(test_timestamps),
		CU_TEST(test_crlf),
		CU_TEST(test_split_feeds),
		CU_TEST(test_stream_contents),
		CU_TEST(test_overlong),
		CU_TEST(test_malformed_frames),
		CU_TEST(test_malformed_commands),
		CU_TEST(test_malformed_nul),
		CU_TEST(test_malformed_counting),
		CU_TEST(test_commands),
		CU_TEST(test_acks),
		CU_TEST(test_bell),
		CU_TEST(test_no_callback),
		CU_TEST(test_format),
		CU_TEST(test_format_invalid),
		CU_TEST(test_roundtrip),
		CU_TEST(test_bitrate),
		CU_TEST(test_random_garbage),
		CU_END,
	};

	cu_add("slcan", tests);
}
