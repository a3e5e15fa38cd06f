# SPDX-License-Identifier: GPL-2.0-or-later
# json: the JSON string escaper of bmsctl, the status screen and the CAN
# counters.
JSON_SRCS := src/lib/json.c

UNIT_TESTS += test_json
test_json_SRCS := tests/unit/test_json.c $(JSON_SRCS)
