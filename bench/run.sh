#!/bin/sh
# run.sh - run the benchmarks and write docs/performance.md from what they print.
# Sections come in the order of the issue; every table is printed by the bench
# that measured it, in this run. docs/performance.md.head (hand-written:
# targets, findings, what it would take) goes first when present.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-.}
export BUILD
out=docs/performance.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
start=$(date +%s)
log() { echo "bench: $* ($(($(date +%s) - start)) s)" >&2; }
{
	[ -f docs/performance.md.head ] && cat docs/performance.md.head
	echo "# Measurements"
	echo
	echo "Written by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Shared machines are noisy: read the ratios,"
	echo "which compare runs interleaved in the same minute (A B A B ...), before the absolute numbers."
	echo
	echo "## Machine and versions"
	echo
	echo "- $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ { print $2 }') GB RAM,"
	echo "  $(uname -srm); /tmp on $(df -T /tmp | awk 'NR == 2 { print $2 " (" $1 ")" }')"
	echo "- Postfix $(postconf -h mail_version 2>/dev/null || echo ?), GMime $(pkg-config --modversion gmime-3.0),"
	echo "  libsodium $(pkg-config --modversion libsodium), libmicrohttpd $(pkg-config --modversion libmicrohttpd),"
	echo "  LMDB $(pkg-config --modversion lmdb), $(opendkim -V 2>&1 | head -1 | sed 's/^opendkim: //'),"
	echo "  wrk $(dpkg-query -W -f '${Version}' wrk 2>/dev/null || echo ?), $(cc --version | head -1)"
	echo "- guestlink $(git rev-parse --short HEAD 2>/dev/null || echo ?)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), built with CFLAGS=\"-O2 -g\""
	echo
	echo "Commands (all under \`make bench\`, which runs \`bench/run.sh\`):"
	echo
	echo '```'
	echo "$BUILD/bench/rewrite_bench 100 7 300"
	echo "bench/mailflow.sh 5 200 100"
	echo "SESSIONS=1 MODES=ac bench/mailflow.sh 5 100 100"
	echo "bench/milter-alone.sh 5"
	echo "bench/otpd.sh 5 4 1000000"
	echo "bench/otpd_pg.sh 3 4"
	echo '```'
	echo
	log "rewrite_bench"
	echo "## 1. Rewriting one invitation (the milter's own work, in-process)"
	echo
	echo "A 100 KB multipart/alternative invitation, CPU time per message, against GMime parsing and writing the"
	echo "same message unchanged."
	echo
	"$BUILD/bench/rewrite_bench" 100 7 300
	echo
	log "mailflow"
	echo "## 2. Mail flow: Postfix with and without the milter"
	echo
	echo "smtp-source -> private Postfix -> smtp-sink on loopback, milters on unix sockets. CPU of the whole"
	echo "pipeline (Postfix processes, the milter of the mode, the sink) per message, from /proc."
	echo
	bench/mailflow.sh 5 200 100 2>/dev/null | grep -v '^# '
	echo
	log "mailflow, one session"
	echo "Throughput with one SMTP session at a time (latency-bound, not CPU-bound):"
	echo
	SESSIONS=1 MODES=ac bench/mailflow.sh 5 100 100 2>/dev/null | grep -v '^# '
	echo
	log "milter-alone"
	echo "## 3. The milter alone (bench/milterload over its unix socket, no Postfix)"
	echo
	bench/milter-alone.sh 5 2>/dev/null | grep -v '^# '
	echo
	log "otpd"
	echo "## 4. otpd under load, and 5. scaling with the database"
	echo
	bench/otpd.sh 5 4 1000000 2>/dev/null | grep -v '^# '
	echo
	log "otpd on PostgreSQL"
	echo "## 6. otpd on PostgreSQL beside LMDB (several hosts' backend), pgbench as the ceiling"
	echo
	bench/otpd_pg.sh 3 4 2>/dev/null | grep -v '^# '
	echo
} >"$tmp"
cp "$tmp" "$out"
log "wrote $out"
