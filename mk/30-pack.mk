# SPDX-License-Identifier: GPL-2.0-or-later
# bms-sim's simulated pack and its scenario / fault-injection language.
SIM_SRCS += mcu-bridge/port/host/pack.c mcu-bridge/port/host/scenario.c mcu-bridge/port/host/sim.c

UNIT_TESTS += test_pack test_scenario
test_pack_SRCS := tests/unit/test_pack.c mcu-bridge/port/host/pack.c
test_scenario_SRCS := tests/unit/test_scenario.c mcu-bridge/port/host/scenario.c mcu-bridge/port/host/sim.c \
	mcu-bridge/port/host/pack.c
