/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json: escapes, UTF-8 passed or replaced, the three outputs, and a body
 * cut at the end of a buffer only between whole escapes and characters. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "json.h"

/* the body of @s in a buffer large enough for anything here */
static const char *body(const char *s)
{
	static char out[1024];
	size_t n = json_escape_buf(out, sizeof(out), s);

	CU_ASSERT_EQUAL(n, strlen(out));
	return out;
}

static void test_plain(void)
{
	CU_ASSERT_STRING_EQUAL(body(""), "");
	CU_ASSERT_STRING_EQUAL(body("socketcan:can0"), "socketcan:can0");
	CU_ASSERT_STRING_EQUAL(body("slcan:/dev/ttyACM1@500000"), "slcan:/dev/ttyACM1@500000");
	CU_ASSERT_STRING_EQUAL(body("/etc/bmsd/bmsd.yaml"), "/etc/bmsd/bmsd.yaml");
	CU_ASSERT_STRING_EQUAL(body("t.yaml:3:5: pack.boards: out of range (1..8) ~ </x>"),
			       "t.yaml:3:5: pack.boards: out of range (1..8) ~ </x>");
	CU_ASSERT_STRING_EQUAL(body(" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"),
			       " !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~");
}

static void test_quotes_backslashes(void)
{
	CU_ASSERT_STRING_EQUAL(body("\""), "\\\"");
	CU_ASSERT_STRING_EQUAL(body("\\"), "\\\\");
	CU_ASSERT_STRING_EQUAL(body("a \"b\" c\\d\\\\"), "a \\\"b\\\" c\\\\d\\\\\\\\");
	CU_ASSERT_STRING_EQUAL(body("C:\\bmsd\\\"x\""), "C:\\\\bmsd\\\\\\\"x\\\"");
}

static void test_controls(void)
{
	CU_ASSERT_STRING_EQUAL(body("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
	CU_ASSERT_STRING_EQUAL(body("a\nb"), "a\\nb");
	CU_ASSERT_STRING_EQUAL(body("\x01"), "\\u0001");
	CU_ASSERT_STRING_EQUAL(body("\x07\x0b\x1b\x1f"), "\\u0007\\u000b\\u001b\\u001f");
	CU_ASSERT_STRING_EQUAL(body("\x7f"), "\\u007f");
	CU_ASSERT_STRING_EQUAL(body("x\x7fy"), "x\\u007fy");

	/* every byte below 0x20: a short form or \u00XX, never the byte itself */
	for (unsigned int c = 1; c < 0x20; c++) {
		char in[2] = { (char)c, 0 };
		const char *o = body(in);

		CU_ASSERT_EQUAL(o[0], '\\');
		CU_ASSERT(strlen(o) == 2 || strlen(o) == 6);
		for (const char *p = o; *p; p++)
			CU_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
}

static void test_utf8(void)
{
	/* é, €, U+1F50B, and the first and last code points of each length */
	CU_ASSERT_STRING_EQUAL(body("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(body("\xe2\x82\xac 5"), "\xe2\x82\xac 5");
	CU_ASSERT_STRING_EQUAL(body("\xf0\x9f\x94\x8b"), "\xf0\x9f\x94\x8b");
	CU_ASSERT_STRING_EQUAL(body("\xc2\x80\xdf\xbf"), "\xc2\x80\xdf\xbf");
	CU_ASSERT_STRING_EQUAL(body("\xe0\xa0\x80\xef\xbf\xbf"), "\xe0\xa0\x80\xef\xbf\xbf");
	CU_ASSERT_STRING_EQUAL(body("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
			       "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	/* a quote right after a character is still escaped */
	CU_ASSERT_STRING_EQUAL(body("\xc3\xa9\""), "\xc3\xa9\\\"");
}

static void test_bad_utf8(void)
{
	CU_ASSERT_STRING_EQUAL(body("\xff"), "\\ufffd");
	CU_ASSERT_STRING_EQUAL(body("a\x80z"), "a\\ufffdz");           /* stray continuation */
	CU_ASSERT_STRING_EQUAL(body("\xc0\xaf"), "\\ufffd\\ufffd");     /* overlong '/' */
	CU_ASSERT_STRING_EQUAL(body("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(body("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
	CU_ASSERT_STRING_EQUAL(body("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(body("\xe2\x82"), "\\ufffd\\ufffd");     /* cut at the end */
	CU_ASSERT_STRING_EQUAL(body("\xe2\x82x"), "\\ufffd\\ufffdx");
	CU_ASSERT_STRING_EQUAL(body("\xc3\""), "\\ufffd\\\"");
}

/* json_escape() hands out whole escapes, and runs with nothing to escape */
struct pieces {
	char all[256];
	size_t len;
	unsigned int calls, escapes;
	bool bad;
};

static void put_piece(void *arg, const char *s, size_t n)
{
	struct pieces *p = arg;

	p->calls++;
	if (n == 0 || p->len + n >= sizeof(p->all)) {
		p->bad = true;
		return;
	}
	if (s[0] == '\\') {
		p->escapes++;
		p->bad |= !(n == 2 || (n == 6 && s[1] == 'u'));
	} else {
		for (size_t i = 0; i < n; i++)
			p->bad |= s[i] == '\\' || s[i] == '"' || (unsigned char)s[i] < 0x20 ||
				  s[i] == 0x7f;
	}
	memcpy(p->all + p->len, s, n);
	p->len += n;
	p->all[p->len] = '\0';
}

static void test_callback(void)
{
	struct pieces p = { .len = 0 };

	json_escape("run one\"\n\xc3\xa9 run two\x01\xff", put_piece, &p);
	CU_ASSERT_FALSE(p.bad);
	CU_ASSERT_STRING_EQUAL(p.all, "run one\\\"\\n\xc3\xa9 run two\\u0001\\ufffd");
	CU_ASSERT_EQUAL(p.escapes, 4);
	CU_ASSERT_EQUAL(p.calls, 6);

	memset(&p, 0, sizeof(p));
	json_escape("", put_piece, &p);
	CU_ASSERT_EQUAL(p.calls, 0);
	json_escape("abc", put_piece, &p);
	CU_ASSERT_EQUAL(p.calls, 1);
}

/* Unit boundaries of a whole body: after each escape or character. */
static void boundaries(const char *b, bool *at)
{
	size_t i = 0, n = strlen(b);

	memset(at, 0, n + 1);
	at[0] = true;
	while (i < n) {
		if (b[i] == '\\')
			i += b[i + 1] == 'u' ? 6 : 2;
		else if ((unsigned char)b[i] < 0x80)
			i += 1;
		else if ((unsigned char)b[i] < 0xe0)
			i += 2;
		else if ((unsigned char)b[i] < 0xf0)
			i += 3;
		else
			i += 4;
		at[i] = true;
	}
}

/* For every buffer size: a NUL-terminated prefix of the whole body that
 * ends between units, nothing written past the buffer, the whole length
 * returned. */
static void cut_everywhere(const char *s)
{
	char whole[256], buf[260];
	bool at[256];
	size_t n = json_escape_buf(whole, sizeof(whole), s);

	CU_ASSERT_FATAL(n < sizeof(whole));
	boundaries(whole, at);
	for (size_t size = 0; size <= n + 2; size++) {
		size_t got, len;

		memset(buf, '#', sizeof(buf));
		got = json_escape_buf(buf, size, s);
		CU_ASSERT_EQUAL(got, n);
		CU_ASSERT_EQUAL(buf[size], '#');
		if (size == 0)
			continue;
		len = strlen(buf);
		CU_ASSERT(len < size);
		CU_ASSERT(at[len]);
		CU_ASSERT_EQUAL(memcmp(buf, whole, len), 0);
		/* nothing that would have fit is left out */
		for (size_t k = len + 1; k < size && k <= n; k++)
			CU_ASSERT_FALSE(at[k]);
		if (size > n)
			CU_ASSERT_STRING_EQUAL(buf, whole);
	}
}

static void test_truncation(void)
{
	char buf[8];

	cut_everywhere("plain ascii");
	cut_everywhere("q\"b\\n\nc\x01\x7f");
	cut_everywhere("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x8b.");
	cut_everywhere("\xff\xe2\x82 \t\"\xf0\x9f\x94\x8b\x1f");

	/* a \u escape that does not fit is left out whole, and so is what
	 * follows, though it would fit */
	CU_ASSERT_EQUAL(json_escape_buf(buf, sizeof(buf), "ab\x01z"), 9);
	CU_ASSERT_STRING_EQUAL(buf, "ab");
	CU_ASSERT_EQUAL(json_escape_buf(buf, sizeof(buf), "abcdef\"z"), 9);
	CU_ASSERT_STRING_EQUAL(buf, "abcdef");
	CU_ASSERT_EQUAL(json_escape_buf(buf, sizeof(buf), "abcde\xf0\x9f\x94\x8b"), 9);
	CU_ASSERT_STRING_EQUAL(buf, "abcde");
	CU_ASSERT_EQUAL(json_escape_buf(buf, 1, "x"), 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(json_escape_buf(NULL, 0, "\n"), 2);
}

/* json_fprint_str() of @s is @want */
static void printed(const char *s, const char *want)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	json_fprint_str(f, s);
	CU_ASSERT_EQUAL(fclose(f), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
	free(out);
}

static void test_file(void)
{
	printed(NULL, "null");
	printed("", "\"\"");
	printed("bmsd.yaml: ok", "\"bmsd.yaml: ok\"");
	printed("a\"b\\c\nd\x02\xc3\xa9\xfe", "\"a\\\"b\\\\c\\nd\\u0002\xc3\xa9\\ufffd\"");
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_plain),
		CU_TEST(test_quotes_backslashes),
		CU_TEST(test_controls),
		CU_TEST(test_utf8),
		CU_TEST(test_bad_utf8),
		CU_TEST(test_callback),
		CU_TEST(test_truncation),
		CU_TEST(test_file),
		CU_END,
	};

	cu_add("json", tests);
}
