#!/bin/sh
# run-unit.sh - run each unit test binary; print one summary line.
# cmocka prints its own per-test lines; we count binaries that failed.
pass=0 fail=0
for t in "$@"; do
	if "$t"; then
		pass=$((pass + 1))
	else
		echo "FAILED: $t" >&2
		fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
