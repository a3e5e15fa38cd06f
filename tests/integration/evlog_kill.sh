#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 during event-log writes: a writer appends deterministic records
# (most runs in small chunks, so a kill lands inside a record) and is
# killed with SIGKILL at a random moment, again and again on the same
# directory, with a size bound small enough that the files rotate. After
# every kill a checker reads the log back: every record whose append was
# reported and that is still in the retained window reads back exactly,
# seqs are consecutive and keep increasing across restarts, and nothing
# corrupt is accepted. Each writer also checks, right after its first
# append, that recovery left the log spotless.
set -u
. "$(dirname "$0")/lib.sh"

BIN=$B/bin/evlog-torture
[ -x "$BIN" ] || die "$BIN not built"
KILLS=${EVLOG_KILLS:-200}
MAX=16384
D=$T/log
acked=$T/acked
: >"$acked"

runs=0 repaired=0 repaired_bytes=0 torn_seen=0 chunked=0 synced=0 no_cur=0
for i in $(seq "$KILLS"); do
	opts=(--max-bytes "$MAX" --seed "$i" --self-check)
	# every 5th run writes whole records, every 10th syncs
	if [ $((i % 5)) -ne 0 ]; then
		opts+=(--chunked)
		chunked=$((chunked + 1))
	fi
	if [ $((i % 10)) -eq 3 ]; then
		opts+=(--sync)
		synced=$((synced + 1))
	fi
	"$BIN" "${opts[@]}" "$D" >"$T/run" 2>"$T/writer.err" &
	pid=$!
	sleep "$(printf '0.%03d' $((2 + RANDOM % 30)))"
	# a reader while the writer appends and rotates
	if ! live=$("$BIN" --verify --max-bytes "$MAX" "$D" 2>&1); then
		kill -KILL "$pid" 2>/dev/null
		die "run $i, reading while writing: $live"
	fi
	sleep "$(printf '0.%03d' $((RANDOM % 30)))"
	kill -KILL "$pid" 2>/dev/null || { cat "$T/writer.err"; die "run $i: the writer was gone before the kill"; }
	wait "$pid" 2>/dev/null
	runs=$((runs + 1))
	# killed between the rotation's rename and the new file's creation
	[ -e "$D/events.log" ] || no_cur=$((no_cur + 1))
	# what this run's recovery found (the previous kill's torn record)
	rb=$(sed -n 's/.*recovered_bytes \([0-9]*\) .*/\1/p' "$T/writer.err")
	if [ -n "$rb" ] && [ "$rb" -gt 0 ]; then
		repaired=$((repaired + 1))
		repaired_bytes=$((repaired_bytes + rb))
	fi
	# this run's reports, after the newest of the earlier runs: they
	# must go on increasing
	{ tail -n 1 "$acked"; cat "$T/run"; } >"$T/check"
	cat "$T/run" >>"$acked"
	out=$("$BIN" --verify --max-bytes "$MAX" --acked "$T/check" "$D" 2>&1) ||
		die "after kill $i: $out"
	case $out in
	*"torn 1,"*) torn_seen=$((torn_seen + 1)) ;;
	esac
done

final=$("$BIN" --verify --max-bytes "$MAX" --acked "$acked" "$D" 2>&1) || die "final: $final"
echo "$final"
reported=$(wc -l <"$acked")
[ "$reported" -gt 1000 ] || die "only $reported appends were reported in $runs runs"
# some kills must land inside records, or this test proves nothing; how many
# depends on the machine's load (about 1 in 3 idle, 1 in 12 under make -j)
[ "$torn_seen" -ge $((KILLS / 40)) ] || die "only $torn_seen of $KILLS kills left a torn record"
[ "$repaired" -ge $((KILLS / 40)) ] || die "only $repaired restarts repaired a torn tail"
echo "evlog_kill: $runs kills ($chunked chunked, $synced synced), $reported appends reported," \
	"$torn_seen torn tails seen by the reader, $repaired repaired at restart" \
	"($repaired_bytes bytes), $no_cur kills inside a rotation, 0 corrupt records accepted," \
	"all reported records in the window read back"
