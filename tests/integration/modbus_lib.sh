# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the Modbus scenarios (sourced after lib.sh).
MBCHECK="$(dirname "${BASH_SOURCE[0]}")/modbus_check.py"

# free_port: an unused TCP port on 127.0.0.1
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# mb_running NAME: bmsd of NAME running with its contactors closed and
# every board online
mb_running() {
	until_json "st $1" state running 150 || die "bmsd not running: $J"
	for _ in $(seq 100); do
		[ "$(jget "$(ctl "$T/$1/sim.sock" fw)" relays)" = 7 ] && break
		sleep 0.1
	done
	[ "$(jget "$(ctl "$T/$1/sim.sock" fw)" relays)" = 7 ] || die "contactors not closed"
	until_json "st $1" pack.boards_online 4 100 || die "boards not online: $J"
}

# mbpoll_regs ARGS...: mbpoll's register values, one per line
mbpoll_regs() {
	mbpoll "$@" 2>&1 | sed -n 's/^\[[0-9]*\]:[[:space:]]*//p'
}
