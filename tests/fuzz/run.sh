#!/bin/sh
# run.sh - run every libFuzzer target in DIR/tests/fuzz for FUZZ_SECONDS each,
# starting from its seed corpus in tests/fuzz/corpus/<name>/ (a copy, so
# the repo's seeds do not grow). A crash, leak or timeout fails the run and
# leaves the input in build/fuzz/artifacts/ to become a regression seed.
set -eu
dir=${1:-build/fuzz}
secs=${FUZZ_SECONDS:-30}
here=$(cd "$(dirname "$0")" && pwd)
art="$dir/artifacts"
mkdir -p "$art"
pass=0 fail=0
for bin in "$dir"/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	case "$bin" in *.o|*.d) continue ;; esac
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work="$dir/corpus/$name"
	rm -rf "$work"
	mkdir -p "$work"
	[ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
		-artifact_prefix="$art/$name-" -print_final_stats=0 "$work" >"$dir/$name.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -c . "$dir/$name.log" >/dev/null; tail -n 1 "$dir/$name.log" | cut -c1-80))"
		pass=$((pass + 1))
	else
		echo "fuzz $name: FAILED, see $dir/$name.log and $art/" >&2
		tail -n 30 "$dir/$name.log" >&2
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
