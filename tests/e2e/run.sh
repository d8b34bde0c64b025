#!/bin/bash
# tests/e2e/run.sh - run every end-to-end scenario (tests/e2e/t-*.sh), each in
# its own process with its own private Postfix, smtp-sink and milter on
# loopback. Prints each scenario's result and, last, exactly
#   e2e: N passed, N failed
# (N counts scenarios). Exit status 1 when any failed.
#
# Environment: BUILD (default .) holds milter/guestlink-milter and
# otpd/otpctl; VERBOSE=1 shows every check, not only a failing scenario's;
# KEEP=1 keeps every scenario's directory. Needs root (postfix start).
# Usage: tests/e2e/run.sh [t-NAME.sh ...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-.}

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: needs root (a private Postfix is started with 'postfix start')" >&2
	echo "e2e: 0 passed, 1 failed"
	exit 1
fi

if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(cd "$here" && ls t-*.sh)
fi

# Every scenario leaves its logs and the secrets it saw here; t-zz-logs.sh
# (last) checks that no log holds any of them.
own_archive=
if [ -z "${T_LOG_ARCHIVE:-}" ]; then
	T_LOG_ARCHIVE=$(mktemp -d "${TMPDIR:-/tmp}/guestlink-e2e-logs.XXXXXX")
	own_archive=$T_LOG_ARCHIVE
fi
export T_LOG_ARCHIVE

passed=0
failed=0
failed_names=""
start=$(date +%s)
for t in $tests; do
	t=$(basename "$t")
	log=$(mktemp)
	t0=$(date +%s)
	rc=0
	bash "$here/$t" >"$log" 2>&1 </dev/null || rc=$?
	secs=$(($(date +%s) - t0))
	summary=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $t (${secs}s) ${summary#*: }"
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$log"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $t"
		echo "FAIL $t (${secs}s, exit $rc) ${summary#*: }"
		sed 's/^/    /' "$log"
	fi
	rm -f "$log"
done
[ -n "$own_archive" ] && [ "$failed" -eq 0 ] && rm -rf "$own_archive"
[ -n "$own_archive" ] && [ "$failed" -ne 0 ] && echo "# logs kept in $own_archive"
echo "# e2e took $(($(date +%s) - start))s${failed_names:+; failed:$failed_names}"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
