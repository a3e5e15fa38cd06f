#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The amd64 packages and bmsd-firmware (make deb-amd64, reused when nothing
# changed) install
# on this machine with dpkg -i: the bmsd user and groups exist, the unit is
# enabled and not started, /etc/bmsd/bmsd.yaml is a conffile that keeps a
# local change, bmsd --check-config accepts every shipped configuration (as
# the bmsd user), and the installed unit verifies. Then remove keeps the
# configuration and the event log, and purge leaves nothing of the package
# but the bmsd user and group, which Debian keeps.
# The package build starts from scratch, which takes 15 minutes and more on a
# loaded host (make check-loaded): the hang guard of run-integration.sh is
# raised for this scenario alone.
# it-guard-s: 2400
set -u
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: dpkg -i needs root, and this runs as $(id -un)"
	exit 77
fi
arch=$(dpkg --print-architecture)
ver=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)

# A bmsd that someone configured and ran here is theirs: leave it alone.
if dpkg-query -W -f='${db:Status-Status}' bmsd 2>/dev/null | grep -qx installed &&
	{ ! cmp -s /etc/bmsd/bmsd.yaml etc/bmsd.yaml || [ -n "$(ls -A /var/lib/bmsd 2>/dev/null)" ]; }; then
	echo "SKIP: a configured bmsd package is installed on this machine; not replacing it"
	exit 77
fi

start=$SECONDS
make --no-print-directory B="$B" deb-amd64 >"$T/deb.log" 2>&1 || {
	cat "$T/deb.log" >&2
	die "make deb-amd64 failed"
}
debs=("$B/deb/bmsd_${ver}_$arch.deb" "$B/deb/bmsd-sim_${ver}_$arch.deb" "$B/deb/bmsd-firmware_${ver}_all.deb")
pkgs=(bmsd bmsd-sim bmsd-firmware)
for d in "${debs[@]}"; do
	[ -f "$d" ] || die "$d missing after make deb-amd64"
done
build_s=$((SECONDS - start))
files=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }')

# --- install
start=$SECONDS
dpkg -i "${debs[@]}" >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; die "dpkg -i failed"; }
inst_s=$((SECONDS - start))
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status} ${Version}' $p)" = "installed $ver" ] ||
		die "$p is not installed at $ver"
done
for f in $files; do
	[ -e "$f" ] || die "$f not on disk after install"
done

# user and groups
pw=$(getent passwd bmsd) || die "no bmsd user"
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
[ "$uid" -lt 1000 ] || die "bmsd is not a system user: $pw"
[ "$home" = /var/lib/bmsd ] && [[ "$shell" == */nologin ]] || die "bmsd user: $pw"
[ "$(getent group bmsd | cut -d: -f3)" = "$gid" ] || die "no bmsd group of gid $gid"
for g in dialout gpio; do
	getent group "$g" >/dev/null || die "no group $g for SupplementaryGroups="
done

# unit enabled, not started
[ "$(readlink /etc/systemd/system/multi-user.target.wants/bmsd.service)" = /lib/systemd/system/bmsd.service ] ||
	die "bmsd.service is not enabled"
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" != /usr/sbin/bmsd ] || die "the package started bmsd (pid ${p#/proc/})"
done
out=$(systemd-analyze verify /lib/systemd/system/bmsd.service 2>&1) && [ -z "$out" ] ||
	die "installed unit: systemd-analyze verify: $out"

# every program that the unit runs comes from bmsd itself, from an essential
# package, or from a package that bmsd's Depends names
deps=$(dpkg-query -W -f='${Depends}' bmsd | tr ',' '\n' | sed 's/^ *//; s/[ (].*//')
for exe in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' /lib/systemd/system/bmsd.service); do
	owner=$(dpkg -S "$exe" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$owner" ] || owner=$(dpkg -S "$(readlink -f "$exe")" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$owner" ] || die "the unit runs $exe, which no package ships"
	[ "$owner" = bmsd ] && continue
	[ "$(dpkg-query -W -f='${Essential}' "$owner")" = yes ] && continue
	grep -qx "$owner" <<<"$deps" || die "the unit runs $exe from $owner, which bmsd's Depends does not name ($deps)"
done

# the conffile, as shipped
dpkg-query -W -f='${Conffiles}\n' bmsd | grep -q '^ /etc/bmsd/bmsd.yaml ' ||
	die "/etc/bmsd/bmsd.yaml is not a conffile"
cmp -s /etc/bmsd/bmsd.yaml etc/bmsd.yaml || die "/etc/bmsd/bmsd.yaml is not etc/bmsd.yaml"

# every shipped configuration checks, read by the service user
n=0
for c in /etc/bmsd/bmsd.yaml /usr/share/bmsd/examples/*.yaml; do
	runuser -u bmsd -- /usr/sbin/bmsd --check-config "$c" >"$T/check.log" 2>&1 ||
		die "bmsd --check-config $c: $(cat "$T/check.log")"
	n=$((n + 1))
done
[ $n -ge 4 ] || die "only $n configurations shipped"
v=$(/usr/sbin/bmsd --version) || die "bmsd --version failed"
[[ "$v" == "bmsd $ver "* ]] || die "bmsd --version says '$v', the package is $ver"
/usr/bin/bmsctl --help >/dev/null 2>&1 || die "bmsctl --help failed"
/usr/bin/bms-sim --help >/dev/null 2>&1 || die "bms-sim --help failed"
# bms-flash takes the installed image by default, and finds it valid
/usr/sbin/bms-flash --dry-run --no-gpio --tty /dev/null >"$T/flash.log" 2>&1 ||
	die "bms-flash --dry-run: $(cat "$T/flash.log")"
grep -q '^bms-flash: image /usr/sbin/../lib/bmsd/firmware/bms-bridge.bin, ' "$T/flash.log" ||
	die "bms-flash did not check the installed image: $(cat "$T/flash.log")"
for m in bmsd.8 bmsd.yaml.5 bmsctl.1 bms-sim.1 bms-flash.8; do
	[ -f "/usr/share/man/man${m##*.}/$m.gz" ] || die "man page $m not installed"
done

# a local change to the conffile survives a reinstall
echo "# local change" >>/etc/bmsd/bmsd.yaml
dpkg -i "${debs[0]}" >"$T/reinstall.log" 2>&1 </dev/null || { cat "$T/reinstall.log" >&2; die "reinstall failed"; }
tail -n 1 /etc/bmsd/bmsd.yaml | grep -qx '# local change' || die "reinstall lost the local change to the conffile"

# --- remove: configuration and event log stay
install -d -o bmsd -g bmsd -m 0750 /var/lib/bmsd
echo test >/var/lib/bmsd/events-test
dpkg -r "${pkgs[@]}" >"$T/remove.log" 2>&1 || { cat "$T/remove.log" >&2; die "dpkg -r failed"; }
[ -e /usr/sbin/bmsd ] && die "/usr/sbin/bmsd still there after remove"
[ -f /etc/bmsd/bmsd.yaml ] || die "remove took the conffile"
[ -f /var/lib/bmsd/events-test ] || die "remove took /var/lib/bmsd"

# --- purge: nothing left but the user
dpkg --purge "${pkgs[@]}" >"$T/purge.log" 2>&1 || { cat "$T/purge.log" >&2; die "dpkg --purge failed"; }
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' $p 2>/dev/null)
	[ -z "$st" ] || [ "$st" = not-installed ] || die "$p: status '$st' after purge"
done
for f in $files /etc/bmsd /var/lib/bmsd /etc/systemd/system/multi-user.target.wants/bmsd.service; do
	[ -e "$f" ] || [ -L "$f" ] && die "$f left after purge"
done
getent passwd bmsd >/dev/null || die "purge removed the bmsd user (Debian keeps system users)"

echo "pkg_install: bmsd $ver $arch (make deb-amd64 ${build_s}s, dpkg -i ${inst_s}s): user bmsd (uid $uid), unit enabled and not started, conffile kept, $n configs valid; removed and purged clean, the bmsd user kept"
