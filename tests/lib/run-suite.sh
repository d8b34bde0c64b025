#!/bin/bash
# tests/lib/run-suite.sh NAME DIR [t-NAME.sh...] - run every DIR/t-*.sh (or the
# ones named), each its own process. Prints each result and, last, exactly
#   NAME: N passed, N failed
# Environment: BUILD (default .), VERBOSE=1 shows every check.
# Used by tests/hardening/run.sh and tests/packaging/run.sh.
set -eu
name=$1 here=$2
shift 2
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
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
