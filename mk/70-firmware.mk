# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge firmware on the STM32F405 (mcu-bridge/port/stm32f4), with
# arm-none-eabi-gcc from `make deps`. Not part of `make all`:
#
#   make firmware         build/firmware/bms-bridge.{elf,bin,hex}, then the
#                         size report against the budget and the worst stack
#   make fw-test-image    build/firmware/bms-bridge-qemu.elf, the emulated
#                         smoke test (tests/integration/fw_qemu.sh runs it)
#   make install          also installs the image and bms-flash
#                         (NO_FIRMWARE=1 leaves them out)
FW_CROSS ?= arm-none-eabi-
FW_CC := $(FW_CROSS)gcc
FW_OBJCOPY := $(FW_CROSS)objcopy
FW_B := $(B)/firmware
FW_PORT := mcu-bridge/port/stm32f4
FW_STACK ?= 4096
FW_FLASH_BUDGET := 65536
FW_RAM_BUDGET := 20480
FWDIR ?= $(PREFIX)/lib/bmsd/firmware

FW_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
FW_CFLAGS := -std=c11 -Os -g3 $(FW_ARCH) -ffreestanding -fno-common -ffunction-sections \
	-fdata-sections -fstack-usage $(WARN) -Werror -MMD -MP
# board options, e.g. FW_DEFS='-DCLK_HSE_HZ=25000000 -DBXCAN_BITRATE=500000'
FW_DEFS ?=
FW_CPPFLAGS := -Imcu-bridge $(FW_DEFS)
FW_LDFLAGS := $(FW_ARCH) -nostdlib -Wl,--gc-sections -Wl,--defsym=__stack_size=$(FW_STACK) \
	-Wl,--no-warn-rwx-segments -T $(FW_PORT)/stm32f405.ld

# the same startup code and core in both images
FW_COMMON_SRCS := $(addprefix $(FW_PORT)/,startup.c clk.c mem.c) $(CORE_SRCS) $(PROTO_SRCS)
FW_SRCS := $(FW_COMMON_SRCS) $(addprefix $(FW_PORT)/,board.c tick.c wdg.c bxcan.c rs485.c adc.c main.c)
FW_TEST_SRCS := $(FW_COMMON_SRCS) $(addprefix $(FW_PORT)/test/,semihost.c qhal.c qemu_test.c)

fw_objs = $(patsubst %.c,$(FW_B)/obj/%.o,$(1))

.PHONY: firmware fw-test-image fw-toolchain fw-force install-firmware

fw-toolchain:
	@command -v $(FW_CC) >/dev/null || { \
		echo "firmware: $(FW_CC) not found; install it with 'make deps' (as root)" >&2; exit 1; }

# the compiler must not turn mem.c's loops back into calls to memcpy/memset
$(FW_B)/obj/$(FW_PORT)/mem.o: FW_EXTRA := -fno-tree-loop-distribute-patterns

$(FW_B)/obj/%.o: %.c | fw-toolchain
	@mkdir -p $(@D)
	$(call say,ARMCC,$@)
	$(Q)$(FW_CC) $(FW_CPPFLAGS) $(FW_CFLAGS) $(FW_EXTRA) -c -o $@ $<

# relink when the link flags change (FW_STACK=...)
$(FW_B)/ldflags: fw-force
	@mkdir -p $(@D)
	@echo '$(FW_LDFLAGS)' | cmp -s - $@ || echo '$(FW_LDFLAGS)' >$@

$(FW_B)/bms-bridge.elf $(FW_B)/bms-bridge-qemu.elf: $(FW_PORT)/stm32f405.ld $(FW_B)/ldflags

$(FW_B)/bms-bridge.elf: $(call fw_objs,$(FW_SRCS))
	$(call say,ARMLD,$@)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@ $(filter %.o,$^) -lgcc

$(FW_B)/bms-bridge-qemu.elf: $(call fw_objs,$(FW_TEST_SRCS))
	$(call say,ARMLD,$@)
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@ $(filter %.o,$^) -lgcc

$(FW_B)/%.bin: $(FW_B)/%.elf
	$(Q)$(FW_OBJCOPY) -O binary $< $@

$(FW_B)/%.hex: $(FW_B)/%.elf
	$(Q)$(FW_OBJCOPY) -O ihex $< $@

firmware: $(FW_B)/bms-bridge.elf $(FW_B)/bms-bridge.bin $(FW_B)/bms-bridge.hex
	@$(FW_PORT)/fw-report --cross $(FW_CROSS) --elf $< --also fw_tick \
		--flash-budget $(FW_FLASH_BUDGET) --ram-budget $(FW_RAM_BUDGET) \
		--su $(patsubst %.o,%.su,$(call fw_objs,$(FW_SRCS)))

fw-test-image: $(FW_B)/bms-bridge-qemu.elf

install-firmware: firmware
	install -d $(DESTDIR)$(FWDIR) $(DESTDIR)$(SBINDIR)
	install -m 0644 $(FW_B)/bms-bridge.bin $(DESTDIR)$(FWDIR)/bms-bridge.bin
	install -m 0755 src/tools/bms-flash $(DESTDIR)$(SBINDIR)/bms-flash
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/bms-flash.8 $(DESTDIR)$(MANDIR)/man8/bms-flash.8

ifneq ($(NO_FIRMWARE),1)
install: install-firmware
endif

-include $(shell find $(FW_B)/obj -name '*.d' 2>/dev/null)

# the core's cost per 1 kHz tick on a full pack (bench/fw_tick.sh)
PROGRAMS += bench_fwtick
bench_fwtick_SRCS = bench/bench_fwtick.c tests/unit/fake_hal.c mcu-bridge/port/host/simboard.c \
	$(CORE_SRCS) $(PROTO_SRCS)

INTEGRATION += tests/integration/pinmap_docs.sh tests/integration/fw_qemu.sh tests/integration/fw_flash.sh
