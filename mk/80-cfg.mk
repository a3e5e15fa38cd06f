# SPDX-License-Identifier: GPL-2.0-or-later
# cfg: bmsd.yaml (libyaml), its schema, the board profiles, cfgdoc and the
# generated key reference in bmsd.yaml(5).
CFG_SRCS := src/config/cfg.c src/config/cfg_yaml.c src/config/cfg_near.c src/config/cfg_value.c \
	src/config/cfg_walk.c src/config/cfg_rules.c \
	src/config/cfg_schema.c src/config/profile.c src/lib/curve.c src/config/prot_schema.c \
	src/config/cc_schema.c src/config/soc_schema.c src/config/limits_schema.c src/config/modbus_schema.c \
	src/config/can1_schema.c
LIBS_YAML = $(eval LIBS_YAML := $(shell $(PKG_CONFIG) --libs yaml-0.1))$(LIBS_YAML)

UNIT_TESTS += test_cfg
test_cfg_SRCS := tests/unit/test_cfg.c tests/unit/fixture.c $(CFG_SRCS) src/logic/mcu_cfg.c src/logic/prot.c mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c \
	mcu-bridge/port/host/simcfg.c
test_cfg_LIBS = $(LIBS_YAML)

# cfgdoc: the key reference from the schema (--man, --md, --keys)
PROGRAMS += cfgdoc
cfgdoc_SRCS := src/tools/cfgdoc.c $(CFG_SRCS)
cfgdoc_LIBS = $(LIBS_YAML)

# The committed man page is generated: make man/bmsd.yaml.5 after a schema
# change (test_cfg fails while a key is missing from it).
man/bmsd.yaml.5: man/bmsd.yaml.5.head man/bmsd.yaml.5.tail $(B)/bin/cfgdoc
	$(call say,GEN,$@)
	$(Q){ cat man/bmsd.yaml.5.head && $(B)/bin/cfgdoc --man && \
		cat man/bmsd.yaml.5.tail; } >$@.tmp
	$(Q)mv $@.tmp $@

MAN5 += man/bmsd.yaml.5

# libFuzzer over the parser: make fuzz-cfg [FUZZ_SECONDS=n]. Seeds: the
# corpus of good and bad files, the examples in etc/, and tests/fuzz/corpus-cfg.
FUZZ_CFG_FLAGS := -std=c11 -g -O1 $(WARN) $(WERROR) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS += fuzz-cfg
.PHONY: fuzz-cfg

$(B)/fuzz/fuzz_cfg: tests/fuzz/fuzz_cfg.c $(CFG_SRCS) src/logic/mcu_cfg.c src/logic/prot.c \
		mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c src/config/cfg.h src/config/cfg_impl.h \
		src/config/profile.h src/logic/mcu_cfg.h mcu-bridge/proto/bp.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFG_FLAGS) -o $@ $(filter %.c,$^) $(LIBS_YAML)

$(B)/fuzz/cfg.dict: $(B)/bin/cfgdoc
	@mkdir -p $(@D)
	$(B)/bin/cfgdoc --dict >$@

# run on a copy so the committed corpus stays as it is
fuzz-cfg: $(B)/fuzz/fuzz_cfg $(B)/fuzz/cfg.dict
	@d=$$(mktemp -d) && cp tests/fuzz/corpus-cfg/* tests/cfg/good/*.yaml "$$d"/ && \
	for f in tests/cfg/bad/*.yaml; do cp "$$f" "$$d/bad-$${f##*/}"; done && \
	cp etc/bmsd*.yaml "$$d"/ && \
	$(B)/fuzz/fuzz_cfg -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -print_final_stats=1 \
		-dict=$(B)/fuzz/cfg.dict -artifact_prefix=$(B)/fuzz/fuzz_cfg- "$$d"; \
	rc=$$?; rm -rf "$$d"; exit $$rc
