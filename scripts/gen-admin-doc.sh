#!/bin/sh
# gen-admin-doc.sh - the two documents made from the daemons' key tables
# (shared/config.c, milter/milter_config.c, otpd/otpd_config.c, printed by
# otpctl config-reference), so that they never disagree with them or with
# each other:
#   docs/admin.md          = docs/admin.md.head + the table (Markdown) + docs/admin.md.tail
#   man/guestlink.conf.5   = man/guestlink.conf.5.head + the table as man(7)
#                            (scripts/reference-man.awk) + man/guestlink.conf.5.tail
# With --check, only compare (and check that contrib/guestlink.conf has every key).
set -eu
cd "$(dirname "$0")/.."
otpctl=${OTPCTL:-otpd/otpctl}
ref=$(mktemp) adm=$(mktemp) man=$(mktemp)
trap 'rm -f "$ref" "$adm" "$man"' EXIT
"$otpctl" config-reference >"$ref"
{ cat docs/admin.md.head "$ref" docs/admin.md.tail; } >"$adm"
body=$(awk -f scripts/reference-man.awk "$ref")
{ cat man/guestlink.conf.5.head; printf '%s\n' "$body"; cat man/guestlink.conf.5.tail; } >"$man"
if [ "${1:-}" = --check ]; then
	rc=0
	for pair in "$adm docs/admin.md" "$man man/guestlink.conf.5"; do
		set -- $pair
		if ! cmp -s "$1" "$2"; then
			echo "docs: $2 is out of date with the config table; run scripts/gen-admin-doc.sh" >&2
			diff -u "$2" "$1" | head -40 >&2 || true
			rc=1
		fi
	done
	[ "$rc" -eq 0 ] || exit 1
	# every key is also in the commented example
	for key in $(sed -n 's/^| `\([a-z_]*\)` .*/\1/p' "$ref"); do
		grep -q "^;* *$key *=" contrib/guestlink.conf || { echo "docs: $key missing from contrib/guestlink.conf" >&2; exit 1; }
	done
	echo "docs: admin.md, guestlink.conf(5) and contrib/guestlink.conf match the config table"
	exit 0
fi
cp "$adm" docs/admin.md
cp "$man" man/guestlink.conf.5
