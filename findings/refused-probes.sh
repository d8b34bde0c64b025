#!/bin/bash
# refused-probes.sh - attacks on otpd that were REFUSED (red team 2): each line prints what otpd answered
# and the answer a safe otpd gives; exit 1 if any answer differs (then one of them works), else 0.
# Run from the tree after `make -j2 all test-bins`: bash findings/refused-probes.sh
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; exit 2; }
bad=0
expect() { # expect WHAT WANT GOT
	if [ "$2" = "$3" ]; then echo "refused: $1 -> $3"; else echo "DIFFERS: $1 -> $3 (want $2)"; bad=1; fi
}
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G other@example.com)
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail enrol
sess=$(awk '$6=="guestlink_session"{print $7}' "$T/jar")
expect "dup email field" '400' "$(page "$BASE/accept/$tok" >/dev/null; c=$(csrf_of "$T/pg"); page --data "email=$G&email=x@y.z&csrf=$c" "$BASE/accept/$tok/email")"
echo "2 two Cookie header lines (planted first): $(python3 - "${BASE##*:}" "$sess" <<'PY'
import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.sendall(("GET /auth HTTP/1.1\r\nHost: x\r\nX-Original-URL: https://teams.example.org/team/42\r\nCookie: guestlink_session=AAAA\r\nCookie: guestlink_session=%s\r\nConnection: close\r\n\r\n"%sys.argv[2]).encode())
print(s.recv(100).split(b"\r\n")[0].decode())
PY
)"
expect "GET /account/leave" '405' "$(page "$BASE/account/leave")"
expect "/account/leave without CSRF" '400' "$(page --data "confirm=yes" "$BASE/account/leave")"
expect "/account/leave CSRF from another session's page (fresh jar)" '400' "$(command curl -s -o /dev/null -w '%{http_code}' -b "guestlink_session=$sess" --data "confirm=yes&csrf=$(csrf_of "$T/pg")" "$BASE/account/leave")"
expect "/auth session via query ?guestlink_session=" '401' "$(command curl -s -o /dev/null -w '%{http_code}' -H "X-Original-URL: $RESOURCE" "$BASE/auth?guestlink_session=$sess")"
expect "/auth other guest's resource 43" '401' "$(auth https://teams.example.org/team/43)"
expect "/auth X-Original-URL with tab/CRLF-encoded" '401' "$(auth "$RESOURCE%0d%0a/../43")"
expect "/privacy POST w/o session" '400' "$(command curl -s -o /dev/null -w '%{http_code}' --data 'csrf=x' "$BASE/privacy")"
expect "api code with 43-char junk key for other@example.com" '401 {"error":"wrong_or_expired_code"}' "$(api "/api/v1/accept/$tok/code" "{\"email\":\"other@example.com\",\"code\":\"$(printf 'A%.0s' $(seq 43))\"}")"
expect "X-Guest-Email planted by client on /auth" 'X-Guest-Email: guest@example.net ' "$(command curl -s -D - -o /dev/null -b "$T/jar" -H "X-Original-URL: $RESOURCE" -H 'X-Guest-Email: ceo@example.org' "$BASE/auth" | tr -d '\r' | grep -i '^x-guest-email' | tr '\n' ' ')"
expect "account page lists only own resources" 'class="resource" href="https://teams.example.org/team/42" ' "$(page "$BASE/account" >/dev/null; grep -o 'class="resource" href="[^"]*"' "$T/pg" | tr '\n' ' ')"
expect "leave then old session /auth" '200 then 401' "$(page "$BASE/account" >/dev/null; page --data "confirm=yes&csrf=$(csrf_of "$T/pg")" "$BASE/account/leave") then $(auth "$RESOURCE")"
expect "after leave, /login for the left guest sends a mail?" '0 mails' "$(n0=$(mail_count); page "$BASE/login" >/dev/null; page --data "email=$G&csrf=$(csrf_of "$T/pg")" "$BASE/login/email" >/dev/null; sleep 1; echo $(( $(mail_count) - n0 )) mails)"
kill -0 "$OTPD_PID" || { echo "DIFFERS: otpd died"; bad=1; }
exit $bad
