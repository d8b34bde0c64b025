#!/bin/bash
# run.sh [t-NAME.sh...] - run the otpd integration scenarios (default: every tests/otpd/t-*.sh).
# Prints one line per scenario and a final "otpd: N passed, N failed".
#
# Each scenario has its own otpd, store, smtp-sink and nginx on free ports in
# its own temp dir, and most of a scenario's time is waiting (for a mail, a
# rate limit, a timeout), so OTPD_JOBS scenarios (default 3) run side by side.
# Scenarios that measure timing (SERIAL below) run alone afterwards, so the
# others' load cannot skew what they measure. OTPD_JOBS=1: one at a time.
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-.}
export BUILD
jobs=${OTPD_JOBS:-3}
SERIAL="t-enumeration.sh"
tests=
for t in "$@"; do tests="$tests tests/otpd/$(basename "$t")"; done
[ -n "$tests" ] || tests=$(ls tests/otpd/t-*.sh)
out=$(mktemp -d /tmp/guestlink-otpd-run.XXXXXX)
trap 'rm -rf "$out"' EXIT

# one NAME - run one scenario, leaving its verdict line in $out/NAME.res and its output in $out/NAME.log
one() {
	n=$(basename "$1" .sh)
	start=$(date +%s)
	if sh "$1" >"$out/$n.log" 2>&1; then
		echo "PASS $1 ($(($(date +%s) - start))s)" >"$out/$n.res"
	else
		echo "FAIL $1 ($(($(date +%s) - start))s)" >"$out/$n.res"
	fi
}

parallel= serial=
for t in $tests; do
	case " $SERIAL " in
	*" $(basename "$t") "*) serial="$serial $t" ;;
	*) parallel="$parallel $t" ;;
	esac
done
running=0
for t in $parallel; do
	one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in $serial; do one "$t"; done

pass=0 fail=0
for t in $parallel $serial; do
	n=$(basename "$t" .sh)
	cat "$out/$n.res"
	if grep -q '^PASS' "$out/$n.res"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		sed 's/^/    /' "$out/$n.log"
	fi
done
echo "otpd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
