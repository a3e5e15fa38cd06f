#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-debs.sh OUTDIR ARCH...: build the bmsd and bmsd-sim packages for each
# ARCH (amd64, arm64, armhf), and bmsd-firmware (Architecture: all) with the
# build machine's own, from the working tree; copy the .deb, .changes
# and .buildinfo files to OUTDIR and run lintian on them (any error or
# warning fails). mk/96-deb.mk runs it: make deb, make deb-ARCH.
#
# The build machine's own architecture builds here, against the build
# dependencies installed on it (make deps). Other architectures cross-build
# in a Debian 12 chroot made with mmdebstrap (DEB_CHROOT, default
# OUTDIR/chroot), which holds crossbuild-essential-ARCH and the :ARCH
# libraries through multiarch; the build machine's own package set stays as
# it is. DEB_CHROOT= (empty) cross-builds here instead, for a machine that
# has the foreign architectures and their libraries already.
#
# Each build runs in a copy of the tree (OUTDIR/ARCH/src), never in it. An
# architecture whose packages came from the same tree is not built again
# (DEB_FORCE=1 builds it all the same).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
chroot_dir=${DEB_CHROOT-$out/chroot}
host_arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
jobs=${DEB_JOBS:-$(nproc)}
NICE=${NICE:-nice -n 10}

say() { printf 'deb: %s\n' "$*"; }

# The build dependencies of packaging/debian/control, as package names
build_deps() {
	sed -n '/^Build-Depends:/,/^[A-Z]/p' "$top/packaging/debian/control" |
		sed -e 's/^Build-Depends://' -e '/^[A-Z]/d' | tr ',' '\n' |
		sed -e 's/[[:space:]]//g' -e 's/(.*//' -e '/^$/d' -e '/^debhelper/d' -e '/^dh-sequence-/d'
}

# mirror SUITE: the URI that the build machine's apt takes Debian's SUITE from
mirror() {
	apt-cache policy | awk -v s=" $1/main $host_arch " \
		'index($0, s) && $2 ~ /^[a-z]+:\/\// { print $2; exit }'
}

# The cross chroot, made again whenever control's build dependencies change.
ensure_chroot() {
	local want stamp="$chroot_dir/.bmsd-chroot" archs=amd64 inc a d uri
	want=$({ build_deps; printf '%s\n' "$@"; } | sort | md5sum | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi
	command -v mmdebstrap >/dev/null || {
		echo "deb: mmdebstrap is missing: make deps installs it" >&2
		exit 1
	}
	uri=$(mirror bookworm)
	[ -n "$uri" ] || { echo "deb: apt knows no Debian 12 (bookworm) mirror" >&2; exit 1; }
	inc=debhelper,dpkg-dev
	for a in "$@"; do
		archs="$archs,$a"
		inc="$inc,crossbuild-essential-$a"
		for d in $(build_deps); do
			inc="$inc,$d:$a"
		done
	done
	say "making the cross chroot $chroot_dir ($archs) from $uri"
	rm -rf "$chroot_dir"
	# bookworm and bookworm-updates only: the foreign architectures' libraries
	# must match the chroot's own, version for version
	$NICE mmdebstrap --quiet --mode=root --variant=buildd --architectures="$archs" \
		--include="$inc" bookworm "$chroot_dir" \
		"deb $uri bookworm main" "deb $uri bookworm-updates main"
	echo "$want" >"$stamp"
}

# the working tree as the packages see it: no .git, no build output
tree() {
	tar -C "$top" -c --sort=name --exclude=./.git --exclude=./build \
		--exclude='./build-*' --exclude=./debian "$@" .
}

# stage DIR: a copy of the working tree with packaging/debian as debian/
stage() {
	rm -rf "$1"
	mkdir -p "$1"
	tree | tar -C "$1" -x
	cp -rL "$top/packaging/debian" "$1/debian"
}

# up_to_date ARCH: the packages in OUTDIR came from this very tree
up_to_date() {
	local f
	[ "${DEB_FORCE:-0}" != 1 ] && [ -f "$out/.tree-$1" ] &&
		[ "$(cat "$out/.tree-$1")" = "$tree_sum" ] || return 1
	for f in $(cat "$out/.debs-$1"); do
		[ -f "$out/$f" ] || return 1
	done
}

build_one() {
	local arch=$1 root="" work start ms f
	if up_to_date "$arch"; then
		say "$arch: up to date ($(xargs <"$out/.debs-$arch"))"
		return 0
	fi
	rm -f "$out/.tree-$arch"
	if [ "$arch" = "$host_arch" ] || [ -z "$chroot_dir" ]; then
		work=$out/$arch
	else
		root=$chroot_dir
		work=$root/build/$arch
	fi
	stage "$work/src"
	# -b here; -B (no Architecture: all package) when cross-building
	local flags=(-b -us -uc)
	[ "$arch" = "$host_arch" ] || flags=(-B -us -uc -a"$arch")
	say "building $version for $arch${root:+ in $root}"
	start=$(date +%s%N)
	# nocheck: the package build runs no tests (make check does)
	if [ -n "$root" ]; then
		mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
		# never leave /proc mounted in build/ (make clean deletes the chroot)
		trap "umount '$root/proc' 2>/dev/null || true" EXIT
		if ! chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEB_BUILD_OPTIONS="nocheck parallel=$jobs" \
			$NICE sh -c "cd /build/$arch/src && dpkg-buildpackage ${flags[*]}" \
			>"$out/build-$arch.log" 2>&1; then
			umount "$root/proc" || true
			tail -n 30 "$out/build-$arch.log" >&2
			echo "deb: $arch: build failed, log: $out/build-$arch.log" >&2
			exit 1
		fi
		umount "$root/proc" || true
	else
		# nothing of a calling make (B=, -j, its jobserver) reaches debian/rules
		if ! (cd "$work/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u B \
			DEB_BUILD_OPTIONS="nocheck parallel=$jobs" \
			$NICE dpkg-buildpackage "${flags[@]}") >"$out/build-$arch.log" 2>&1; then
			tail -n 30 "$out/build-$arch.log" >&2
			echo "deb: $arch: build failed, log: $out/build-$arch.log" >&2
			exit 1
		fi
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	# the .changes names every file of this build, Architecture: all included
	local debs
	debs=$(sed -n '/^Files:/,/^[A-Z]/s/^ .* \([^ ]*\.deb\)$/\1/p' \
		"$work/bmsd_${version}_$arch.changes")
	rm -f "$out"/bmsd*_"$arch".deb "$out"/bmsd_*_"$arch".{changes,buildinfo}
	for f in $debs "bmsd_${version}_$arch.changes" "bmsd_${version}_$arch.buildinfo"; do
		cp "$work/$f" "$out"/
	done
	rm -rf "$work"
	printf 'deb: %s built in %d.%d s:' "$arch" $((ms / 1000)) $((ms % 1000 / 100))
	for f in $debs; do
		printf ' %s %s B' "$f" "$(stat -c %s "$out/$f")"
	done
	echo
	lint "$arch"
	echo "$debs" >"$out/.debs-$arch"
	echo "$tree_sum" >"$out/.tree-$arch"
}

lint() {
	local arch=$1 rep="$out/lintian-$1.txt"
	command -v lintian >/dev/null || {
		echo "deb: lintian is missing: make deps installs it" >&2
		exit 1
	}
	# --fail-on warning: an error or a warning fails; info and pedantic
	# tags are printed for a person to read
	if ! lintian --fail-on error,warning --display-info --tag-display-limit 0 \
		"$out/bmsd_${version}_$arch.changes" >"$rep" 2>"$rep.err"; then
		cat "$rep" "$rep.err" >&2
		echo "deb: $arch: lintian found errors or warnings ($rep)" >&2
		exit 1
	fi
	rm -f "$rep.err"
	say "$arch: lintian: no errors, no warnings$( [ -s "$rep" ] && printf ', %s info tags in %s' "$(wc -l <"$rep")" "$rep")"
}

tree_sum=$( { tree --mtime=@0 --owner=0 --group=0 --numeric-owner; cat "$top"/packaging/debian/*.sysusers "$top"/packaging/debian/*.udev; } | md5sum | cut -d' ' -f1)

# one chroot for every cross architecture, whichever is built first
cross=()
for a in arm64 armhf "$@"; do
	[ "$a" = "$host_arch" ] || [[ " ${cross[*]} " == *" $a "* ]] || cross+=("$a")
done
need_chroot=0
for a in "$@"; do
	[ "$a" = "$host_arch" ] || need_chroot=1
done
if [ $need_chroot = 1 ] && [ -n "$chroot_dir" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "deb: cross builds in a chroot need root" >&2; exit 1; }
	# one user of the chroot at a time (make -j deb)
	exec 9>"$out/.chroot.lock"
	flock 9
	ensure_chroot "${cross[@]}"
fi
for a in "$@"; do
	build_one "$a"
done
