# SPDX-License-Identifier: GPL-2.0-or-later
# CAN1 (inverter profiles) and CAN2 (the display feed): the pure encoders
# can1 and can2, their tie to the loop and the view (can_if), their tests and the DBC files.
CAN_SRCS := src/iface/can_if.c src/iface/can1.c src/iface/can2.c

UNIT_TESTS += test_can1 test_can2
test_can1_SRCS := tests/unit/test_can1.c tests/unit/fixture.c src/iface/can1.c $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c mcu-bridge/port/host/simcfg.c
test_can1_LIBS = $(LIBS_YAML)
test_can2_SRCS := tests/unit/test_can2.c src/iface/can2.c src/iface/can1.c
# CAN1 and CAN2 against a fake host, on slcan sockets that the test listens on
UNIT_TESTS += test_can_if
test_can_if_SRCS := tests/unit/test_can_if.c tests/unit/fixture.c $(CAN_SRCS) src/iface/host.c $(CTL_SRCS) $(JSON_SRCS) \
	src/lib/loop.c src/lib/log.c $(CANIO_SRCS) $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c
test_can_if_LIBS = $(LIBS_YAML) $(LIBS_SOCKETCAN) -lsystemd

INTEGRATION += tests/integration/can_dbc.sh tests/integration/can_profiles.sh \
	tests/integration/can_keepalive.sh tests/integration/can_offline.sh tests/integration/can_feed.sh
