#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# setup.sh: prepare, once, what the VM tests boot, in a cache outside the
# repository keyed by the kernel version (a new kernel is a new entry):
#   - Debian's stock kernel (the package that linux-image-amd64 depends on),
#     its uncompressed vmlinux, and the modules the guest loads;
#   - gpio-sim, built out of tree from Debian's linux-source-6.1 against
#     linux-headers-<kver> (Debian builds its kernel without CONFIG_GPIO_SIM);
#   - a busybox-static initramfs whose /init is tests/vm/init.
#
# Environment: BMSD_VM_CACHE (default /var/cache/bmsd-vm, or
# ~/.cache/bmsd-vm when that is not writable), BMSD_VM_KVER (force a kernel
# version that the cache or the archive has), BMSD_VM_QEMU (the QEMU binary).
#
# Prints the prepared directory on its last line of standard output. Exit
# status: 0 ready, 77 the VM cannot be had here (no QEMU, no kernel package;
# the reason on standard error), anything else a failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# the guest's modules; modprobe adds what they depend on. sch_netem lets a
# scenario lose or delay frames on a vcan.
MODULES=(virtio_pci 9pnet_virtio 9p configfs can can_raw can_dev vcan sch_netem)
# vcan echoes a frame only once it has passed the interface's queue, as a
# real controller does (and so a qdisc such as netem sees every frame)
declare -A MODPARAMS=([vcan.ko]="echo=1")
LAYOUT=2 # bump when the layout of a prepared directory changes

t_start=$(date +%s%N)
say() { printf 'vm-setup: %s\n' "$*" >&2; }
elapsed() { echo $((($(date +%s%N) - t_start) / 1000000)); }
skip() {
	say "cannot prepare the VM: $*"
	echo "skip: $*" >&2
	exit 77
}
die() {
	say "FAILED: $*"
	exit 1
}

QEMU=${BMSD_VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || skip "$QEMU not installed (Debian: qemu-system-x86)"
for t in depmod modprobe xz make gcc od; do
	command -v "$t" >/dev/null || die "$t not found (make deps installs it)"
done
BUSYBOX=/bin/busybox
[ -x $BUSYBOX ] && ! LC_ALL=C readelf -d $BUSYBOX 2>/dev/null | grep -q NEEDED ||
	die "$BUSYBOX missing or not static (Debian: busybox-static)"

# ---- the cache ---------------------------------------------------------------
CACHE=${BMSD_VM_CACHE:-/var/cache/bmsd-vm}
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	[ -n "${BMSD_VM_CACHE:-}" ] && die "cache $CACHE is not writable"
	CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/bmsd-vm
	mkdir -p "$CACHE"
fi
exec 9>"$CACHE/.lock"
flock 9

is_root() { [ "$(id -u)" -eq 0 ]; }
# apt-get as root drops to _apt, which cannot write into our cache
APT_OPTS=(-q -o APT::Sandbox::User=root)

# ---- which kernel --------------------------------------------------------------
image_dep() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { sub(/^linux-image-/, "", $2); print $2; exit }'
}
newest_cached() {
	local d
	d=$(ls -1t "$CACHE"/k-*/.done 2>/dev/null | head -n 1)
	[ -n "$d" ] && basename "$(dirname "$d")" | sed 's/^k-//'
}
kver=${BMSD_VM_KVER:-}
if [ -z "$kver" ]; then
	kver=$(image_dep)
	if [ -z "$kver" ] && is_root; then
		say "apt knows no linux-image-amd64; apt-get update"
		apt-get update -qq >&2 || true
		kver=$(image_dep)
	fi
	[ -n "$kver" ] || kver=$(newest_cached)
	[ -n "$kver" ] || skip "no kernel package: apt knows no linux-image-amd64 and nothing is cached"
fi
K=$CACHE/k-$kver

# ---- the kernel, its modules and gpio-sim (once per kernel version) ------------
prepare_kernel() {
	local w=$K.tmp deb src mods m
	rm -rf "$w"
	mkdir -p "$w/dl" "$w/root" "$w/gpio-sim"
	chmod 0755 "$w" "$w/dl"

	say "downloading linux-image-$kver$([ -e /usr/src/linux-source-6.1.tar.xz ] || echo ' and linux-source-6.1')"
	(cd "$w/dl" && apt-get "${APT_OPTS[@]}" download "linux-image-$kver" >/dev/null 2>"$w/dl/err") ||
		skip "apt-get download linux-image-$kver failed: $(grep -m1 '^E:' "$w/dl/err" || tail -n1 "$w/dl/err")"
	# the source downloads while the headers install
	src=/usr/src/linux-source-6.1.tar.xz
	local src_pid=
	if [ ! -e $src ]; then
		(cd "$w/dl" && apt-get "${APT_OPTS[@]}" download linux-source-6.1 >/dev/null 2>"$w/dl/src-err") &
		src_pid=$!
		src=
	fi
	deb=$(ls "$w"/dl/linux-image-*.deb)

	# headers: packaged for the exact ABI; nothing else builds a module for it
	if [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
		is_root || die "linux-headers-$kver is not installed; run 'make vm-setup' as root once"
		say "installing linux-headers-$kver"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"linux-headers-$kver" >/dev/null 2>"$w/dl/hdr-err" ||
			die "cannot install linux-headers-$kver: $(grep -m1 "^E:" "$w/dl/hdr-err")"
	fi
	if [ -n "$src_pid" ]; then
		wait "$src_pid" || die "apt-get download linux-source-6.1 failed: $(tail -n1 "$w/dl/src-err")"
	fi
	say "downloaded at $(elapsed) ms"

	# The image and the source unpack in parallel: both are mostly xz.
	# The boot files and the module trees where the guest's modules and
	# what they depend on live (each pattern matches in any 6.x image).
	(
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$w/root" --wildcards './boot/*' \
			'./lib/modules/*/modules.*' './lib/modules/*/kernel/net/*' \
			'./lib/modules/*/kernel/fs/*' './lib/modules/*/kernel/lib/*' \
			'./lib/modules/*/kernel/crypto/*' './lib/modules/*/kernel/drivers/net/can/*' \
			'./lib/modules/*/kernel/drivers/virtio/*'
	) &
	local img_pid=$!
	# gpio-sim.c and its private gpiolib.h; irq_sim.c because the stock
	# kernel lacks CONFIG_IRQ_SIM. --occurrence stops reading once found.
	local members=(linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h
		linux-source-6.1/kernel/irq/irq_sim.c)
	if [ -z "$src" ]; then
		dpkg-deb --fsys-tarfile "$w"/dl/linux-source-6.1_*.deb |
			tar -xO ./usr/src/linux-source-6.1.tar.xz >"$w/dl/src.tar.xz"
		src=$w/dl/src.tar.xz
	fi
	xz -T0 -dc "$src" 2>/dev/null | tar -x -C "$w" --occurrence=1 "${members[@]}" ||
		[ -e "$w/linux-source-6.1/kernel/irq/irq_sim.c" ] ||
		die "gpio-sim sources not found in $src"
	wait $img_pid || die "cannot unpack $deb"
	rm -rf "$w/dl"
	say "unpacked at $(elapsed) ms"

	# gpio-sim as one out-of-tree module. irq_to_desc() is not exported to
	# modules, so the simulated interrupt is raised by number instead.
	local s=$w/linux-source-6.1 g=$w/gpio-sim
	cp "$s/drivers/gpio/gpio-sim.c" "$g/gpio-sim-main.c"
	cp "$s/drivers/gpio/gpiolib.h" "$g/"
	sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' \
		"$s/kernel/irq/irq_sim.c" >"$g/irq_sim.c"
	grep -q 'generic_handle_irq(irqnum);' "$g/irq_sim.c" || die "irq_sim.c: the expected line to patch is gone"
	printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' >"$g/Kbuild"
	make -s -C "/lib/modules/$kver/build" M="$g" -j"$(nproc)" modules >"$g/build.log" 2>&1 ||
		die "gpio-sim build failed: $(tail -n 20 "$g/build.log")"
	strip --strip-debug "$g/gpio-sim.ko"
	rm -rf "$s"
	say "gpio-sim built at $(elapsed) ms"

	# vmlinux from the bzImage: setup sectors, then the payload that the
	# boot header locates (payload_offset/length, boot protocol >= 2.08)
	local bz sects off len start
	bz=$(ls "$w"/root/boot/vmlinuz-*)
	[ "$(od -An -c -j 0x202 -N4 "$bz" | tr -d ' ')" = HdrS ] || die "$bz: no boot header"
	sects=$(od -An -tu1 -j 0x1f1 -N1 "$bz" | tr -d ' ')
	[ "$sects" -eq 0 ] && sects=4
	off=$(od -An -tu4 -j 0x248 -N4 "$bz" | tr -d ' ')
	len=$(od -An -tu4 -j 0x24c -N4 "$bz" | tr -d ' ')
	start=$(((sects + 1) * 512 + off))
	dd if="$bz" of="$w/payload" iflag=skip_bytes,count_bytes skip=$start count="$len" status=none
	case $(od -An -tx1 -N4 "$w/payload" | tr -d ' ') in
	fd377a58) xz -dc --single-stream "$w/payload" >"$w/vmlinux" ;;
	1f8b*) gzip -dc "$w/payload" >"$w/vmlinux" 2>/dev/null || true ;;
	28b52ffd) zstd -dcq "$w/payload" >"$w/vmlinux" 2>/dev/null || true ;;
	*) die "$bz: unknown payload compression" ;;
	esac
	rm -f "$w/payload"
	[ "$(od -An -tx1 -N4 "$w/vmlinux" | tr -d ' ')" = 7f454c46 ] || die "$bz: vmlinux did not decompress to ELF"
	say "vmlinux extracted at $(elapsed) ms"

	# module load order from modprobe over the unpacked tree
	depmod -b "$w/root" "$kver"
	mkdir -p "$w/modules"
	: >"$w/modules.load"
	for m in "${MODULES[@]}"; do
		modprobe -d "$w/root" -S "$kver" --show-depends "$m" ||
			die "module $m not found in linux-image-$kver"
	done | awk '$1 == "insmod" { print $2 }' | while read -r mods; do
		m=$(basename "$mods")
		grep -qx "$m" "$w/modules.load" && continue
		cp "$mods" "$w/modules/$m"
		echo "$m" >>"$w/modules.load"
	done
	cp "$g/gpio-sim.ko" "$w/modules/"
	echo gpio-sim.ko >>"$w/modules.load"
	cp "$w"/root/boot/config-* "$w/config"
	rm -rf "$w/root" "$g"
	echo "$kver" >"$w/kver"
	echo "$LAYOUT" >"$w/.done"
	rm -rf "$K"
	mv "$w" "$K"
}

if [ "$(cat "$K/.done" 2>/dev/null)" != "$LAYOUT" ]; then
	say "preparing kernel $kver in $K"
	prepare_kernel
	say "kernel $kver ready in $(elapsed) ms"
	# keep the two newest kernels
	ls -1dt "$CACHE"/k-*/ | tail -n +3 | while read -r d; do rm -rf "$d"; done
fi

# ---- the initramfs (cheap; rebuilt whenever init or the modules change) -------
load=$(while read -r m; do echo "$m ${MODPARAMS[$m]:-}"; done <"$K/modules.load")
sum=$(echo "$load" | cat "$here/init" - "$BUSYBOX" | sha256sum | cut -c1-16)
if [ ! -e "$K/initramfs-$sum.cpio" ]; then
	r=$K/initramfs.tmp
	rm -rf "$r"
	mkdir -p "$r"/{bin,dev,proc,sys,mnt/root,lib/modules}
	cp $BUSYBOX "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	cp "$here/init" "$r/init"
	chmod 0755 "$r/init"
	cp "$K"/modules/*.ko "$r/lib/modules/"
	echo "$load" >"$r/lib/modules/modules.load"
	(cd "$r" && find . | LC_ALL=C sort | $BUSYBOX cpio -o -H newc 2>/dev/null) >"$K/initramfs-$sum.tmp"
	rm -f "$K"/initramfs-*.cpio
	mv "$K/initramfs-$sum.tmp" "$K/initramfs-$sum.cpio"
	ln -sfn "initramfs-$sum.cpio" "$K/initramfs.cpio"
	rm -rf "$r"
fi
say "ready: $K ($(elapsed) ms)"
echo "$K"
