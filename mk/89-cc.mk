# SPDX-License-Identifier: GPL-2.0-or-later
# cc: contactor and charge control (pure logic, linked into bmsd), with its
# section of bmsd.yaml parsed in the unit suite.
LOGIC_SRCS += src/logic/cc.c

UNIT_TESTS += test_cc
test_cc_SRCS := tests/unit/test_cc.c tests/unit/fixture.c src/logic/cc.c $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c mcu-bridge/port/host/simcfg.c
test_cc_LIBS = $(LIBS_YAML)
