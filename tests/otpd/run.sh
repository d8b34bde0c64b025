#!/bin/sh
# run.sh [t-NAME.sh...] - run the otpd integration scenarios (default: every tests/otpd/t-*.sh).
# Prints one line per scenario and a final "otpd: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-.}
export BUILD
pass=0 fail=0
tests=
for t in "$@"; do tests="$tests tests/otpd/$(basename "$t")"; done
[ -n "$tests" ] || tests=$(ls tests/otpd/t-*.sh)
for t in $tests; do
	log=$(mktemp)
	start=$(date +%s)
	if sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $t ($(($(date +%s) - start))s)"
	else
		fail=$((fail + 1))
		echo "FAIL $t ($(($(date +%s) - start))s)"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
echo "otpd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
