#!/bin/sh
# run.sh [unit|otpd|hosts]... - everything that needs PostgreSQL, against one private cluster (tests/lib/pg.sh)
# started here and removed at the end:
#   unit   the store unit tests (and friends) with GUESTLINK_TEST_STORE=pg: the same binaries as make test-unit;
#   otpd   the otpd integration scenarios (tests/otpd/) once more with database = postgresql://…, each in a
#          fresh database (OTPD_PG_TESTS picks which; default: all but the six that inspect LMDB's files);
#   hosts  the two-host scenarios tests/pg/t-*.sh: two otpd behind nginx round-robin on one database.
# Default: all three. Prints "pg: N passed, N failed" (each unit binary, otpd scenario and host scenario counts one).
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-.}
export BUILD
parts=${*:-unit otpd hosts}
. tests/lib/pg.sh
PGT=$(mktemp -d /tmp/guestlink-pg.XXXXXX)
chmod 0755 "$PGT"
trap 'pg_stop; rm -rf "$PGT"' EXIT
start=$(date +%s)
pg_start "$PGT/cluster" || { echo "pg: 0 passed, 1 failed (cannot start PostgreSQL)"; exit 1; }
echo "# PostgreSQL on 127.0.0.1:$PG_PORT ($(($(date +%s) - start))s to start)"
pass=0 fail=0
count() { # count OUTPUT-OF-A-RUNNER: add its "N passed, N failed"
	_p=$(echo "$1" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' | tail -1)
	_f=$(echo "$1" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' | tail -1)
	pass=$((pass + ${_p:-0}))
	fail=$((fail + ${_f:-1}))
}
for part in $parts; do
	t0=$(date +%s)
	case $part in
	unit)
		uri=$(pg_createdb unit) || { fail=$((fail + 1)); continue; }
		out=$(GUESTLINK_TEST_STORE=pg GUESTLINK_TEST_PG_URI=$uri GUESTLINK_TEST_PG_PASSWORD_FILE=$PG_PASSWORD_FILE \
			tests/run-unit.sh "$BUILD/tests/unit/test_otpd_store" "$BUILD/tests/unit/test_otpd_outbox" \
			"$BUILD/tests/unit/test_otpd_session" "$BUILD/tests/unit/test_otpd_shared" "$BUILD/tests/unit/test_otpd_privacy" 2>&1)
		echo "$out" | grep -E '^\[  (FAILED|ERROR)|^FAILED|^unit:' ;;
	otpd)
		# Not here: the scenarios that read LMDB's own files (mdb_dump of the audit or guest records, mdb_stat).
		tests=${OTPD_PG_TESTS:-$(ls tests/otpd/t-*.sh | grep -v -e t-kill-200 -e t-mfa-enrol -e t-secrets \
			-e t-account -e t-lifecycle -e t-privacy -e t-rt4-limited-commit)}
		# shellcheck disable=SC2086
		out=$(OTPD_TEST_PG=1 tests/otpd/run.sh $tests 2>&1)
		echo "$out" | grep -v '^PASS' ;;
	hosts)
		out=$(
			p=0 f=0
			for t in tests/pg/t-*.sh; do
				log=$(mktemp)
				s=$(date +%s)
				if OTPD_TEST_PG=1 sh "$t" >"$log" 2>&1; then
					p=$((p + 1)); echo "PASS $t ($(($(date +%s) - s))s)"
				else
					f=$((f + 1)); echo "FAIL $t ($(($(date +%s) - s))s)"; sed 's/^/    /' "$log"
				fi
				rm -f "$log"
			done
			echo "hosts: $p passed, $f failed"
		)
		echo "$out" ;;
	*) echo "run.sh: unknown part $part" >&2; exit 2 ;;
	esac
	count "$out"
	echo "# $part: $(($(date +%s) - t0))s"
done
echo "pg: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
