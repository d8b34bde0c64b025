#!/bin/sh
# run.sh - run every otpd integration scenario (tests/otpd/t-*.sh).
# Prints one line per scenario and a final "otpd: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-.}
export BUILD
pass=0 fail=0
for t in tests/otpd/t-*.sh; do
	log=$(mktemp)
	if sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $t"
	else
		fail=$((fail + 1))
		echo "FAIL $t"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
echo "otpd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
