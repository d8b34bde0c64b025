#!/bin/bash
# tests/milter/run.sh - drive the built guestlink-milter with miltertest: one
# Lua script per scenario (tests/milter/t-*.lua), all against one milter
# started here with a test config on a unix socket (keys from otpctl keygen).
# Prints each script's result and, last, exactly
#   miltertest: N passed, N failed
# (N counts scripts). Exit status 1 when any failed.
#
# Environment: BUILD (default .) holds milter/guestlink-milter, otpd/otpctl;
# VERBOSE=1 shows every check. Usage: tests/milter/run.sh [t-NAME.lua ...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
T_NAME=miltertest
. "$here/../lib/common.sh"
. "$here/../lib/postfix.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN"
command -v miltertest >/dev/null || die "miltertest is not installed (scripts/deps.sh check)"

make_keys "$T_DIR/keys"
conf="$T_DIR/guestlink.conf"
milter_config "$conf" "$T_DIR/keys" "$T_DIR/run"
milter_start "$conf"

if [ $# -gt 0 ]; then
	scripts="$*"
else
	scripts=$(cd "$here" && ls t-*.lua)
fi

passed=0
failed=0
for s in $scripts; do
	s=$(basename "$s")
	out="$T_DIR/${s%.lua}.out"
	rc=0
	miltertest -D "sock=$MILTER_SOCK" -D "libdir=$here" -D "milterlog=$MILTER_LOG" -s "$here/$s" >"$out" 2>&1 || rc=$?
	summary=$(grep -E '^t-[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
	if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
		passed=$((passed + 1))
		echo "PASS $s ${summary#*: }"
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$out"
	else
		failed=$((failed + 1))
		echo "FAIL $s (exit $rc) ${summary#*: }"
		sed 's/^/    /' "$out"
	fi
done
if ! pid_alive "$MILTER_PID"; then
	failed=$((failed + 1))
	echo "FAIL the milter died during the tests"
fi
if [ "$failed" -gt 0 ]; then
	echo "# milter log:"
	milter_logs | tail -30 | sed 's/^/#   /'
fi
milter_stop
T_FAIL=$failed
echo "miltertest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
