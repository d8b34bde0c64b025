#!/bin/sh
# logscan.sh DIR LOG... - no secret a scenario saw appears in otpd's log.
#
# Run by the cleanup of every tests/otpd and tests/oidc scenario. The secrets,
# gathered from the scenario's directory DIR:
#   - DIR/never-logged.txt: what the scenario noted (tests/otpd/lib.sh's curl
#     wrapper adds every Set-Cookie value, TOTP secret and recovery code it
#     saw; token() adds each accept token);
#   - every code (a line of 8 digits) and accept token in the mails the sink
#     caught (DIR/sink/);
#   - every cookie value in a curl cookie jar (DIR/jar*);
#   - the key files (link.key, otpd.secret, guest.key) in hex, base64 and base64url.
# Then each LOG must hold none of them, and no run of 40 or more base64url
# characters (a token, a key, a session id). Codes are matched as whole
# words (an 8-digit code could be part of a longer number by chance).
# Prints what leaked and exits 1; exits 0 when clean.
set -u
dir=$1
shift
words=$(mktemp)
fixed=$(mktemp)
trap 'rm -f "$words" "$fixed"' EXIT

if [ -d "$dir/sink" ]; then
	find "$dir/sink" -type f -exec cat {} + 2>/dev/null | tr -d '\r' | grep -E '^[0-9]{8}$' | sort -u >"$words"
	find "$dir/sink" -type f -exec grep -ohE '/accept/[A-Za-z0-9_-]{20,}' {} + 2>/dev/null | sed 's|^/accept/||' >>"$fixed"
fi
{
	[ -f "$dir/never-logged.txt" ] && cat "$dir/never-logged.txt"
	for j in "$dir"/jar*; do
		[ -f "$j" ] && awk -F '\t' 'NF >= 7 && $7 != "" { print $7 }' "$j"
	done
	find "$dir" -type f \( -name link.key -o -name otpd.secret -o -name guest.key \) 2>/dev/null | while IFS= read -r f; do
		od -An -tx1 -v "$f" | tr -d ' \n'
		echo
		base64 -w0 "$f" | tr -d '='
		echo
		base64 -w0 "$f" | tr -d '=' | tr '+/' '-_'
		echo
	done
} | awk 'length($0) >= 8' | sort -u >>"$fixed"

rc=0
for log in "$@"; do
	[ -f "$log" ] || continue
	hits=$( { [ -s "$words" ] && grep -nwF -f "$words" "$log"; [ -s "$fixed" ] && grep -nF -f "$fixed" "$log"; } | head -5)
	if [ -n "$hits" ]; then
		echo "FAIL: a code, token, cookie, TOTP secret, recovery code or key in $(basename "$log"):"
		echo "$hits"
		rc=1
	fi
	hits=$(grep -nE '[A-Za-z0-9_-]{40,}' "$log" | head -5)
	if [ -n "$hits" ]; then
		echo "FAIL: a run of 40+ base64url characters in $(basename "$log"):"
		echo "$hits"
		rc=1
	fi
done
exit $rc
