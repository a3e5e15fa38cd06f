# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd's MCU link and pack model, their suites, and the per-frame benchmark.
LINK_SRCS := src/link.c src/pmodel.c

UNIT_TESTS += test_pmodel test_link
test_pmodel_SRCS := tests/unit/test_pmodel.c src/pmodel.c $(PROTO_SRCS)
test_link_SRCS = tests/unit/test_link.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	mcu-bridge/port/host/simcfg.c $(LINK_SRCS) $(CORE_SRCS) $(PROTO_SRCS)

PROGRAMS += bench_link
bench_link_SRCS = bench/bench_link.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	mcu-bridge/port/host/simcfg.c $(LINK_SRCS) $(CORE_SRCS) $(PROTO_SRCS)
bench_link_LIBS :=
