/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault registry: bits, names, the MCU's fault bits, the conditions. */
#include <string.h>

#include "cu.h"
#include "fault.h"

static void test_bits_and_names(void)
{
	/* the bits are part of CAN2 and the Modbus map: they never move */
	CU_ASSERT_EQUAL(BMSD_F_UNCONFIGURED, 1u << 0);
	CU_ASSERT_EQUAL(BMSD_F_COMM, 1u << 1);
	CU_ASSERT_EQUAL(BMSD_F_MCU_TRIP, 1u << 4);
	CU_ASSERT_EQUAL(BMSD_F_SUPPLY, 1u << 10);
	CU_ASSERT_EQUAL(BMSD_F_COUNT, 11);
	CU_ASSERT_STRING_EQUAL(fault_name(BMSD_F_COMM), "comm");
	CU_ASSERT_STRING_EQUAL(fault_name(BMSD_F_MCU_PROTO), "mcu-protocol");
	CU_ASSERT_STRING_EQUAL(fault_name(BMSD_F_SUPPLY), "supply");
	CU_ASSERT_STRING_EQUAL(fault_name(0), "?");
	CU_ASSERT_STRING_EQUAL(fault_name(BMSD_F_COMM | BMSD_F_NTC), "?");
	CU_ASSERT_STRING_EQUAL(fault_name(1u << BMSD_F_COUNT), "?");
	for (unsigned int i = 0; i < BMSD_F_COUNT; i++)
		for (unsigned int j = 0; j < i; j++)
			CU_ASSERT(strcmp(fault_name(1u << i), fault_name(1u << j)) != 0);
}

static void test_list(void)
{
	char buf[128];

	fault_list(0, buf, sizeof(buf), ",", false);
	CU_ASSERT_STRING_EQUAL(buf, "");
	fault_list(BMSD_F_MCU_TRIP | BMSD_F_COMM, buf, sizeof(buf), ", ", false);
	CU_ASSERT_STRING_EQUAL(buf, "comm, mcu-trip");
	fault_list(BMSD_F_NTC | BMSD_F_HUMIDITY, buf, sizeof(buf), ",", true);
	CU_ASSERT_STRING_EQUAL(buf, "\"ntc\",\"humidity\"");
	/* a short buffer is cut, and stays a string */
	fault_list(BMSD_F_LOGIC_OFFLINE | BMSD_F_CURRENT_SENSOR, buf, 10, ",", false);
	CU_ASSERT_STRING_EQUAL(buf, "logic-off");
}

static void test_from_mcu(void)
{
	CU_ASSERT_EQUAL(fault_from_mcu(0), 0);
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_LOGIC_OFFLINE), BMSD_F_LOGIC_OFFLINE);
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_CURRENT_SENSOR), BMSD_F_CURRENT_SENSOR);
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_NTC), BMSD_F_NTC);
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_HUMIDITY), BMSD_F_HUMIDITY);
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_SUPPLY), BMSD_F_SUPPLY);
	/* the MCU's own bookkeeping is not a fault of the pack */
	CU_ASSERT_EQUAL(fault_from_mcu(BP_FAULT_CAN_TX_OVERFLOW | BP_FAULT_CAN_RX_OVERFLOW |
				       BP_FAULT_BAD_FRAME | BP_FAULT_WATCHDOG_RESET), 0);
	CU_ASSERT_EQUAL(fault_from_mcu(0xFFFFFFFFu),
			BMSD_F_LOGIC_OFFLINE | BMSD_F_CURRENT_SENSOR | BMSD_F_NTC |
				BMSD_F_HUMIDITY | BMSD_F_SUPPLY);
}

static void test_conditions(void)
{
	CU_ASSERT_EQUAL(fault_conditions(0), 0);
	CU_ASSERT_EQUAL(fault_conditions(BMSD_F_COMM), 1u << PROT_LINK_LOST);
	CU_ASSERT_EQUAL(fault_conditions(BMSD_F_MCU_TRIP), 1u << PROT_MCU_TRIP);
	CU_ASSERT_EQUAL(fault_conditions(BMSD_F_NTC), 1u << PROT_SENSOR);
	CU_ASSERT_EQUAL(fault_conditions(BMSD_F_CURRENT_SENSOR | BMSD_F_NTC), 1u << PROT_SENSOR);
	CU_ASSERT_EQUAL(fault_conditions(BMSD_F_HUMIDITY | BMSD_F_SUPPLY | BMSD_F_LINK_DOWN |
					 BMSD_F_MCU_CFG | BMSD_F_MCU_PROTO), 0);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_bits_and_names),
		CU_TEST(test_list),
		CU_TEST(test_from_mcu),
		CU_TEST(test_conditions),
		CU_END,
	};

	cu_add("fault", tests);
}
