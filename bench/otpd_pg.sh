#!/usr/bin/env bash
# otpd_pg.sh - otpd on PostgreSQL beside otpd on LMDB, in one run, rounds interleaved, with PostgreSQL's
# own pgbench simple-update (-N) on the same machine and cluster as the ceiling.
#
#   bench/otpd_pg.sh [ROUNDS] [SECONDS]     (defaults 3 4)
#
# A private PostgreSQL 15 cluster (tests/lib/pg.sh, default settings: fsync and synchronous_commit on);
# two otpd with the same keys: one on LMDB, one on a PostgreSQL database. Each round: /auth (a full
# session on each), code issue and code verification (JSON API, links and codes made by bench/otpdpop
# through the store API, so the same on both backends), then pgbench -N -c 8 -j 2 -T SECONDS.
# Targets (issue 13): code issue and verification on PostgreSQL >= 0.5 x pgbench's TPS; /auth on
# PostgreSQL >= 0.5 x /auth on LMDB. Both otpd run threads = THREADS (default 8: as many transactions in
# flight as pgbench's 8 clients; an HTTP worker waits on the database's round trips and its commit);
# PG_THREADS sets the PostgreSQL one's alone. Code issue and verification run twice on PostgreSQL: all
# from 127.0.0.1 (one per-client rate-limit row for every request), and each request as from another
# client network (X-Forwarded-For from the trusted proxy), as guests' requests come.
set -eu
ROUNDS=${1:-3}
SECS=${2:-4}
BUILD=${BUILD:-.}
cd "$(dirname "$0")/.."
. tests/otpd/lib.sh
. tests/lib/pg.sh
export WRK_DIR=$PWD/bench/wrk WRK_THREADS=2
POP=$BUILD/bench/otpdpop
PG_OTPD_PID=
trap 'rc=$?; [ -n "$PG_OTPD_PID" ] && kill "$PG_OTPD_PID" 2>/dev/null && wait "$PG_OTPD_PID" 2>/dev/null; pg_stop; (exit $rc); cleanup' EXIT
note() { echo "# $*" >&2; }
wrk_run() {
	local script=$1 url=$2
	shift 2
	env "$@" wrk -t"$WRK_THREADS" -c64 -d"${SECS}s" -s "$WRK_DIR/$script" "$url" | grep '^requests='
}

THREADS=${THREADS:-8}
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_tries_per_hour = 1000000" "ip_mails_per_hour = 1000000" \
	"threads = $THREADS"
start_sink
pg_start "$T/pgcluster" >&2 || fail "PostgreSQL did not start"
URI=$(pg_createdb otpd_bench) || fail "createdb"
pg_createdb pgbench >/dev/null || fail "createdb pgbench"
cp "$PG_PASSWORD_FILE" "$T/pgpass" && chmod 0600 "$T/pgpass"
# otpdpop and pgbench find the password in a libpq password file.
printf '127.0.0.1:%s:*:%s:%s\n' "$PG_PORT" "$PG_ROLE" "$(cat "$PG_PASSWORD_FILE")" >"$T/pgpass.libpq"
chmod 0600 "$T/pgpass.libpq"
export PGPASSFILE=$T/pgpass.libpq
start_otpd
LMDB_BASE=$BASE
PG_PORT_HTTP=$(free_port)
sed -e "s|^listen = .*|listen = 127.0.0.1:$PG_PORT_HTTP|" -e "s|^database = .*|database = $URI\ndatabase_password_file = $T/pgpass|" \
	"$T/otpd.conf" >"$T/pg.conf"
# PG_THREADS: HTTP workers (and so connections) of the PostgreSQL otpd; default: the same as LMDB's.
[ -n "${PG_THREADS:-}" ] && sed -i "s/^threads = .*/threads = $PG_THREADS/" "$T/pg.conf"
"$OTPD" -f -c "$T/pg.conf" >>"$T/otpd.log" 2>&1 &
PG_OTPD_PID=$!
PG_BASE=http://127.0.0.1:$PG_PORT_HTTP
for _ in $(seq 100); do curl -s -o /dev/null "$PG_BASE/healthz" && break; sleep 0.1; done
curl -s -o /dev/null "$PG_BASE/healthz" || fail "otpd on PostgreSQL did not start"

sessions() {
	local b=$1 g=$2
	BASE=$b
	: >"$T/jar"
	tok=$(token "$g")
	html_accept "$tok" "$g"
	setup_page
	[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "MFA enrolment on $b"
	sed -n 's/.*guestlink_session\t\(.*\)$/\1/p' "$T/jar" | tail -1
}
S_LMDB=$(sessions "$LMDB_BASE" lmdb@example.net) || fail "no session on LMDB"
S_PG=$(sessions "$PG_BASE" pg@example.net) || fail "no session on PostgreSQL"
"$POP" links "$SIGNING_KEY" 20000 "$T/issue.lines"
CODES_PER_RUN=${CODES_PER_RUN:-20000}
"$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -i -q pgbench >"$T/pgbench-init.log" 2>&1 ||
	fail "pgbench -i: $(tail -3 "$T/pgbench-init.log")"

: >"$T/results"
load_before=$(uptime | sed 's/.*load average: //')
for r in $(seq "$ROUNDS"); do
	"$POP" codes "$T/db" "$T/keys/otpd.secret" "$SIGNING_KEY" "$CODES_PER_RUN" "$T/v-lmdb.lines"
	"$POP" codes "$URI" "$T/keys/otpd.secret" "$SIGNING_KEY" "$CODES_PER_RUN" "$T/v-pg.lines"
	echo "auth_lmdb $(wrk_run auth.lua "$LMDB_BASE" SESSION="$S_LMDB" URL="$RESOURCE/doc")" >>"$T/results"
	echo "auth_pg $(wrk_run auth.lua "$PG_BASE" SESSION="$S_PG" URL="$RESOURCE/doc")" >>"$T/results"
	echo "issue_lmdb $(wrk_run issue.lua "$LMDB_BASE" LINES="$T/issue.lines")" >>"$T/results"
	echo "issue_pg $(wrk_run issue.lua "$PG_BASE" LINES="$T/issue.lines")" >>"$T/results"
	echo "verify_lmdb $(wrk_run verify.lua "$LMDB_BASE" LINES="$T/v-lmdb.lines")" >>"$T/results"
	echo "verify_pg $(wrk_run verify.lua "$PG_BASE" LINES="$T/v-pg.lines")" >>"$T/results"
	# The same with each request from another client network: no shared per-IP limit row for all of them.
	"$POP" codes "$URI" "$T/keys/otpd.secret" "$SIGNING_KEY" "$CODES_PER_RUN" "$T/v-pg2.lines"
	echo "issue_pg_spread $(wrk_run issue.lua "$PG_BASE" LINES="$T/issue.lines" SPREAD_CLIENTS=1)" >>"$T/results"
	echo "verify_pg_spread $(wrk_run verify.lua "$PG_BASE" LINES="$T/v-pg2.lines" SPREAD_CLIENTS=1)" >>"$T/results"
	tps=$("$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -N -c 8 -j 2 -T "$SECS" pgbench 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	echo "pgbench tps=${tps:-0}" >>"$T/results"
	note "round $r done"
done
load_after=$(uptime | sed 's/.*load average: //')
[ -z "$(grep -E 'event=store_(error|full)' "$T/otpd.log")" ] || note "store errors: $(grep -cE 'event=store_(error|full)' "$T/otpd.log")"
# Transactions rerun after a deadlock or serialization failure (store_pg.c logs each), and PostgreSQL's own
# count of rolled-back transactions in otpd's database.
reruns=$(grep -c 'event=store_rerun' "$T/otpd.log" || true)
rollbacks=$(PG_PSQL_DB=otpd_bench pg_psql "SELECT xact_rollback FROM pg_stat_database WHERE datname = 'otpd_bench'" || echo ?)
commits=$(PG_PSQL_DB=otpd_bench pg_psql "SELECT xact_commit FROM pg_stat_database WHERE datname = 'otpd_bench'" || echo ?)

python3 - "$T/results" "$ROUNDS" "$SECS" "$THREADS" "${PG_THREADS:-$THREADS}" "$load_before" "$load_after" \
	"$reruns" "$rollbacks" "$commits" <<'PY'
import sys, statistics as st
res, rounds, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
threads, pg_threads, load_before, load_after, reruns, rollbacks, commits = sys.argv[4:11]
rows = {}
for line in open(res):
    p = line.split()
    rows.setdefault(p[0], []).append({k: float(v) for k, v in (x.split("=", 1) for x in p[1:] if "=" in x)})
def col(n, k): return sorted(r[k] for r in rows[n])
def mmm(n, k): c = col(n, k); return f"{c[0]:.0f} | {st.median(c):.0f} | {c[-1]:.0f}"
def ratio(a, ka, b, kb):
    q = sorted(x[ka] / y[kb] for x, y in zip(rows[a], rows[b]) if y[kb] > 0)
    return f"{q[0]:.2f} / {st.median(q):.2f} / {q[-1]:.2f}" if q else "-"
print(f"{rounds} interleaved rounds, each run {secs} s, wrk -t2 -c64; one private PostgreSQL 15 cluster on the same")
print("machine and filesystem (default settings, durable commits: fsync and synchronous_commit on); pgbench -N -c 8 -j 2")
print(f"against it in each round. otpd threads = {threads} on LMDB, {pg_threads} on PostgreSQL. Machine load (uptime, 1/5/15 min)")
print(f"before the first round: {load_before}; after the last: {load_after}.")
print()
print("| run | per second min | median | max | p99 ms (median) | non-2xx |")
print("|---|---|---|---|---|---|")
print(f"| pgbench -N (simple update), TPS | {mmm('pgbench', 'tps')} | - | - |")
for n, label in (("auth_lmdb", "/auth, LMDB"), ("auth_pg", "/auth, PostgreSQL"),
                 ("issue_lmdb", "code issue, LMDB"), ("issue_pg", "code issue, PostgreSQL"),
                 ("verify_lmdb", "code verification, LMDB"), ("verify_pg", "code verification, PostgreSQL"),
                 ("issue_pg_spread", "code issue, PostgreSQL, clients from many networks"),
                 ("verify_pg_spread", "code verification, PostgreSQL, clients from many networks")):
    bad = int(sum(r["bad"] for r in rows[n]))
    print(f"| {label} | {mmm(n, 'rps')} | {st.median(col(n, 'p99_ms')):.2f} | {bad} |")
print()
print("Ratios per round (min / median / max):")
print()
print(f"- /auth PostgreSQL to /auth LMDB: {ratio('auth_pg', 'rps', 'auth_lmdb', 'rps')} (target at least 0.5)")
print(f"- code issue on PostgreSQL to pgbench TPS: {ratio('issue_pg', 'rps', 'pgbench', 'tps')} (target at least 0.5)")
print(f"- code verification on PostgreSQL to pgbench TPS: {ratio('verify_pg', 'rps', 'pgbench', 'tps')} (target at least 0.5)")
print(f"- the same, clients from many networks: issue {ratio('issue_pg_spread', 'rps', 'pgbench', 'tps')}, "
      f"verification {ratio('verify_pg_spread', 'rps', 'pgbench', 'tps')}")
print()
print(f"otpd's PostgreSQL database over the whole run: {commits} transactions committed, {rollbacks} rolled back")
print(f"(a callback's own abort, or a rerun); {reruns} write transactions rerun after a deadlock (store_rerun).")
print()
print("In the plain runs every request comes from 127.0.0.1 and so takes the one per-client rate-limit row: on")
print("PostgreSQL each transaction waits for that row's lock until the one before it has committed, so those")
print("runs are one commit at a time. The spread runs send each request as from another client network")
print("(X-Forwarded-For from the trusted proxy), as guests' requests come.")
PY
