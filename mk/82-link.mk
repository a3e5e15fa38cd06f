# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd's MCU link and pack model, their suites, and the per-frame benchmark.
LINK_SRCS := src/logic/link.c src/logic/pmodel.c

UNIT_TESTS += test_pmodel test_link
test_pmodel_SRCS := tests/unit/test_pmodel.c src/logic/pmodel.c $(PROTO_SRCS)
test_link_SRCS = tests/unit/test_link.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	mcu-bridge/port/host/simcfg.c $(LINK_SRCS) $(CORE_SRCS) $(PROTO_SRCS)

PROGRAMS += bench_link
bench_link_SRCS = bench/bench_link.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	mcu-bridge/port/host/simcfg.c $(LINK_SRCS) $(CORE_SRCS) $(PROTO_SRCS)
bench_link_LIBS :=

# libFuzzer over the link and the pack model: make fuzz-link [FUZZ_SECONDS=n]
FUZZ_TARGETS += fuzz-link
.PHONY: fuzz-link
$(B)/fuzz/fuzz_link: tests/fuzz/fuzz_link.c $(LINK_SRCS) $(PROTO_SRCS) src/logic/link.h src/logic/pmodel.h \
		mcu-bridge/proto/bp.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(WARN) $(WERROR) -o $@ $(filter %.c,$^)

fuzz-link: $(B)/fuzz/fuzz_link
	@mkdir -p $(B)/fuzz/corpus-link
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(B)/fuzz/fuzz_link- $(B)/fuzz/corpus-link tests/fuzz/corpus-link
