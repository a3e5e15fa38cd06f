# SPDX-License-Identifier: GPL-2.0-or-later
# evlog: bmsd's persistent event log, its unit suite and its kill test; and
# diskw, the disk writer whose thread runs the log's syncs and the state
# file's writes, and hands their completions back through the event loop.
DISKW_SRCS := src/lib/diskw.c src/lib/loop.c
LIBS_DISKW := -lpthread
EVLOG_SRCS := src/store/evlog.c $(DISKW_SRCS) mcu-bridge/proto/crc.c

UNIT_TESTS += test_diskw
test_diskw_SRCS := tests/unit/test_diskw.c $(DISKW_SRCS)
test_diskw_LIBS := $(LIBS_DISKW)

UNIT_TESTS += test_evlog
test_evlog_SRCS := tests/unit/test_evlog.c $(EVLOG_SRCS)
# the suite runs a rotation between the reader's two opens
test_evlog_LIBS := -Wl,--wrap=openat $(LIBS_DISKW)

# writer killed at random points, and its checker (tests/integration/evlog_kill.sh)
PROGRAMS += evlog-torture
evlog-torture_SRCS := tests/tools/evlog-torture.c $(EVLOG_SRCS)
evlog-torture_LIBS := $(LIBS_DISKW)

INTEGRATION += tests/integration/evlog_kill.sh
