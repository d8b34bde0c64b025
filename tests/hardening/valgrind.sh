#!/bin/bash
# tests/hardening/valgrind.sh - end-to-end scenarios once more, with the
# milter under valgrind memcheck (MILTER_WRAPPER, see tests/lib/postfix.sh),
# and otpd's scenarios t-happy, t-mfa-enrol and t-links with otpd under it
# (OTPD_WRAPPER, see tests/otpd/lib.sh; OTPD_VALGRIND_SCENARIOS; --vgdb=no: otpd drops
# root and could not remove vgdb's FIFOs in /tmp).
#
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
#
# Every milter and otpd process writes its own report (milter.PID.vg,
# otpd.PID.vg; otpd's start-up check child, otpd/dbcheck.c, is silent:
# --child-silent-after-fork); each must end
# with "ERROR SUMMARY: 0 errors": no invalid read or write, no use of an
# uninitialised value, no definite leak. "Possibly lost" and "still
# reachable" blocks (GLib's type system, GMime's and libmilter's one-time
# globals live until exit) are not errors with --errors-for-leak-kinds=
# definite; anything that must be suppressed goes in tests/valgrind.supp,
# each entry with the reason, never a blanket one.
#
# Scenarios: VALGRIND_SCENARIOS (default t-smtp-invite.sh t-reject.sh
# t-hostile.sh t-keys.sh: rewrite, refusals, hostile input, restarts). Not
# the ones that SIGKILL the milter (no report from a killed process) or
# t-concurrent.sh (200 sessions under valgrind's one-thread-at-a-time).
# Prints each report's count and, last, "valgrind: N passed, N failed".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-.}
scenarios=${VALGRIND_SCENARIOS:-"t-smtp-invite.sh t-reject.sh t-hostile.sh t-keys.sh"}

command -v valgrind >/dev/null || { echo "valgrind: not installed (scripts/deps.sh check)"; echo "valgrind: 0 passed, 1 failed"; exit 1; }
VG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/guestlink-valgrind.XXXXXX")
export MILTER_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=40 --vgdb=no \
--suppressions=$src/tests/valgrind.supp --log-file=$VG_DIR/milter.%p.vg"
# valgrind starts slowly and checks for leaks at exit: more time for both.
export MILTER_START_WAIT=60 MILTER_STOP_WAIT=60 T_STOP_WAIT=60

rc=0
# shellcheck disable=SC2086
"$src/tests/e2e/run.sh" $scenarios || rc=$?

# otpd: the HTTP flow, MFA enrolment (QR, TOTP, recovery codes), bad links and revocation.
otpd_scenarios=${OTPD_VALGRIND_SCENARIOS:-"t-happy.sh t-mfa-enrol.sh t-links.sh"}
# shellcheck disable=SC2086
OTPD_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=40 --child-silent-after-fork=yes --vgdb=no \
--suppressions=$src/tests/valgrind.supp --log-file=$VG_DIR/otpd.%p.vg" OTPD_START_WAIT=60 \
	"$src/tests/otpd/run.sh" $otpd_scenarios || rc=$?

pass=0 fail=0 total=0
for f in "$VG_DIR"/milter.*.vg "$VG_DIR"/otpd.*.vg; do
	[ -e "$f" ] || continue
	n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
	if [ -z "$n" ]; then
		echo "valgrind $(basename "$f"): no ERROR SUMMARY (killed before exit?)"
		fail=$((fail + 1))
		continue
	fi
	total=$((total + n))
	if [ "$n" -eq 0 ]; then
		pass=$((pass + 1))
		echo "valgrind $(basename "$f"): 0 errors ($(grep -E 'definitely lost:|All heap blocks were freed' "$f" | head -1 | sed 's/^==[0-9]*== *//'))"
	else
		fail=$((fail + 1))
		echo "valgrind $(basename "$f"): $n errors"
		sed 's/^/    /' "$f" | head -80
	fi
done
if [ $((pass + fail)) -eq 0 ]; then
	echo "valgrind: no report written (did the milter and otpd start under valgrind?)"
	fail=1
fi
[ "$rc" -eq 0 ] || { echo "valgrind: the scenarios themselves failed under valgrind"; fail=$((fail + 1)); }
echo "# valgrind: $total errors in all; reports in $VG_DIR"
[ "$fail" -eq 0 ] && [ "${KEEP:-0}" != 1 ] && rm -rf "$VG_DIR"
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
