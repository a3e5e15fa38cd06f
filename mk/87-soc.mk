# SPDX-License-Identifier: GPL-2.0-or-later
# soc: SOC, SOH and the lifetime counters (pure), and the persisted state
# file, saved on the disk writer (mk/81-evlog.mk). bmsd links $(LIBS_STATE)
# for the writer's thread.
LOGIC_SRCS += src/logic/soc.c src/store/state.c
LIBS_STATE := $(LIBS_DISKW)

UNIT_TESTS += test_soc
test_soc_SRCS := tests/unit/test_soc.c tests/unit/fixture.c src/logic/soc.c $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c mcu-bridge/port/host/simcfg.c
test_soc_LIBS = $(LIBS_YAML)

UNIT_TESTS += test_state
test_state_SRCS := tests/unit/test_state.c src/store/state.c $(DISKW_SRCS) mcu-bridge/proto/crc.c
test_state_LIBS := $(LIBS_STATE)
