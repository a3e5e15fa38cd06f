#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/firmware.md maps every connector, jumper and LED of both board
# profiles (and so of both manuals) to the MCU: each must appear, as a table
# cell, in its board's section of the pin map.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
doc=docs/firmware.md
section() { # TITLE: the lines of "### TITLE" up to the next heading
	awk -v t="### $1" '$0 == t { f = 1; next } /^#/ { f = 0 } f' "$doc"
}
section "BMS Main 2R" >"$T/main-2r"
section "BMS Main 2.1" >"$T/main-2.1"
[ -s "$T/main-2r" ] && [ -s "$T/main-2.1" ] || die "$doc lacks a pin-map section per board"
n=0
while read -r board conn; do
	grep -Eq "(^|[|(, ])\`?$conn\`?([ |,;)]|$)" "$T/$board" ||
		die "$doc: connector $conn of $board is not in its pin map"
	n=$((n + 1))
done < <($B/bin/cfgdoc --connectors)
[ $n -ge 40 ] || die "only $n connectors listed by the profiles"
echo "pinmap_docs: all $n connectors, jumpers and LEDs of both profiles are in the pin map"
