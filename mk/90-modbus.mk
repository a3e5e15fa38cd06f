# SPDX-License-Identifier: GPL-2.0-or-later
# Modbus-RTU and Modbus-TCP servers (libmodbus) with the SunSpec map.
#   mbmap: the register map and the protocol rules (pure): the image and the
#     requests (mbmap.c), the SunSpec models (mbmap_sunspec.c, mbmap_m805.c),
#     the vendor block (mbmap_vendor.c), the points (mbmap_point.c) and the
#     framing (mbmap_frame.c)
#   mbsrv: the RTU and TCP servers on the event loop, on the ports that
#     libmodbus opens (mbsrv_port.c)
#   modbus_if: the servers and the map fed by the view, acting through the host
MBMAP_SRCS := src/iface/mbmap.c src/iface/mbmap_frame.c src/iface/mbmap_m805.c \
	src/iface/mbmap_point.c src/iface/mbmap_sunspec.c src/iface/mbmap_vendor.c
MODBUS_SRCS := $(MBMAP_SRCS) src/iface/mbsrv.c src/iface/mbsrv_port.c src/iface/modbus_if.c src/iface/host.c
LIBS_MODBUS = $(eval LIBS_MODBUS := $(shell $(PKG_CONFIG) --libs libmodbus))$(LIBS_MODBUS)
MODBUS_CFLAGS = $(eval MODBUS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmodbus))$(MODBUS_CFLAGS)
CPPFLAGS += $(MODBUS_CFLAGS)

UNIT_TESTS += test_mbmap
test_mbmap_SRCS := tests/unit/test_mbmap.c tests/unit/fixture.c $(MBMAP_SRCS) $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c mcu-bridge/port/host/simcfg.c
test_mbmap_LIBS = $(LIBS_YAML)

# the Modbus interface against a fake host, over a real Modbus-TCP socket
UNIT_TESTS += test_modbus_if
test_modbus_if_SRCS := tests/unit/test_modbus_if.c tests/unit/fixture.c $(MODBUS_SRCS) src/lib/loop.c src/lib/log.c \
	$(CFG_SRCS) mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c
test_modbus_if_LIBS = $(LIBS_MODBUS) $(LIBS_YAML) -lsystemd -lpthread

# mbmapdoc: docs/modbus-map.md from the point tables
PROGRAMS += mbmapdoc
mbmapdoc_SRCS := src/tools/mbmapdoc.c $(MBMAP_SRCS) $(CFG_SRCS) mcu-bridge/proto/bp.c \
	mcu-bridge/proto/crc.c
mbmapdoc_LIBS = $(LIBS_YAML)

# The committed map is generated: make docs/modbus-map.md after a change of
# the tables (tests/integration/modbus_doc.sh fails while they differ).
docs/modbus-map.md: $(B)/bin/mbmapdoc
	$(call say,GEN,$@)
	$(Q)$(B)/bin/mbmapdoc >$@.tmp
	$(Q)mv $@.tmp $@

INTEGRATION += tests/integration/modbus_doc.sh tests/integration/modbus_tcp.sh \
	tests/integration/modbus_rtu.sh tests/integration/modbus_write.sh

# libFuzzer over the request handler, the RTU framing and the MBAP header:
# make fuzz-modbus [FUZZ_SECONDS=n]
FUZZ_MODBUS_FLAGS := -std=c11 -g -O1 $(WARN) $(WERROR) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS += fuzz-modbus
.PHONY: fuzz-modbus

$(B)/fuzz/fuzz_modbus: tests/fuzz/fuzz_modbus.c $(MBMAP_SRCS) $(wildcard src/iface/mbmap*.h) \
		src/logic/view.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_MODBUS_FLAGS) -o $@ $(filter %.c,$^)

# run on a copy so the committed corpus stays as it is
fuzz-modbus: $(B)/fuzz/fuzz_modbus
	@d=$$(mktemp -d) && cp tests/fuzz/corpus-modbus/* "$$d"/ && \
	$(B)/fuzz/fuzz_modbus -max_total_time=$(FUZZ_SECONDS) -max_len=1024 -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/fuzz_modbus- "$$d"; \
	rc=$$?; rm -rf "$$d"; exit $$rc

# Benchmarks: Modbus-TCP reads per second beside a bare libmodbus server, and
# the RTU turnaround on a pty (bench/modbus.sh), run by make bench.
PROGRAMS += bench_modbus
bench_modbus_SRCS := bench/bench_modbus.c $(MBMAP_SRCS)
bench_modbus_LIBS = $(LIBS_MODBUS) -lpthread

bench: bench-modbus
.PHONY: bench-modbus
bench-modbus: all
	@bash bench/modbus.sh
