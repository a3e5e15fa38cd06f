# SPDX-License-Identifier: GPL-2.0-or-later
# Bus load of the bridge stream for the largest pack, from the firmware's output.
PROGRAMS += bench_busload
bench_busload_SRCS = bench/bench_busload.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	$(CORE_SRCS) $(PROTO_SRCS) mcu-bridge/port/host/simcfg.c
