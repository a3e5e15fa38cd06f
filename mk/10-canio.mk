# SPDX-License-Identifier: GPL-2.0-or-later
# canio: CAN links over socketcan or slcan, used by bmsd and bms-sim.
CANIO_SRCS += src/lib/canio.c src/lib/canio_socketcan.c src/lib/slcan.c

UNIT_TESTS += test_slcan test_canio
test_slcan_SRCS := tests/unit/test_slcan.c src/lib/slcan.c
test_canio_SRCS := tests/unit/test_canio.c src/lib/canio.c src/lib/canio_socketcan.c src/lib/slcan.c
test_canio_LIBS := $(LIBS_SOCKETCAN)

PROGRAMS += canio-echo
canio-echo_SRCS := src/tools/canio-echo.c src/lib/canio.c src/lib/canio_socketcan.c src/lib/slcan.c
canio-echo_LIBS := $(LIBS_SOCKETCAN)

INTEGRATION += tests/integration/slcan_pythoncan.sh

# libFuzzer over the slcan parser: make fuzz-slcan [FUZZ_SECONDS=n]
FUZZ_SECONDS ?= 20
FUZZ_CC ?= clang
FUZZ_SLCAN_FLAGS := -std=c11 -g -O1 $(WARN) $(WERROR) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS += fuzz-slcan
.PHONY: fuzz-slcan

$(B)/fuzz/fuzz_slcan: tests/fuzz/fuzz_slcan.c src/lib/slcan.c src/lib/slcan.h src/lib/canio.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_SLCAN_FLAGS) -o $@ tests/fuzz/fuzz_slcan.c src/lib/slcan.c

# run on a copy so the committed corpus stays as it is
fuzz-slcan: $(B)/fuzz/fuzz_slcan
	@d=$$(mktemp -d) && cp tests/fuzz/corpus-slcan/* "$$d"/ && \
	$(B)/fuzz/fuzz_slcan -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/fuzz_slcan- "$$d"; rc=$$?; rm -rf "$$d"; exit $$rc
