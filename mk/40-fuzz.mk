# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer targets: `make fuzz-bp` builds build/fuzz/fuzz_bp with clang and
# runs it for FUZZ_SECONDS, starting from the committed seed corpus. New
# inputs go to build/fuzz/corpus-bp, findings to build/fuzz/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_FLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

FUZZ_TARGETS += fuzz-bp

$(B)/fuzz/fuzz_bp: tests/fuzz/fuzz_bp.c mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c \
		mcu-bridge/proto/bp.h mcu-bridge/proto/crc.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(WARN) $(WERROR) -o $@ $(filter %.c,$^)

.PHONY: fuzz-bp
fuzz-bp: $(B)/fuzz/fuzz_bp
	@mkdir -p $(B)/fuzz/corpus-bp
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/fuzz_bp- $(B)/fuzz/corpus-bp tests/fuzz/corpus-bp
