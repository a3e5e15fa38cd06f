#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fault-injection report (docs/fault-report.md): every hazard at every
# layer (MCU floor, bmsd, CAN1, CAN2, Modbus) on both board profiles, bmsd
# against bms-sim with a tap on the bridge link; tests/fault/fault_report.py
# drives one profile, fault_table.py prints the one table. The two profiles
# run side by side (FAULT_SERIAL=1: one after the other). FAULT_REPORT=FILE
# also writes the Markdown report there (make fault-report: docs/fault-report.md);
# FAULT_ONLY=word,word runs only the hazards whose names contain a word.
# Exit 0: every row passes; 1: a row failed (the table is printed either way);
# 77: /usr/bin/python3 is missing.
set -u
cd "$(dirname "$0")/../.."
export B=${B:-build}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: no $PY"; exit 77; }
for p in bmsd bms-sim bmsctl; do
	[ -x "$B/bin/$p" ] || { echo "FAIL: $B/bin/$p is not built (make all)"; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/fault-report.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
only=()
[ -n "${FAULT_ONLY:-}" ] && only=(--only "$FAULT_ONLY")
for prof in main-2r main-2.1; do
	$PY tests/fault/fault_report.py --profile "$prof" --out "$T/$prof.json" "${only[@]}" \
		>"$T/$prof.log" 2>&1 &
	pids+=($!)
	if [ "${FAULT_SERIAL:-0}" = 1 ]; then
		wait "${pids[-1]}"
	fi
done
wait "${pids[@]}"
pids=()
for prof in main-2r main-2.1; do
	echo "--- $prof: the run's log"
	cat "$T/$prof.log"
done
echo
md=()
[ -n "${FAULT_REPORT:-}" ] && md=(--md "$FAULT_REPORT")
$PY tests/fault/fault_table.py "${md[@]}" --seconds $((SECONDS - start)) \
	"$T/main-2r.json" "$T/main-2.1.json"
