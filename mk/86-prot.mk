# SPDX-License-Identifier: GPL-2.0-or-later
# prot: the protection engine (pure logic) and its section of bmsd.yaml.
LOGIC_SRCS += src/logic/prot.c src/logic/view.c src/logic/fault.c src/logic/mcu_cfg.c

UNIT_TESTS += test_prot
test_prot_SRCS := tests/unit/test_prot.c tests/unit/fixture.c src/logic/prot.c src/logic/mcu_cfg.c $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c mcu-bridge/port/host/simcfg.c
test_prot_LIBS = $(LIBS_YAML)

# the fault registry (logic/fault.h): bits, names, MCU bits, conditions
UNIT_TESTS += test_fault
test_fault_SRCS := tests/unit/test_fault.c src/logic/fault.c
