# SPDX-License-Identifier: GPL-2.0-or-later
# json: the JSON string escaper of bmsctl, the status screen and the CAN
# counters; bytes.h: integers in a fixed byte order (header only).
JSON_SRCS := src/lib/json.c

UNIT_TESTS += test_json test_bytes
test_json_SRCS := tests/unit/test_json.c $(JSON_SRCS)
test_bytes_SRCS := tests/unit/test_bytes.c
