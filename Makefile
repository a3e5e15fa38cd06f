# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd: one plain Makefile tree. Module lists live in mk/*.mk.
#
#   make            build everything (build/)
#   make check      deps, build, unit suites (plain, ASan+UBSan, valgrind),
#                   integration tests, the VM scenarios (real vcan, gpio-sim), fuzzers
#   make check-loaded  make check three times on a host kept busy by
#                   busy loops (LOAD_JOBS, LOAD_RUNS)
#   make demo       bmsd running bms-sim's pack over a pty, with bmsctl watch
#   make deps       install what is missing (Debian 12, as root) and prove it works
#   make install    PREFIX=/usr DESTDIR=...

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DESTDIR ?=

CC ?= cc
# pkg-config is asked when a recipe first needs a library's flags, not while
# this file is read (the fragments set LIBS_* with a deferred $(eval ...)):
# on a fresh machine make deps installs pkg-config and the libraries first.
PKG_CONFIG ?= pkg-config
OPT ?= -O2 -g
WERROR ?= -Werror
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wpointer-arith -Wcast-qual -Wundef -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Imcu-bridge -Isrc -Isrc/cli -Isrc/daemon -Isrc/iface -Isrc/store -Isrc/logic -Isrc/config -Isrc/lib
CFLAGS ?=
CFLAGS += -std=c11 $(OPT) $(WARN) $(WERROR) -MMD -MP
LDFLAGS ?=

B := build

# make V=1 shows the commands
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif
SAN := $(B)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIBS_SOCKETCAN := -lsocketcan
LIBS_CUNIT := -lcunit

# Filled by mk/*.mk
PROTO_SRCS :=
CORE_SRCS :=
SIM_SRCS :=
CANIO_SRCS :=
UNIT_TESTS :=
PROGRAMS :=
INTEGRATION :=
FUZZ_TARGETS :=
INSTALL_BINS :=
INSTALL_SBINS :=
INSTALL_HOOKS :=
MAN1 :=
MAN5 :=
MAN8 :=

include $(sort $(wildcard mk/*.mk))

.PHONY: all check check-loaded unit unit-san unit-valgrind integration fuzz demo deps clean install bench
all: $(foreach p,$(PROGRAMS),$(B)/bin/$(p)) $(foreach t,$(UNIT_TESTS),$(B)/tests/$(t))

# objects: build/<path>.o and build/san/<path>.o
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(SAN)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

objs = $(patsubst %.c,$(B)/obj/%.o,$(1))
sobjs = $(patsubst %.c,$(SAN)/obj/%.o,$(1))

# $(1) = program name; needs $(1)_SRCS and optionally $(1)_LIBS
define program_rule
$(B)/bin/$(1): $$(call objs,$$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS)
$(SAN)/bin/$(1): $$(call sobjs,$$($(1)_SRCS))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS)
endef

# $(1) = unit test name; needs $(1)_SRCS and optionally $(1)_LIBS
define unit_rule
$(B)/tests/$(1): $$(call objs,$$($(1)_SRCS) tests/unit/cu.c)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $(LIBS_CUNIT) -lm
$(SAN)/tests/$(1): $$(call sobjs,$$($(1)_SRCS) tests/unit/cu.c)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $(LIBS_CUNIT) -lm
endef

$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

RESULTS := $(B)/results

unit: $(foreach t,$(UNIT_TESTS),$(B)/tests/$(t))
	@mkdir -p $(RESULTS)
	@tests/run-unit.sh plain $(RESULTS) $^

unit-san: $(foreach t,$(UNIT_TESTS),$(SAN)/tests/$(t))
	@mkdir -p $(RESULTS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-unit.sh asan+ubsan $(RESULTS) $^

unit-valgrind: $(foreach t,$(UNIT_TESTS),$(B)/tests/$(t))
	@mkdir -p $(RESULTS)
	@tests/run-unit.sh valgrind $(RESULTS) $^

integration: all
	@mkdir -p $(RESULTS)
	@tests/run-integration.sh $(RESULTS) $(INTEGRATION)

fuzz:
	@mkdir -p $(RESULTS)
	@tests/run-fuzz.sh $(RESULTS) $(FUZZ_TARGETS)

# Every stage runs even when an earlier one failed, so that one run shows
# everything; the summary line decides the exit status.
check: deps
	@rm -rf $(RESULTS)
	$(MAKE) -j2 all
	$(MAKE) -j2 B=$(B)/clang CC=clang all
	-$(MAKE) unit
	-$(MAKE) unit-san
	-$(MAKE) unit-valgrind
	-$(MAKE) integration
	-$(MAKE) vm-check
	-$(MAKE) fuzz
	@tests/summary.sh $(RESULTS) $(words $(UNIT_TESTS) $(UNIT_TESTS) $(UNIT_TESTS) $(INTEGRATION) $(VM_SCENARIOS) $(FUZZ_TARGETS))

deps:
	@packaging/deps.sh all

# make check under load: LOAD_JOBS busy loops (default two per CPU) for
# LOAD_RUNS runs in a row (default 3); every run must pass
check-loaded:
	@tests/check-loaded.sh

# The demo installs only its own set and builds only what it runs; the time
# from here to its first status screen is printed (DEMO_T0).
DEMO_BINS := $(B)/bin/bmsd $(B)/bin/bmsctl $(B)/bin/bms-sim
demo:
	@export DEMO_T0=$$(date +%s.%N) && packaging/deps.sh demo && \
		$(MAKE) --no-print-directory -j2 $(DEMO_BINS) && B=$(abspath $(B)) src/tools/demo.sh

bench: all
	@bench/run.sh

# INSTALL_HOOKS: extra install targets of the fragments (e.g. the firmware)
install: all $(INSTALL_HOOKS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/bmsd/examples
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(foreach p,$(INSTALL_BINS),install -m 0755 $(B)/bin/$(p) $(DESTDIR)$(BINDIR)/$(p);)
	$(foreach p,$(INSTALL_SBINS),install -m 0755 $(B)/bin/$(p) $(DESTDIR)$(SBINDIR)/$(p);)
	$(foreach m,$(MAN1),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man1/;)
	$(foreach m,$(MAN5),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man5/;)
	$(foreach m,$(MAN8),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man8/;)
	$(foreach e,$(wildcard etc/bmsd*.yaml etc/*.scn),install -m 0644 $(e) $(DESTDIR)$(DATADIR)/bmsd/examples/;)
	install -d $(DESTDIR)$(DATADIR)/doc/bmsd
	$(foreach d,README.md $(wildcard docs/*.md),install -m 0644 $(d) $(DESTDIR)$(DATADIR)/doc/bmsd/;)

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(SAN)/obj -name '*.d' 2>/dev/null)

# Line coverage of src/ by the unit suites alone, per file and per layer
# (gcov; build/cov is a separate -O0 --coverage build)
.PHONY: coverage
coverage:
	@rm -rf $(B)/cov/obj
	$(MAKE) --no-print-directory -j2 B=$(B)/cov OPT="-O0 -g" WERROR= CFLAGS=--coverage LDFLAGS=--coverage \
		$(foreach t,$(UNIT_TESTS),$(B)/cov/tests/$(t))
	@for t in $(UNIT_TESTS); do $(B)/cov/tests/$$t >/dev/null 2>&1 || echo "coverage: $$t failed"; done
	@tests/coverage.sh $(B)/cov
