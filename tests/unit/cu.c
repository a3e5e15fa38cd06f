/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "cu.h"

void cu_add(const char *suite, const struct cu_test *tests)
{
	CU_pSuite s = CU_add_suite(suite, NULL, NULL);

	if (!s) {
		fprintf(stderr, "cu: cannot add suite %s: %s\n", suite, CU_get_error_msg());
		exit(2);
	}
	for (; tests->name; tests++)
		if (!CU_add_test(s, tests->name, tests->fn)) {
			fprintf(stderr, "cu: cannot add %s: %s\n", tests->name, CU_get_error_msg());
			exit(2);
		}
}

int main(void)
{
	unsigned int ran, failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	cu_register();
	CU_basic_set_mode(getenv("CU_VERBOSE") ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	ran = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	/* one machine-readable line for tests/summary.sh */
	printf("\nCU-RESULT %u %u\n", ran - failed, failed);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
