# SPDX-License-Identifier: GPL-2.0-or-later
# ctl: the control socket of bmsd; bmsctl: its command-line client.
# Lists naming other fragments' variables are recursive (=): the fragments
# are included in sorted order, so evlog and cfg may come after this one.
CTL_SRCS := src/iface/ctl.c src/iface/ctl_sock.c

UNIT_TESTS += test_ctl
test_ctl_SRCS := tests/unit/test_ctl.c $(CTL_SRCS) src/lib/loop.c

PROGRAMS += bmsctl
BMSCTL_SRCS := src/cli/bmsctl.c src/cli/bmsctl_cmd.c src/cli/bmsctl_events.c src/cli/bmsctl_req.c
bmsctl_SRCS = $(sort $(BMSCTL_SRCS) $(EVLOG_SRCS) $(CFG_SRCS) $(PROTO_SRCS) $(JSON_SRCS))
bmsctl_LIBS = $(LIBS_YAML)

INSTALL_BINS += bmsctl
MAN1 += man/bmsctl.1
INTEGRATION += tests/integration/bmsctl_usage.sh
