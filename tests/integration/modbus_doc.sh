#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/modbus-map.md is what mbmapdoc generates from the map's own tables.
set -u
B=${B:-build}
cd "$(dirname "$0")/../.."
[ -x "$B/bin/mbmapdoc" ] || { echo "FAIL: $B/bin/mbmapdoc not built"; exit 1; }
if ! out=$(diff -u docs/modbus-map.md <("$B/bin/mbmapdoc")); then
	echo "$out" | head -n 40
	echo "FAIL: docs/modbus-map.md differs from mbmapdoc's output: make docs/modbus-map.md"
	exit 1
fi
echo "modbus_doc: docs/modbus-map.md matches the tables ($(wc -l <docs/modbus-map.md) lines)"
