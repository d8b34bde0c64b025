#!/bin/sh
# gen-admin-doc.sh - docs/admin.md = head + the key reference from the parser's
# table (otpctl config-reference) + tail. With --check, only compare.
set -eu
cd "$(dirname "$0")/.."
otpctl=${OTPCTL:-otpd/otpctl}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{ cat docs/admin.md.head; "$otpctl" config-reference; cat docs/admin.md.tail; } >"$tmp"
if [ "${1:-}" = --check ]; then
	if ! cmp -s "$tmp" docs/admin.md; then
		echo "docs: docs/admin.md is out of date with the config table; run scripts/gen-admin-doc.sh" >&2
		diff -u docs/admin.md "$tmp" | head -40 >&2
		exit 1
	fi
	# every key is also in the commented example
	for key in $("$otpctl" config-reference | sed -n 's/^| `\([a-z_]*\)` .*/\1/p'); do
		grep -q "^;* *$key *=" contrib/guestlink.conf || { echo "docs: $key missing from contrib/guestlink.conf" >&2; exit 1; }
	done
	echo "docs: admin.md and contrib/guestlink.conf match the config table"
	exit 0
fi
cp "$tmp" docs/admin.md
