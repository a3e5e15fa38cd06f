# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd: the daemon. Modules: loop (epoll), gpio (libgpiod 1.6), the glue.
LOOP_SRCS := src/lib/loop.c

UNIT_TESTS += test_loop
test_loop_SRCS := tests/unit/test_loop.c src/lib/loop.c

LIBS_BMSD = $(eval LIBS_BMSD := $(shell $(PKG_CONFIG) --libs libgpiod libsystemd))$(LIBS_BMSD)
PROGRAMS += bmsd
# LOGIC_SRCS: the battery logic (mk/86-89); MODBUS_SRCS, CAN_SRCS: the
# external interfaces (mk/90, mk/91), each with its bmsd_*.c hooks.
bmsd_SRCS = src/daemon/main.c src/daemon/bmsd.c src/daemon/bmsd_link.c src/logic/batt.c src/daemon/bmsd_batt.c src/iface/status.c src/daemon/publish.c src/lib/log.c src/lib/gpio.c $(LOOP_SRCS) \
	$(CTL_SRCS) $(LINK_SRCS) $(sort $(CFG_SRCS) $(EVLOG_SRCS) $(PROTO_SRCS) $(CANIO_SRCS) \
	$(LOGIC_SRCS) $(MODBUS_SRCS) $(CAN_SRCS) $(JSON_SRCS))
bmsd_LIBS = $(LIBS_BMSD) $(LIBS_YAML) $(LIBS_SOCKETCAN) $(LIBS_MODBUS) $(LIBS_STATE)
INSTALL_SBINS += bmsd
MAN8 += man/bmsd.8

INTEGRATION += tests/integration/bmsd_startup.sh tests/integration/bmsd_faults.sh \
	tests/integration/bmsd_reload.sh tests/integration/man_lint.sh \
	tests/integration/batt_protect.sh tests/integration/batt_cycle.sh tests/integration/bmsd_stall.sh \
	tests/integration/layers.sh tests/integration/sizes.sh
# latches, resets, restarts and closing onto a fault (docs/protections.md)
INTEGRATION += tests/integration/latch_current.sh tests/integration/latch_reset.sh \
	tests/integration/latch_restart.sh tests/integration/latch_closing.sh

UNIT_TESTS += test_gpio
test_gpio_SRCS := tests/unit/test_gpio.c src/lib/gpio.c
test_gpio_LIBS = $(LIBS_BMSD)

# slowsync.so: fsync/fdatasync that stall, for the slow-disk scenario
$(B)/lib/slowsync.so: tests/tools/slowsync.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl
all: $(B)/lib/slowsync.so
INTEGRATION += tests/integration/bmsd_slow_disk.sh

# make demo's directory: links and foreign directories refused or replaced, as root
INTEGRATION += tests/integration/demo_dir.sh

# the battery step as a whole: scenarios of protections, heater, contactors,
# limits, balancing and SOC acting on each other
UNIT_TESTS += test_batt
test_batt_SRCS = tests/unit/test_batt.c src/logic/batt.c src/logic/prot.c src/logic/cc.c src/logic/fault.c \
	src/logic/heater.c src/logic/limit.c src/logic/balance.c src/logic/soc.c \
	$(LIMITS_CFG_TEST_SRCS)
test_batt_LIBS = $(LIBS_YAML)
