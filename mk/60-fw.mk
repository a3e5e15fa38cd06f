# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware application layer, bms-sim, and their suites.
CORE_SRCS += mcu-bridge/core/safety.c mcu-bridge/core/dio.c mcu-bridge/core/led.c \
	mcu-bridge/core/fw.c
SIM_SRCS += mcu-bridge/port/host/hal_host.c mcu-bridge/port/host/simcfg.c

PROGRAMS += bms-sim
bms-sim_SRCS = mcu-bridge/port/host/main.c $(SIM_SRCS) $(CORE_SRCS) $(PROTO_SRCS) $(CANIO_SRCS)
bms-sim_LIBS := $(LIBS_SOCKETCAN) -lm

UNIT_TESTS += test_safety test_dio test_led test_fw
test_safety_SRCS = tests/unit/test_safety.c mcu-bridge/core/safety.c $(PROTO_SRCS)
test_dio_SRCS := tests/unit/test_dio.c mcu-bridge/core/dio.c
test_led_SRCS := tests/unit/test_led.c mcu-bridge/core/led.c
test_fw_SRCS = tests/unit/test_fw.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	$(CORE_SRCS) $(PROTO_SRCS) mcu-bridge/port/host/simcfg.c

INSTALL_BINS += bms-sim
MAN1 += man/bms-sim.1

# bpdump: the decoded bridge stream, for the demo and the integration tests
PROGRAMS += bpdump
bpdump_SRCS = src/tools/bpdump.c mcu-bridge/port/host/simcfg.c $(PROTO_SRCS) $(CANIO_SRCS)
bpdump_LIBS := $(LIBS_SOCKETCAN)

INTEGRATION += tests/integration/freestanding.sh tests/integration/stream_pythoncan.sh tests/integration/safety_floor.sh \
	tests/integration/timescale.sh
