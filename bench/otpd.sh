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

# cpu_ticks PID... - CPU time (user + system, all threads, clock ticks) the processes have used so far
cpu_ticks() {
	local p sum=0
	for p in "$@"; do
		sum=$((sum + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$sum"
}
CLK_TCK=$(getconf CLK_TCK)

# wrk_run PIDS SCRIPT URL [ENV=VALUE...] - 64 connections for SECS seconds; prints report.lua's line and
# cpu_us=, the CPU the server's processes PIDS (a quoted list) used per request
wrk_run() {
	local pids=$1 script=$2 url=$3 c0 line
	shift 3
	# shellcheck disable=SC2086 # a list of PIDs
	c0=$(cpu_ticks $pids)
	line=$(env "$@" wrk -t"$WRK_THREADS" -c64 -d"${SECS}s" -s "$WRK_DIR/$script" "$url" | grep '^requests=')
	# shellcheck disable=SC2086
	echo "$line cpu_us=$(python3 -c "import sys; t, n = int(sys.argv[1]), int(sys.argv[2].split()[0].split('=')[1]); \
print(round(t * 1e6 / $CLK_TCK / max(n, 1), 1))" "$(($(cpu_ticks $pids) - c0))" "$line")"
}

# PARTS (default all): which parts run, for working on one ("auth", "codes", "scale").
PARTS=${PARTS:-auth codes scale}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# PROFILE=DIR: in the first round, record otpd's CPU (perf record -g, cpu-clock) during each of its
# runs into DIR/NAME.data (perf report -i DIR/auth.data --no-children).
PROFILE=${PROFILE:-}
# otpd_run NAME SCRIPT URL [ENV=VALUE...] - wrk_run, under perf record of otpd in the first round with PROFILE
otpd_run() {
	local name=$1 pp=
	shift
	if [ -n "$PROFILE" ] && [ "$r" = 1 ]; then
		mkdir -p "$PROFILE"
		perf record -q -e cpu-clock -F 999 --call-graph "${PROFILE_CG:-fp}" -o "$PROFILE/$name.data" -p "$OTPD_PID" -- sleep "$SECS" \
			>/dev/null 2>&1 &
		pp=$!
	fi
	wrk_run "$OTPD_PID" "$@"
	[ -z "$pp" ] || wait "$pp" || true
}

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# OTPD_EXTRA: more config lines for otpd (one per line), for trying an option against the same baselines.
EXTRA=()
[ -z "${OTPD_EXTRA:-}" ] || mapfile -t EXTRA <<<"$OTPD_EXTRA"
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_tries_per_hour = 1000000" \
	"ip_mails_per_hour = 1000000" "database_max_size = 16g" "${EXTRA[@]}"
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
THREADS=$(sed -n 's/^threads = //p' "$T/otpd.conf" | tail -1 | grep . || echo 4)
HELLO_PORT=$(free_port)
"$BUILD/bench/hello_mhd" "$HELLO_PORT" "$THREADS" &
HELLO_PID=$!
# The target's baseline: a private nginx answering "return 200" from its config, with as many worker
# processes as otpd has HTTP threads, no access log (otpd logs no /auth either), /auth's answer headers.
NGINX_BENCH_PORT=$(free_port)
NB=$T/nginx-bench
mkdir -p "$NB/tmp"
cat >"$NB/nginx.conf" <<NGINX
daemon off;
master_process on;
worker_processes $THREADS;
pid $NB/nginx.pid;
error_log $NB/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $NB/tmp/body;
    proxy_temp_path $NB/tmp/proxy;
    fastcgi_temp_path $NB/tmp/fastcgi;
    uwsgi_temp_path $NB/tmp/uwsgi;
    scgi_temp_path $NB/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_BENCH_PORT;
        location / {
            default_type "text/plain; charset=utf-8";
            add_header X-Guest-Email guest@example.net;
            add_header Cache-Control no-store;
            return 200 "ok\n";
        }
    }
}
NGINX
nginx -p "$NB/" -e "$NB/error.log" -c "$NB/nginx.conf" -t >"$NB/t.log" 2>&1 || fail "nginx config: $(cat "$NB/t.log")"
nginx -p "$NB/" -e "$NB/error.log" -c "$NB/nginx.conf" &
NGINX_PID=$!
sleep 0.3
curl -s -o /dev/null "http://127.0.0.1:$HELLO_PORT/" || fail "hello_mhd did not start"
curl -s -o /dev/null "http://127.0.0.1:$NGINX_BENCH_PORT/auth" || fail "nginx did not start: $(cat "$NB/error.log")"
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
	if part auth; then
		echo "nginx $(wrk_run "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" auth.lua "http://127.0.0.1:$NGINX_BENCH_PORT" "${AUTH_ENV[@]}")" >>"$T/results"
		echo "hello $(wrk_run "$HELLO_PID" auth.lua "http://127.0.0.1:$HELLO_PORT" "${AUTH_ENV[@]}")" >>"$T/results"
		echo "auth $(otpd_run auth auth.lua "$BASE" "${AUTH_ENV[@]}")" >>"$T/results"
	fi
	if part codes; then
		make_codes "$T/db" "$T/v-gc.lines"
		make_codes "$T/db-nogc" "$T/v-nogc.lines"
		rm -rf "$T/ceiling"/*
		echo "ceiling $("$BUILD/bench/lmdb_ceiling" "$T/ceiling" "$SECS")" >>"$T/results"
		echo "issue $(otpd_run issue issue.lua "$BASE" LINES="$T/issue.lines")" >>"$T/results"
		echo "issue1 $(wrk_run "$NOGC_PID" issue.lua "$NOGC" LINES="$T/issue.lines")" >>"$T/results"
		echo "verify $(otpd_run verify verify.lua "$BASE" LINES="$T/v-gc.lines")" >>"$T/results"
		echo "verify1 $(wrk_run "$NOGC_PID" verify.lua "$NOGC" LINES="$T/v-nogc.lines")" >>"$T/results"
	fi
	note "round $r done"
done
cp "$T/results" "${OTPD_RESULTS:-/dev/null}" 2>/dev/null || true

# Scaling: the group-commit otpd's database grows; /auth and verification at each size.
kill "$NOGC_PID" 2>/dev/null && wait "$NOGC_PID" 2>/dev/null
NOGC_PID=
: >"$T/scale"
have=0
for size in 1000 10000 100000 1000000; do
	part scale && [ "$size" -le "$MAX_GUESTS" ] || break
	t0=$(date +%s%N)
	"$POP" fill "$T/db" "$T/keys/otpd.secret" "$have" "$size"
	fill_ms=$((($(date +%s%N) - t0) / 1000000))
	have=$size
	mb=$(($(du -sk "$T/db" | cut -f1) / 1024))
	for r in 1 2 3; do
		make_codes "$T/db" "$T/v-scale.lines"
		echo "$size $mb $fill_ms auth $(wrk_run "$OTPD_PID" auth.lua "$BASE" "${AUTH_ENV[@]}")" >>"$T/scale"
		echo "$size $mb $fill_ms verify $(wrk_run "$OTPD_PID" verify.lua "$BASE" LINES="$T/v-scale.lines")" >>"$T/scale"
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
def rr(a, b, key="rps", bkey=None):
    r = sorted(x[key] / y[bkey or key] for x, y in zip(rows[a], rows[b]))
    return f"{r[0]:.2f} | {st.median(r):.2f} | {r[-1]:.2f}"
print(f"{rounds} interleaved rounds, each run {secs} s, wrk -t2 -c64 (wrk shares the 2 cores with the server).")
print()
if "auth" in rows:
    print("### /auth against nginx answering from its config, and a hello-world server on otpd's library")
    print()
    print("| server | requests/s min | median | max | p99 ms (median) | server CPU µs per request (median) | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for n, label in (("nginx", "nginx `return 200` (the target's baseline)"),
                     ("hello", "bench/hello_mhd (libmicrohttpd hello-world)"),
                     ("auth", "otpd GET /auth, full session")):
        bad = int(sum(r["bad"] for r in rows[n]))
        print(f"| {label} | {mmm(n, 'rps')} | {med(n, 'p99_ms'):.2f} | {med(n, 'cpu_us'):.1f} | {bad} |")
    print()
    print(f"Ratio /auth to nginx, per round (min / median / max): {rr('auth', 'nginx')} — target at least 1.0. "
          f"To hello_mhd: {rr('auth', 'hello')}. nginx to hello_mhd: {rr('nginx', 'hello')}. "
          f"Server CPU per request, /auth to nginx: {rr('auth', 'nginx', 'cpu_us')}. "
          f"/auth p99 {med('auth', 'p99_ms'):.2f} ms (median of rounds; worst {col('auth', 'p99_ms')[-1]:.2f} ms).")
    print()
if "issue" in rows:
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
    print(f"Ratios to the ceiling in the same round (min / median / max): code issue {rr('issue', 'ceiling', 'rps', 'commits_per_s')} "
          f"— target at least 1.3; code verification {rr('verify', 'ceiling', 'rps', 'commits_per_s')} — target at least 1.0.")
    print()
    print(f"Group commit before/after (same run, per round, min / median / max): issue {rr('issue', 'issue1')}, "
          f"verification {rr('verify', 'verify1')}.")
    print()
srows = [l.split() for l in open(scale)]
if srows:
    print("### Scaling with the number of guests (each with a session and a live code)")
    print()
    print("| guests | database MB | fill ms | /auth req/s (median of 3) | /auth p99 ms | verify req/s (median of 3) | verify p99 ms |")
    print("|---|---|---|---|---|---|---|")
    sizes = []
    for p in srows:
        if p[0] not in sizes:
            sizes.append(p[0])
    meds = {}
    for s in sizes:
        a = [kv(p[4:]) for p in srows if p[0] == s and p[3] == "auth"]
        v = [kv(p[4:]) for p in srows if p[0] == s and p[3] == "verify"]
        one = next(p for p in srows if p[0] == s)
        meds[s] = (st.median(x['rps'] for x in a), st.median(x['rps'] for x in v))
        print(f"| {int(s):,} | {one[1]} | {one[2]} | {meds[s][0]:.0f} | "
              f"{st.median(x['p99_ms'] for x in a):.2f} | {meds[s][1]:.0f} | "
              f"{st.median(x['p99_ms'] for x in v):.2f} |")
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print()
        print(f"From {int(lo):,} to {int(hi):,} guests: /auth {meds[hi][0] / meds[lo][0]:.2f}x (target: flat), "
              f"verification {meds[hi][1] / meds[lo][1]:.2f}x (target at least 0.7x).")
PY
