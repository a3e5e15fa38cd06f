#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bmsctl from the outside: bad usage exits 64 with the usage on stderr,
# every command's --help, check-config on good and bad files (text and
# JSON), events on a log written by evlog-torture (plain, -n, --since,
# --json, --follow), exit 2 when nothing listens, and status, watch and
# reset-faults against a stand-in daemon that speaks the control protocol.
set -u
. "$(dirname "$0")/lib.sh"

BMSCTL=$B/bin/bmsctl
TORTURE=$B/bin/evlog-torture
[ -x "$BMSCTL" ] || die "$BMSCTL not built"
checks=0
notes=()

# run EXPECTED_STATUS CMD...: stdout in $T/out, stderr in $T/err
run() {
	local want=$1 st
	shift
	"$@" >"$T/out" 2>"$T/err"
	st=$?
	[ "$st" -eq "$want" ] || {
		sed 's/^/  stdout: /' "$T/out"
		sed 's/^/  stderr: /' "$T/err"
		die "'$*' exited $st, not $want"
	}
	checks=$((checks + 1))
}

has() {
	grep -q -- "$2" "$1" || die "$1 lacks '$2': $(head -c 400 "$1")"
}

json_ok() {
	$PY -m json.tool "$@" >/dev/null || die "not valid JSON: $(head -c 400 "${@: -1}")"
}

# ---- bad usage: 64, usage on stderr, nothing on stdout ----
usage_cases=(
	""
	"frob"
	"--bogus status"
	"-x status"
	"-s"
	"status extra"
	"status --bogus"
	"status --json=1"
	"watch now"
	"reset-faults all"
	"check-config"
	"check-config a.yaml b.yaml"
	"check-config --frob a.yaml"
	"events -n"
	"events -n abc"
	"events -n -3"
	"events -n 99999999"
	"events --since yesterday"
	"events --since 2026-13-01"
	"events --since -5y"
	"events stray"
	"help frob"
	"help status watch"
	"version 2"
)
for args in "${usage_cases[@]}"; do
	# shellcheck disable=SC2086
	run 64 "$BMSCTL" $args
	has "$T/err" "Usage: bmsctl"
	has "$T/err" "^bmsctl: "
	[ -s "$T/out" ] && die "'bmsctl $args' wrote to stdout"
done

# ---- help ----
for h in "-h" "--help" "help"; do
	run 0 "$BMSCTL" $h
	has "$T/out" "^Usage: bmsctl"
	for c in status watch events check-config reset-faults help version; do
		has "$T/out" "^  $c"
	done
	has "$T/out" "Exit status"
done
for c in status watch events check-config reset-faults help version; do
	run 0 "$BMSCTL" "$c" --help
	has "$T/out" "^Usage: bmsctl $c"
	run 0 "$BMSCTL" "$c" -h
	has "$T/out" "^Usage: bmsctl $c"
	run 0 "$BMSCTL" help "$c"
	has "$T/out" "^Usage: bmsctl $c"
done
has "$T/out" "bmsctl version"
run 0 "$BMSCTL" version
grep -Eq '^bmsctl [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || die "version: $(cat "$T/out")"
run 0 "$BMSCTL" --json version
json_ok "$T/out"
run 0 "$BMSCTL" version --json
json_ok "$T/out"

# ---- check-config ----
good=()
corpus=(tests/cfg/good/*.yaml)
for f in etc/bmsd-demo.yaml etc/bmsd*.yaml "${corpus[@]:0:3}"; do
	[ -f "$f" ] && good+=("$f")
done
bad=()
for f in tests/cfg/bad/*.yaml; do
	[ -f "$f" ] && bad+=("$f")
done
if [ ${#good[@]} -eq 0 ]; then
	notes+=("no etc/bmsd*.yaml nor tests/cfg/good/*.yaml: good-file check skipped")
fi
for f in $(printf '%s\n' "${good[@]}" | sort -u); do
	run 0 "$BMSCTL" check-config "$f"
	[ "$(cat "$T/out")" = "$f: ok" ] || die "check-config $f: $(cat "$T/out")"
	run 0 "$BMSCTL" check-config "$f" --json
	json_ok "$T/out"
	$PY - "$T/out" "$f" <<'PYEOF' || die "check-config --json $f: $(cat "$T/out")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o == {"file": sys.argv[2], "valid": True, "error": None, "line": None, "col": None}, o
PYEOF
done
if [ ${#bad[@]} -eq 0 ]; then
	notes+=("no tests/cfg/bad/*.yaml: bad-file check done on a file of our own")
	printf 'board: main-2.1\nno_such_key_here: 1\n' >"$T/bad.yaml"
	bad=("$T/bad.yaml")
fi
for f in "${bad[@]}"; do
	run 1 "$BMSCTL" check-config "$f"
	[ -s "$T/out" ] && die "check-config $f (bad) wrote to stdout"
	has "$T/err" "^$f:"
	run 1 "$BMSCTL" check-config --json "$f"
	json_ok "$T/out"
	$PY - "$T/out" "$f" <<'PYEOF' || die "check-config --json $f: $(cat "$T/out")"
import json, sys
o = json.load(open(sys.argv[1]))
assert set(o) == {"file", "valid", "error", "line", "col"}, o
assert o["file"] == sys.argv[2] and o["valid"] is False, o
assert isinstance(o["error"], str) and o["error"].startswith(sys.argv[2] + ":"), o
if o["line"] is not None:
    assert o["line"] >= 1 and o["col"] >= 1, o
    assert o["error"].startswith("%s:%d:%d:" % (sys.argv[2], o["line"], o["col"])), o
PYEOF
done
run 1 "$BMSCTL" check-config "$T/missing.yaml"
has "$T/err" "$T/missing.yaml"
run 1 "$BMSCTL" --json check-config "$T/missing.yaml"
json_ok "$T/out"

# ---- events ----
if [ -x "$TORTURE" ]; then
	ev=$T/ev
	mkdir "$ev"
	"$TORTURE" --count 20 "$ev" >/dev/null 2>&1 || die "evlog-torture could not write"
	run 0 "$BMSCTL" events -d "$ev"
	[ "$(wc -l <"$T/out")" -eq 20 ] || die "events: $(wc -l <"$T/out") lines, not 20"
	grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}  (emerg|alert|crit|err|warning|notice|info|debug) *  *[0-9]+  ' \
		"$T/out" && die "events: a line out of format: $(head -n 3 "$T/out")"
	run 0 "$BMSCTL" --json events --dir "$ev"
	[ "$(wc -l <"$T/out")" -eq 20 ] || die "events --json: not 20 lines"
	json_ok --json-lines "$T/out"
	run 0 "$BMSCTL" events -d "$ev" -n 5 --json
	$PY - "$T/out" <<'PYEOF' || die "events -n 5: $(cat "$T/out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["seq"] for r in recs] == [16, 17, 18, 19, 20], recs
for r in recs:
    assert set(r) == {"seq", "time", "realtime_us", "mono_us", "prio", "code", "text"}, r
    assert r["time"].endswith("Z") and r["prio"] in ("emerg", "alert", "crit", "err",
        "warning", "notice", "info", "debug"), r
PYEOF
	run 0 "$BMSCTL" events -d "$ev" -n 0
	[ -s "$T/out" ] && die "events -n 0 printed records"
	run 0 "$BMSCTL" events -d "$ev" --since @9999999999
	[ -s "$T/out" ] && die "events --since (future) printed records"
	run 0 "$BMSCTL" events -d "$ev" --since "1990-01-01 00:00"
	[ "$(wc -l <"$T/out")" -eq 20 ] || die "events --since 1990: not 20 lines"
	mkdir "$T/empty"
	run 0 "$BMSCTL" events -d "$T/empty"
	[ -s "$T/out" ] && die "events on an empty directory printed something"
	run 1 "$BMSCTL" events -d "$T/nonexistent"
	has "$T/err" "cannot read the event log in $T/nonexistent"
	# --follow: records appended later show up; SIGINT ends it with 0
	"$BMSCTL" events -d "$ev" -n 2 -f --json >"$T/follow" 2>"$T/follow.err" &
	fpid=$!
	PIDS+=("$fpid")
	sleep 0.3
	"$TORTURE" --count 3 "$ev" >/dev/null 2>&1 || die "evlog-torture could not append"
	for _ in $(seq 40); do
		[ "$(wc -l <"$T/follow")" -ge 5 ] && break
		sleep 0.1
	done
	kill -INT "$fpid"
	wait "$fpid"
	st=$?
	[ "$st" -eq 0 ] || die "events -f: exit $st after SIGINT"
	$PY - "$T/follow" <<'PYEOF' || die "events -f: $(cat "$T/follow")"
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1])]
assert seqs == [19, 20, 21, 22, 23], seqs
PYEOF
	checks=$((checks + 1))
else
	notes+=("$TORTURE not built: events checks skipped")
fi

# ---- nobody listening: 2 ----
for c in status watch reset-faults; do
	run 2 "$BMSCTL" -s "$T/none.sock" "$c"
	[ "$(cat "$T/err")" = "bmsctl: cannot connect to $T/none.sock: No such file or directory (is bmsd running?)" ] ||
		die "$c: $(cat "$T/err")"
done
BMSD_SOCKET=$T/env.sock run 2 "$BMSCTL" status
has "$T/err" "cannot connect to $T/env.sock"
: >"$T/plain-file"
run 2 "$BMSCTL" status --socket "$T/plain-file"
has "$T/err" "(is bmsd running?)"

# ---- a stand-in daemon ----
cat >"$T/fake.py" <<'PYEOF'
import os, socket, sys, threading, time
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)

def serve(c):
    f = c.makefile("rb")
    req = f.readline().decode().rstrip("\n")
    with open(path + ".log", "a") as log:
        log.write(req + "\n")
    try:
        if mode == "error":
            c.sendall(b"! no pack model yet\n")
        elif mode == "cut":
            c.sendall(b"link up\n")
        elif req == "status":
            c.sendall(b"link      up\nstate     ready\n.\n")
        elif req == "status json":
            c.sendall(b'{"link":"up","state":"ready"}\n.\n')
        elif req == "reset-faults":
            c.sendall(b"2 faults cleared\n.\n")
        elif req in ("watch", "watch json"):
            n = 0
            while True:
                n += 1
                if req == "watch":
                    c.sendall(b"update %d\nline two\n.\n" % n)
                else:
                    c.sendall(b'{"n":%d}\n.\n' % n)
                time.sleep(0.1)
        else:
            c.sendall(b"! unknown command '%s'; try 'help'\n" % req.split(" ")[0].encode())
    except OSError:
        pass
    c.close()

while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF
fake() {
	$PY "$T/fake.py" "$T/$1.sock" "$1" &
	PIDS+=($!)
	wait_sock "$T/$1.sock"
}
fake ok
fake error
fake cut

run 0 "$BMSCTL" -s "$T/ok.sock" status
[ "$(cat "$T/out")" = "$(printf 'link      up\nstate     ready')" ] || die "status: $(cat "$T/out")"
run 0 "$BMSCTL" status --json -s "$T/ok.sock"
json_ok "$T/out"
BMSD_SOCKET=$T/ok.sock run 0 "$BMSCTL" reset-faults
[ "$(cat "$T/out")" = "2 faults cleared" ] || die "reset-faults: $(cat "$T/out")"
BMSD_SOCKET=$T/ok.sock run 0 "$BMSCTL" reset-faults --json
json_ok "$T/out"
has "$T/out" '"ok":true'
# -s wins over the environment
BMSD_SOCKET=$T/none.sock run 0 "$BMSCTL" -s "$T/ok.sock" status
for c in status watch reset-faults; do
	run 1 "$BMSCTL" -s "$T/error.sock" "$c"
	[ "$(cat "$T/err")" = "bmsctl: no pack model yet" ] || die "$c error reply: $(cat "$T/err")"
	run 2 "$BMSCTL" -s "$T/cut.sock" "$c"
	has "$T/err" "closed the connection"
done

# watch without a terminal: updates separated by blank lines; SIGINT: 0
"$BMSCTL" -s "$T/ok.sock" watch >"$T/watch" 2>&1 &
wpid=$!
PIDS+=("$wpid")
sleep 0.5
kill -INT "$wpid"
wait "$wpid"
st=$?
[ "$st" -eq 0 ] || die "watch: exit $st after SIGINT"
$PY - "$T/watch" <<'PYEOF' || die "watch output: $(head -n 12 "$T/watch")"
import sys
blocks = open(sys.argv[1]).read().split("\n\n")
full = [b for b in blocks[:-1]]
assert len(full) >= 3, blocks
for i, b in enumerate(full):
    assert b == "update %d\nline two" % (i + 1), (i, b)
PYEOF
"$BMSCTL" -s "$T/ok.sock" --json watch >"$T/watch" 2>&1 &
wpid=$!
PIDS+=("$wpid")
sleep 0.5
kill -TERM "$wpid"
wait "$wpid"
st=$?
[ "$st" -eq 0 ] || die "watch --json: exit $st after SIGTERM"
json_ok --json-lines "$T/watch"
[ "$(wc -l <"$T/watch")" -ge 3 ] || die "watch --json: $(cat "$T/watch")"
checks=$((checks + 2))
# on a terminal: the screen is redrawn in place
if command -v script >/dev/null; then
	timeout -s INT 1 script -qfec "$BMSCTL -s $T/ok.sock watch" /dev/null >"$T/tty" 2>&1
	grep -q $'\e\[H' "$T/tty" || die "watch on a terminal: no cursor-home sequence"
	grep -q $'\e\[J' "$T/tty" || die "watch on a terminal: no clear sequence"
	checks=$((checks + 1))
else
	notes+=("script(1) missing: terminal redraw not checked")
fi
grep -qx "watch json" "$T/ok.sock.log" || die "the daemon never saw 'watch json'"
grep -qx "status json" "$T/ok.sock.log" || die "the daemon never saw 'status json'"

for n in "${notes[@]}"; do
	echo "note: $n"
done
echo "bmsctl: $checks checks passed"
