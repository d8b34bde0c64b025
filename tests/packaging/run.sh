#!/bin/bash
# tests/packaging/run.sh - run every tests/packaging/t-*.sh (each its own
# process). Prints each result and, last, exactly
#   packaging: N passed, N failed
# Environment: BUILD (default .), VERBOSE=1 shows every check.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-.}
passed=0 failed=0
tests=${*:-$(cd "$here" && ls t-*.sh)}
for t in $tests; do
	t=$(basename "$t")
	log=$(mktemp)
	rc=0
	bash "$here/$t" >"$log" 2>&1 </dev/null || rc=$?
	summary=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $t ${summary#*: }"
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$log"
	else
		failed=$((failed + 1))
		echo "FAIL $t (exit $rc) ${summary#*: }"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
echo "packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
