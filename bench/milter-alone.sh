#!/usr/bin/env bash
# milter-alone.sh - the milter without Postfix, driven by bench/milterload over
# its unix socket: invitations rewritten per milter CPU second (= per core) by
# message size and number of guests, pass-through messages per CPU second, and
# peak RSS (VmHWM) with 200 connections at once.
#
#   bench/milter-alone.sh [ROUNDS]     (default 3; medians over the rounds)
set -eu
ROUNDS=${1:-3}
T_NAME=milter-alone
. "$(dirname "$0")/../tests/lib/common.sh"
. "$(dirname "$0")/../tests/lib/postfix.sh"
need_bins
LOAD="$BUILD/bench/milterload"
[ -x "$LOAD" ] || die "build $LOAD first (make bench-bins)"

make_keys "$T_DIR/keys"
milter_config "$T_DIR/milter.conf" "$T_DIR/keys" "$T_DIR/run" "max_recipients = 50
max_message_size = 64m"
MILTER_LOG="$T_DIR/milter.log"
for kb in 10 100 1024 10240; do
	python3 "$T_SRC/bench/mkmsg.py" "$kb" "[invite] Join our research lab" >"$T_DIR/inv-$kb.eml"
done
python3 "$T_SRC/bench/mkmsg.py" 100 "Lab news" >"$T_DIR/plain.eml"

# field NAME LINE - a key=value field of milterload's output
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# run COUNT FILE RCPTS [CONCURRENCY] - one milterload run against the running milter; prints its line
run() {
	local out
	out=$("$LOAD" -s "$MILTER_SOCK" -p "$MILTER_PID" -f "$2" -m "$1" -r "$3" -c "${4:-1}" -a) ||
		die "milterload failed: $out"
	echo "$out"
}

# fresh COUNT FILE RCPTS [CONCURRENCY] - the same against a new milter (peak RSS is per process)
fresh() {
	local out
	milter_stop
	milter_start "$T_DIR/milter.conf"
	out=$(run "$@")
	echo "$out"
}

milter_start "$T_DIR/milter.conf"

echo "| message | guests | rewritten per milter CPU second (median) | min | max | milter CPU µs per message (median) | minor page faults per message (median) |"
echo "|---|---|---|---|---|---|---|"
for kb in 10 100 1024 10240; do
	case $kb in 10) n=2000 ;; 100) n=1000 ;; 1024) n=100 ;; *) n=10 ;; esac
	for r in 1 10 50; do
		vals=() us=() flt=()
		for _ in $(seq "$ROUNDS"); do
			line=$(run "$n" "$T_DIR/inv-$kb.eml" "$r")
			[ "$(field rewritten "$line")" = "$n" ] || die "not all rewritten: $line"
			vals+=("$(field msgs_per_cpu_s "$line")")
			us+=("$(field cpu_us_per_msg "$line")")
			flt+=("$(field minflt_per_msg "$line")")
		done
		sorted=$(printf '%s\n' "${vals[@]}" | sort -g)
		echo "| $kb KB | $r | $(median "${vals[@]}") | $(echo "$sorted" | head -1) | $(echo "$sorted" | tail -1) |" \
			"$(median "${us[@]}") | $(median "${flt[@]}") |"
	done
done
echo
vals=() us=() flt=()
for _ in $(seq "$ROUNDS"); do
	line=$(run 5000 "$T_DIR/plain.eml" 1)
	[ "$(field passed "$line")" = 5000 ] || die "not all passed: $line"
	vals+=("$(field msgs_per_cpu_s "$line")")
	us+=("$(field cpu_us_per_msg "$line")")
	flt+=("$(field minflt_per_msg "$line")")
done
echo "Pass-through (ordinary 100 KB mail from an authenticated sender, accepted after the headers):"
echo "$(median "${vals[@]}") messages per milter CPU second (median of $ROUNDS), $(median "${us[@]}") µs and"
echo "$(median "${flt[@]}") minor page faults per message."
echo
# The floor: a milter that does nothing (bench/trivmilter eoh: the same steps, accept at the end of
# the headers), driven the same way: what libmilter and the kernel cost per connection here.
bg_start "trivmilter eoh" "$T_DIR/triv.log" "$BUILD/bench/trivmilter" "unix:$T_DIR/triv.sock" eoh
TRIV_PID=$BG_PID
wait_for_socket "$T_DIR/triv.sock" 10 || die "trivmilter did not start: $(cat "$T_DIR/triv.log")"
vals=() us=()
for _ in $(seq "$ROUNDS"); do
	line=$("$LOAD" -s "unix:$T_DIR/triv.sock" -p "$TRIV_PID" -f "$T_DIR/plain.eml" -m 5000 -r 1 -c 1 -a) ||
		die "milterload failed: $line"
	vals+=("$(field msgs_per_cpu_s "$line")")
	us+=("$(field cpu_us_per_msg "$line")")
done
bg_stop "$TRIV_PID" 10
echo "The floor, a milter that does nothing (bench/trivmilter eoh, same steps, same driver):"
echo "$(median "${vals[@]}") messages per milter CPU second, $(median "${us[@]}") µs per message (median of $ROUNDS)."
echo
line=$(fresh 200 "$T_DIR/inv-100.eml" 1 200)
one=$(fresh 200 "$T_DIR/inv-100.eml" 1 1)
big=$(fresh 4 "$T_DIR/inv-10240.eml" 1 1)
milter_stop
echo "Peak RSS: 200 invitations of 100 KB over 200 connections at once: $(( $(field milter_hwm_kb "$line") / 1024 )) MB;"
echo "the same one at a time: $(( $(field milter_hwm_kb "$one") / 1024 )) MB; 10 MB invitations one at a time: $(( $(field milter_hwm_kb "$big") / 1024 )) MB."
