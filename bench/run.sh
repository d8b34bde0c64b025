#!/bin/sh
# run.sh - run the benchmarks and write docs/performance.md from what they print.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-.}
out=docs/performance.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# Performance"
	echo
	echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d): $(nproc) cores, $(uname -srm),"
	echo "Postfix $(postconf -h mail_version 2>/dev/null || echo ?), GMime $(pkg-config --modversion gmime-3.0),"
	echo "libsodium $(pkg-config --modversion libsodium). Shared machines are noisy: read the ratios,"
	echo "which compare runs interleaved in the same minute, before the absolute numbers."
	echo
	echo "## Rewriting one invitation (the milter's own work)"
	echo
	echo "\`$BUILD/bench/rewrite_bench 100 7 300\`: a 100 KB multipart/alternative invitation, CPU time per"
	echo "message, against GMime parsing and writing the same message unchanged."
	echo
	"$BUILD/bench/rewrite_bench" 100 7 300
	echo
	echo "## Postfix with and without the milter"
	echo
	echo "\`bench/mailflow.sh 5 200 100\`: smtp-source -> private Postfix -> smtp-sink on loopback, the milter"
	echo "on a unix socket. CPU of the whole pipeline (Postfix processes, milter, sink) per message."
	echo
	BUILD=$BUILD bench/mailflow.sh 5 200 100 | grep -v '^#'
} >"$tmp"
cp "$tmp" "$out"
echo "bench: wrote $out"
