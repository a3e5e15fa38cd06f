#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The controller's GPIO lines on a real gpiochip (gpio-sim, lines named as
# tests/vm/init creates them), bmsd on SocketCAN:
#  - bmsd requests run_led, fault_led, mcu_reset (active low), mcu_boot0 and
#    rs485_de as outputs with consumer "bmsd", at their idle levels;
#  - the run LED toggles once a second (1 Hz), timed by the kernel's
#    gpio_value trace events;
#  - the fault LED lights while a fault is active (a cell over the floor's
#    limit) and goes dark after the recovery;
#  - the RS-485 driver enable is low (receive) while idle; with Modbus-RTU
#    configured, it is raised around each reply (rs485_traffic below).
set -u
. "$(dirname "$0")/lib.sh"

# rs485_traffic: auto (checked when this bmsd takes a modbus.rtu section),
# required (a failure when it does not), off
RS485_TRAFFIC=${RS485_TRAFFIC:-auto}

vm_sim_start a $VM_BUS
vm_bmsd_config a $VM_BUS
grep -q '^gpio:' "$T/a.yaml" && die "the demo config has a gpio section already: merge it here"
cat >>"$T/a.yaml" <<EOC

gpio:
  run_led:
    chip: $GPIO_LABEL
    line: run-led
  fault_led:
    chip: $GPIO_LABEL
    line: fault-led
  mcu_reset:
    chip: $GPIO_LABEL
    line: mcu-reset
    active_low: true
  mcu_boot0:
    chip: $GPIO_LABEL
    line: mcu-boot0
  rs485_de:
    chip: $GPIO_LABEL
    line: rs485-de
EOC

# Modbus-RTU on a pty pair, when this bmsd has it: the driver enable then
# has traffic to follow
rtu=
if [ "$RS485_TRAFFIC" != off ]; then
	cp "$T/a.yaml" "$T/probe.yaml"
	printf '\nmodbus:\n  rtu:\n    port: %s\n' "$T/rtu-a" >>"$T/probe.yaml"
	if out=$($B/bin/bmsd --check-config "$T/probe.yaml" 2>&1); then
		ptypair rtu
		cp "$T/probe.yaml" "$T/a.yaml"
		rtu=$T/rtu-b
	else
		[ "$RS485_TRAFFIC" = required ] && die "bmsd takes no modbus.rtu section: $out"
		echo "bmsd refuses a modbus.rtu section: $(echo "$out" | head -n 1)"
		rtu_why="this bmsd has no Modbus-RTU"
	fi
fi
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused: $($B/bin/bmsd --check-config "$T/a.yaml" 2>&1)"

gpio_trace_start
bmsd_start a
wait_running a
step "running"

# every line held by bmsd, as an output
info=$(gpioinfo "$GPIO_LABEL") || die "gpioinfo $GPIO_LABEL failed"
echo "$info"
for l in run-led fault-led mcu-reset mcu-boot0 rs485-de; do
	echo "$info" | grep "\"$l\"" | grep -q '"bmsd".*output' || die "line $l is not an output of bmsd: $info"
done
echo "$info" | grep '"mcu-reset"' | grep -q 'active-low' || die "mcu-reset is not active low: $info"
# idle levels as the sim sees them: reset released (high, active low),
# BOOT0 low, driver enable low (receive), no fault
for l in "2 1 mcu-reset" "3 0 mcu-boot0" "4 0 rs485-de" "1 0 fault-led"; do
	set -- $l
	read -r v <"$(gpio_sim_path $1)"
	[ "$v" = "$2" ] || die "$3 (line $1) is at $v, expected $2"
done
step "lines requested by bmsd at their idle levels"

# the fault LED follows a fault
simj a "cell 1 1 3900" && [ "$R" = ok ] || die "bms-sim refused 'cell 1 1 3900'"
until_json "st a" state fault 100 || die "no fault: $J"
p=$(gpio_sim_path 1)
for _ in $(seq 40); do
	read -r v <"$p"
	[ "$v" = 1 ] && break
	nap 0.1
done
[ "$v" = 1 ] || die "the fault LED is not lit during the fault: $(gpio_trace 1 | tr '\n' ' ')"
step "fault LED lit (faults $(jpath "$J" faults))"
n0=$(gpio_trace 0 | wc -l)
nap 1.2
[ "$(gpio_trace 0 | wc -l)" -gt "$n0" ] || die "the run LED stopped blinking during the fault"

simj a "cell 1 1 auto" && [ "$R" = ok ] || die "bms-sim refused 'cell 1 1 auto'"
nap 0.5
for _ in 1 2 3; do
	$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null
	until_json "st a" state running 30 && break
done
[ "$(jpath "$J" state)" = running ] || die "no recovery: $J"
# the LED also shows bmsd's own protections: cell_over_voltage clears only
# after its clear delay, and then the contactors close again
sim_relays a 7 150 || die "contactors not closed again: $fw"
for _ in $(seq 40); do
	read -r v <"$p"
	[ "$v" = 0 ] && break
	nap 0.1
done
[ "$v" = 0 ] || die "the fault LED is still lit after the recovery"
step "fault LED dark after the recovery"

# the run LED over the whole scenario: one toggle a second, alternating
mapfile -t ev < <(gpio_trace 0)
[ "${#ev[@]}" -ge 4 ] || die "the run LED changed only ${#ev[@]} times: ${ev[*]}"
iv=$(printf '%s\n' "${ev[@]}" | awk 'NR > 1 { printf "%d\n", ($1 - t) * 1000 } { t = $1 }' | sort -n)
med=$(echo "$iv" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "run LED: ${#ev[@]} changes, intervals (ms, sorted): $(echo $iv)"
[ "$med" -ge 900 ] && [ "$med" -le 1100 ] || die "the run LED toggles every $med ms (median), expected 1000"
vals=$(printf '%s\n' "${ev[@]}" | awk '{ printf "%s", $2 }')
case $vals in *00* | *11*) die "the run LED was set twice to the same level: $vals" ;; esac

# RS-485 driver enable under Modbus-RTU traffic: raised for each reply,
# low again afterwards. Extend here when the RTU server changes.
rs485_traffic() {
	local n ev
	for _ in 1 2 3; do
		mbpoll -m rtu -a 32 -b 9600 -P none -t 4:hex -r 40001 -c 2 -1 -o 1 "$rtu" >"$T/mbpoll.out" 2>&1 &&
			break
	done
	grep -qi '0x5375' "$T/mbpoll.out" || die "no Modbus-RTU answer: $(cat "$T/mbpoll.out")"
	nap 0.3
	ev=$(gpio_trace 4 | awk '{ printf "%s", $2 }')
	echo "rs485_de levels set during the poll: $ev"
	case $ev in *1*0) ;; *) die "the driver enable did not go high and back low: '$ev'" ;; esac
	read -r n <"$(gpio_sim_path 4)"
	[ "$n" = 0 ] || die "the driver enable stays high after the reply"
}
if [ -n "$rtu" ]; then
	rs485_traffic
	de="raised around a Modbus-RTU reply"
else
	de="requested and low; under traffic not checked (${rtu_why:-RS485_TRAFFIC=off})"
fi
echo "gpio_leds: lines held by bmsd, run LED every $med ms, fault LED on at the fault and off after it; rs485_de $de"
