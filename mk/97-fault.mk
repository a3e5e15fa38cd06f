# SPDX-License-Identifier: GPL-2.0-or-later
# The fault-injection report (tests/fault/): every hazard at every layer on both
# board profiles, bmsd against bms-sim with a tap on the bridge link.
#   make fault-report   rebuild, run it, and write docs/fault-report.md
# make check runs the same suite (it fails when a row fails) without touching docs/.
INTEGRATION += tests/fault/fault_report.sh

.PHONY: fault-report
fault-report: all
	@FAULT_REPORT=docs/fault-report.md B=$(B) bash tests/fault/fault_report.sh
