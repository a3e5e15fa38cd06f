#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh: install, from Debian 12, whatever of the build and test set is
# missing. Idempotent; does nothing (and needs no root) when all is there.
set -eu
pkgs=(
	build-essential pkg-config
	libsocketcan-dev libmodbus-dev libgpiod-dev libsystemd-dev libyaml-dev
	libcunit1-dev
	valgrind clang
	python3 python3-can python3-serial python3-pymodbus
	socat can-utils mbpoll
	gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm stm32flash
	groff-base man-db
	debhelper lintian systemd mmdebstrap arch-test gpiod strace
	qemu-system-x86 busybox-static kmod iproute2
)
missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
