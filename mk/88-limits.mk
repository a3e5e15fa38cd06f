# SPDX-License-Identifier: GPL-2.0-or-later
# limits (CCL, DCL, CVL, DVL), balancing and the heater: pure battery logic.
# curve.c comes with CFG_SRCS.
LOGIC_SRCS += src/logic/limit.c src/logic/balance.c src/logic/heater.c

LIMITS_CFG_TEST_SRCS := tests/unit/fixture.c $(CFG_SRCS) mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c \
	mcu-bridge/port/host/simcfg.c

UNIT_TESTS += test_curve test_limits test_balance test_heater
test_curve_SRCS := tests/unit/test_curve.c src/lib/curve.c
test_limits_SRCS := tests/unit/test_limits.c src/logic/limit.c $(LIMITS_CFG_TEST_SRCS)
test_limits_LIBS = $(LIBS_YAML)
test_balance_SRCS := tests/unit/test_balance.c src/logic/balance.c $(LIMITS_CFG_TEST_SRCS)
test_balance_LIBS = $(LIBS_YAML)
test_heater_SRCS := tests/unit/test_heater.c src/logic/heater.c $(LIMITS_CFG_TEST_SRCS)
test_heater_LIBS = $(LIBS_YAML)
