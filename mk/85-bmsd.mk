# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd: the daemon. Modules: loop (epoll), gpio (libgpiod 1.6), the glue.
LOOP_SRCS := src/loop.c

UNIT_TESTS += test_loop
test_loop_SRCS := tests/unit/test_loop.c src/loop.c
