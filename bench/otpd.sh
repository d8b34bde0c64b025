#!/usr/bin/env bash
# otpd.sh - how many guests one otpd serves: wrk (64 connections) against a
# real otpd on loopback, each against a baseline measured in the same run,
# rounds interleaved (A B A B ...), then how the costs grow with the database.
#
#   bench/otpd.sh [ROUNDS] [SECONDS] [MAX_GUESTS]     (defaults 5 4 1000000)
#
# 1. /auth (forward-auth, a full session: code + TOTP sign-in made with curl
#    and oathtool) against bench/hello_mhd, a hello-world server on the same
#    library with otpd's thread model and options.
# 2. Code issue and code verification (JSON API, links made by bench/otpdpop)
#    against bench/lmdb_ceiling, a loop of single durable put+commit
#    transactions on the same filesystem; otpd with group commit
#    (write_batch = 64, the default) and without (write_batch = 1).
# 3. Scaling: the database filled (bench/otpdpop fill: otpd's store API, large
#    transactions) to 10^3 .. MAX_GUESTS guests, each with a session and a
#    live code; /auth and code verification measured at each size.
# Limits for the bench (all requests come from 127.0.0.1): ip_tries_per_hour
# and ip_mails_per_hour 1,000,000, mail_interval 0s, mails_per_hour 1000.
set -eu
ROUNDS=${1:-5}
SECS=${2:-4}
MAX_GUESTS=${3:-1000000}
BUILD=${BUILD:-.}
cd "$(dirname "$0")/.."
. tests/otpd/lib.sh
export WRK_DIR=$PWD/bench/wrk WRK_THREADS=2
POP=$BUILD/bench/otpdpop
HELLO_PID=
NOGC_PID=
trap 'rc=$?; for p in $HELLO_PID $NOGC_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; (exit $rc); cleanup' EXIT
note() { echo "# $*" >&2; }

# wrk_run SCRIPT URL [ENV=VALUE...] - 64 connections for SECS seconds; prints report.lua's line
wrk_run() {
	local script=$1 url=$2
	shift 2
	env "$@" wrk -t"$WRK_THREADS" -c64 -d"${SECS}s" -s "$WRK_DIR/$script" "$url" | grep '^requests='
}

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_tries_per_hour = 1000000" \
	"ip_mails_per_hour = 1000000" "database_max_size = 16g"
start_sink
start_otpd
note "otpd started: $(grep -c . "$T/otpd.conf") config lines, write_batch default"

# A second otpd without group commit, same keys, its own database: the "before".
sed -e "s|^listen = .*|listen = 127.0.0.1:@PORT@|" -e "s|^database = .*|database = $T/db-nogc|" \
	"$T/otpd.conf" >"$T/nogc.conf"
NOGC_PORT=$(free_port)
sed -i "s|@PORT@|$NOGC_PORT|" "$T/nogc.conf"
echo "write_batch = 1" >>"$T/nogc.conf"
"$OTPD" -f -c "$T/nogc.conf" >>"$T/nogc.log" 2>&1 &
NOGC_PID=$!
NOGC=http://127.0.0.1:$NOGC_PORT

# A full session: accept with an emailed code, enrol TOTP (oathtool), as t-mfa-enrol.sh does.
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "MFA enrolment"
SESSION=$(sed -n 's/.*guestlink_session\t\(.*\)$/\1/p' "$T/jar" | tail -1)
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "/auth refused the bench session"
HELLO_PORT=$(free_port)
"$BUILD/bench/hello_mhd" "$HELLO_PORT" "$(sed -n 's/^threads = //p' "$T/otpd.conf" | tail -1 | grep . || echo 4)" &
HELLO_PID=$!
sleep 0.3
curl -s -o /dev/null "http://127.0.0.1:$HELLO_PORT/" || fail "hello_mhd did not start"
curl -s -o /dev/null "$NOGC/healthz" || fail "otpd (write_batch = 1) did not start"
AUTH_ENV=(SESSION="$SESSION" URL="$RESOURCE/doc")

# Links and codes for the load: issue lines are reused (mails_per_hour allows it), each verify line once.
"$POP" links "$SIGNING_KEY" 20000 "$T/issue.lines"
CODES_PER_RUN=${CODES_PER_RUN:-40000}
make_codes() { # make_codes DB FILE
	"$POP" codes "$1" "$T/keys/otpd.secret" "$SIGNING_KEY" "$CODES_PER_RUN" "$2"
}
mkdir -p "$T/ceiling"

: >"$T/results"
for r in $(seq "$ROUNDS"); do
	make_codes "$T/db" "$T/v-gc.lines"
	make_codes "$T/db-nogc" "$T/v-nogc.lines"
	echo "hello $(wrk_run auth.lua "http://127.0.0.1:$HELLO_PORT" "${AUTH_ENV[@]}")" >>"$T/results"
	echo "auth $(wrk_run auth.lua "$BASE" "${AUTH_ENV[@]}")" >>"$T/results"
	rm -rf "$T/ceiling"/*
	echo "ceiling $("$BUILD/bench/lmdb_ceiling" "$T/ceiling" "$SECS")" >>"$T/results"
	echo "issue $(wrk_run issue.lua "$BASE" LINES="$T/issue.lines")" >>"$T/results"
	echo "issue1 $(wrk_run issue.lua "$NOGC" LINES="$T/issue.lines")" >>"$T/results"
	echo "verify $(wrk_run verify.lua "$BASE" LINES="$T/v-gc.lines")" >>"$T/results"
	echo "verify1 $(wrk_run verify.lua "$NOGC" LINES="$T/v-nogc.lines")" >>"$T/results"
	note "round $r done"
done
cp "$T/results" "${OTPD_RESULTS:-/dev/null}" 2>/dev/null || true

# Scaling: the group-commit otpd's database grows; /auth and verification at each size.
kill "$NOGC_PID" 2>/dev/null && wait "$NOGC_PID" 2>/dev/null
NOGC_PID=
: >"$T/scale"
have=0
for size in 1000 10000 100000 1000000; do
	[ "$size" -le "$MAX_GUESTS" ] || break
	t0=$(date +%s%N)
	"$POP" fill "$T/db" "$T/keys/otpd.secret" "$have" "$size"
	fill_ms=$((($(date +%s%N) - t0) / 1000000))
	have=$size
	mb=$(($(du -sk "$T/db" | cut -f1) / 1024))
	for r in 1 2 3; do
		make_codes "$T/db" "$T/v-scale.lines"
		echo "$size $mb $fill_ms auth $(wrk_run auth.lua "$BASE" "${AUTH_ENV[@]}")" >>"$T/scale"
		echo "$size $mb $fill_ms verify $(wrk_run verify.lua "$BASE" LINES="$T/v-scale.lines")" >>"$T/scale"
	done
	note "scale $size done (fill ${fill_ms} ms, ${mb} MB)"
done
grep -q Sanitizer "$T/otpd.log" && fail "sanitizer report"
[ -z "$(grep -E 'event=store_(error|full)' "$T/otpd.log")" ] || fail "store errors: $(grep -E 'event=store_' "$T/otpd.log" | head -3)"

python3 - "$T/results" "$T/scale" "$ROUNDS" "$SECS" <<'PY'
import sys, statistics as st
res, scale, rounds, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def kv(parts):
    return {k: float(v) for k, v in (p.split("=", 1) for p in parts if "=" in p)}
rows = {}
for line in open(res):
    p = line.split()
    rows.setdefault(p[0], []).append(kv(p[1:]))
def col(name, key):
    return sorted(r[key] for r in rows[name])
def med(name, key):
    return st.median(col(name, key))
def mmm(name, key, fmt="{:.0f}"):
    c = col(name, key)
    return " | ".join(fmt.format(x) for x in (c[0], st.median(c), c[-1]))
def ratios(a, b, key):
    # per round: a/b in the same round, then min/median/max of those
    r = sorted(x[key] / y[key] for x, y in zip(rows[a], rows[b]))
    return r
def rr(a, b, key="rps"):
    r = ratios(a, b, key)
    return f"{r[0]:.2f} | {st.median(r):.2f} | {r[-1]:.2f}"
print(f"{rounds} interleaved rounds, each run {secs} s, wrk -t2 -c64 (wrk shares the 2 cores with the server).")
print()
print("### /auth against a hello-world server on the same library and thread model")
print()
print("| server | requests/s min | median | max | p99 ms (median) | non-2xx |")
print("|---|---|---|---|---|---|")
for n, label in (("hello", "bench/hello_mhd (baseline)"), ("auth", "otpd GET /auth, full session")):
    bad = int(sum(r["bad"] for r in rows[n]))
    print(f"| {label} | {mmm(n, 'rps')} | {med(n, 'p99_ms'):.2f} | {bad} |")
print()
r = ratios("auth", "hello", "rps")
print(f"Ratio /auth to hello-world, per round (min / median / max): {rr('auth', 'hello')} — target at least 0.8; "
      f"p99 {med('auth', 'p99_ms'):.2f} ms (median of rounds; worst {col('auth', 'p99_ms')[-1]:.2f} ms) — target under 5 ms.")
print()
print("### Code issue and verification against the LMDB ceiling (durable put+commit loop, same filesystem)")
print()
print("| run | per second min | median | max | p99 ms (median) | non-2xx | ratio to ceiling (min / median / max) |")
print("|---|---|---|---|---|---|---|")
print(f"| LMDB ceiling: single put+commit, synced | {mmm('ceiling', 'commits_per_s')} | "
      f"{st.median(col('ceiling', 'p99_us')) / 1000:.2f} | - | 1 |")
for n, label in (("issue", "code issue (code + outbox + limits + audit), group commit"),
                 ("issue1", "code issue, write_batch = 1 (one commit per request)"),
                 ("verify", "code verification (spend code, guest, invitation, session, audit), group commit"),
                 ("verify1", "code verification, write_batch = 1")):
    bad = int(sum(r["bad"] for r in rows[n]))
    q = sorted(x["rps"] / y["commits_per_s"] for x, y in zip(rows[n], rows["ceiling"]))
    print(f"| {label} | {mmm(n, 'rps')} | {med(n, 'p99_ms'):.2f} | {bad} | "
          f"{q[0]:.2f} / {st.median(q):.2f} / {q[-1]:.2f} |")
print()
print(f"Group commit before/after (same run, per round, min / median / max): issue {rr('issue', 'issue1')}, "
      f"verification {rr('verify', 'verify1')}.")
print()
srows = [l.split() for l in open(scale)]
if srows:
    print("### Scaling with the number of guests (each with a session and a live code)")
    print()
    print("| guests | database MB | fill ms | /auth req/s (median of 3) | /auth p99 ms | verify req/s | verify p99 ms |")
    print("|---|---|---|---|---|---|---|")
    sizes = []
    for p in srows:
        if p[0] not in sizes:
            sizes.append(p[0])
    for s in sizes:
        a = [kv(p[4:]) for p in srows if p[0] == s and p[3] == "auth"]
        v = [kv(p[4:]) for p in srows if p[0] == s and p[3] == "verify"]
        one = next(p for p in srows if p[0] == s)
        print(f"| {int(s):,} | {one[1]} | {one[2]} | {st.median(x['rps'] for x in a):.0f} | "
              f"{st.median(x['p99_ms'] for x in a):.2f} | {st.median(x['rps'] for x in v):.0f} | "
              f"{st.median(x['p99_ms'] for x in v):.2f} |")
PY
