/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bytes: each width in both orders, at odd addresses, without touching
 * the bytes around it. */
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "bytes.h"

static uint8_t buf[12];

/* buf[1..n] is @want and the bytes around it still hold 0xAA */
static void holds(const uint8_t *want, size_t n)
{
	CU_ASSERT_EQUAL(memcmp(buf + 1, want, n), 0);
	CU_ASSERT_EQUAL(buf[0], 0xAA);
	for (size_t i = n + 1; i < sizeof(buf); i++)
		CU_ASSERT_EQUAL(buf[i], 0xAA);
}

static void test_le(void)
{
	static const uint8_t w16[] = { 0x34, 0x12 };
	static const uint8_t w32[] = { 0x78, 0x56, 0x34, 0x12 };
	static const uint8_t w64[] = { 0xF0, 0xDE, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12 };

	memset(buf, 0xAA, sizeof(buf));
	put_le16(buf + 1, 0x1234);
	holds(w16, sizeof(w16));
	CU_ASSERT_EQUAL(get_le16(buf + 1), 0x1234);

	memset(buf, 0xAA, sizeof(buf));
	put_le32(buf + 1, 0x12345678u);
	holds(w32, sizeof(w32));
	CU_ASSERT_EQUAL(get_le32(buf + 1), 0x12345678u);

	memset(buf, 0xAA, sizeof(buf));
	put_le64(buf + 1, 0x123456789ABCDEF0ull);
	holds(w64, sizeof(w64));
	CU_ASSERT_EQUAL(get_le64(buf + 1), 0x123456789ABCDEF0ull);
}

static void test_be(void)
{
	static const uint8_t w16[] = { 0x12, 0x34 };
	static const uint8_t w32[] = { 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t w64[] = { 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0 };

	memset(buf, 0xAA, sizeof(buf));
	put_be16(buf + 1, 0x1234);
	holds(w16, sizeof(w16));
	CU_ASSERT_EQUAL(get_be16(buf + 1), 0x1234);

	memset(buf, 0xAA, sizeof(buf));
	put_be32(buf + 1, 0x12345678u);
	holds(w32, sizeof(w32));
	CU_ASSERT_EQUAL(get_be32(buf + 1), 0x12345678u);

	memset(buf, 0xAA, sizeof(buf));
	put_be64(buf + 1, 0x123456789ABCDEF0ull);
	holds(w64, sizeof(w64));
	CU_ASSERT_EQUAL(get_be64(buf + 1), 0x123456789ABCDEF0ull);
}

/* the top bit of every byte survives (no sign extension on the way back) */
static void test_high_bits(void)
{
	memset(buf, 0xFF, sizeof(buf));
	CU_ASSERT_EQUAL(get_le16(buf), 0xFFFFu);
	CU_ASSERT_EQUAL(get_be16(buf), 0xFFFFu);
	CU_ASSERT_EQUAL(get_le32(buf), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(get_be32(buf), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(get_le64(buf), UINT64_MAX);
	CU_ASSERT_EQUAL(get_be64(buf), UINT64_MAX);

	put_le32(buf, 0x80000001u);
	CU_ASSERT_EQUAL(get_le32(buf), 0x80000001u);
	CU_ASSERT_EQUAL(get_be32(buf), 0x01000080u);
	put_be64(buf, 0x8000000000000080ull);
	CU_ASSERT_EQUAL(get_be64(buf), 0x8000000000000080ull);
	CU_ASSERT_EQUAL(get_le64(buf), 0x8000000000000080ull);
	put_le16(buf, (uint16_t)-2);
	CU_ASSERT_EQUAL((int16_t)get_le16(buf), -2);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_le),
		CU_TEST(test_be),
		CU_TEST(test_high_bits),
		CU_END,
	};

	cu_add("bytes", tests);
}
