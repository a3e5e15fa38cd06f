# SPDX-License-Identifier: GPL-2.0-or-later
# The Logic-bus master (firmware core) and the simulated Logic boards.
CORE_SRCS += mcu-bridge/core/lbus.c
SIM_SRCS += mcu-bridge/port/host/simboard.c

UNIT_TESTS += test_lbus
test_lbus_SRCS := tests/unit/test_lbus.c mcu-bridge/core/lbus.c \
	mcu-bridge/port/host/simboard.c mcu-bridge/proto/crc.c
