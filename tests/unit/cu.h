/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cu: the shared main() of every CUnit suite binary. */
#ifndef CU_H
#define CU_H

#include <CUnit/CUnit.h>

/* Each suite file defines this and registers its suites and tests. */
void cu_register(void);

/* Add a suite with its tests; aborts the run on registry errors. */
struct cu_test {
	const char *name;
	void (*fn)(void);
};
void cu_add(const char *suite, const struct cu_test *tests);

/* CUnit's own CU_TEST(value) assertion is replaced: use CU_ASSERT. */
#undef CU_TEST
#define CU_TEST(fn) { #fn, fn }
#define CU_END { 0, 0 }

#endif
