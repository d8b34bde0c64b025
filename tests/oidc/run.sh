#!/bin/sh
# run.sh - start a private glewlwyd on loopback, run every t-*.sh against it,
# stop it (by PID), print "oidc: N passed, N failed". With names (t-happy.sh ...): only those.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ -x "$PROBE" ] && [ -x "$MKTOKEN" ] || fail "build first: make test-bins (oidc_probe, mktoken)"
command -v glewlwyd >/dev/null || fail "glewlwyd is not installed: scripts/deps.sh check"
trap gw_stop EXIT
gw_start
pass=0 failed=0
[ $# -gt 0 ] || set -- "$here"/t-*.sh
for t; do
	t=$here/$(basename "$t")
	name=$(basename "$t" .sh)
	if out=$(sh "$t" 2>&1); then
		pass=$((pass + 1))
		echo "$name: passed"
	else
		failed=$((failed + 1))
		echo "$name: FAILED" >&2
		echo "$out" | sed 's/^/    /' >&2
		tail -5 "$GW_DIR/glewlwyd.log" | sed 's/^/    glewlwyd: /' >&2
	fi
done
echo "oidc: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
