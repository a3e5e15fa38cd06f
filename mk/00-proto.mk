# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge protocol codec and checksums, shared by firmware and daemon.
PROTO_SRCS += mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c

UNIT_TESTS += test_bp
test_bp_SRCS := tests/unit/test_bp.c $(PROTO_SRCS)
