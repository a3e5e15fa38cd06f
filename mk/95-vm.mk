# SPDX-License-Identifier: GPL-2.0-or-later
# The VM stage (tests/vm/): bmsd, bms-sim and bmsctl on real SocketCAN
# (vcan0..vcan2) and a gpio-sim chip, in Debian's stock kernel under QEMU,
# with the host's root over 9p. One boot runs every scenario.
#
#   make vm-setup   prepare the cached kernel, gpio-sim module and initramfs
#                   (tests/vm/setup.sh; once per kernel version)
#   make vm-check   boot and run VM_SCENARIOS; per-scenario counts go to
#                   $(RESULTS)/counts. Where QEMU cannot run, it says so
#                   loudly and skips (that is not a failure).
VM_SCENARIOS := startup config_push protection_trip gpio_leds bus_recovery pylon_can1

.PHONY: vm-setup vm-check

vm-setup:
	@tests/vm/setup.sh >/dev/null

vm-check: $(B)/bin/bmsd $(B)/bin/bms-sim $(B)/bin/bmsctl
	@mkdir -p $(RESULTS)
	@rc=0; B=$(B) tests/vm/run.sh --results $(RESULTS) $(VM_SCENARIOS) || rc=$$?; \
		[ $$rc = 77 ] || exit $$rc
