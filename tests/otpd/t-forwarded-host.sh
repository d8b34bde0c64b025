#!/bin/bash
# 08 - /auth builds "<proto>://<X-Forwarded-Host><X-Forwarded-Uri>" without checking that the host is a
# host: a '#' or '?' in X-Forwarded-Host turns the real X-Forwarded-Uri into a fragment or query, so the URL
# judged is the host value's own path. Wherever X-Forwarded-Host reaches otpd from the client (auth_request
# passes every client header the config does not replace; forward-auth proxies that forward it), a guest of
# /team/42 gets 200 for any path: "X-Forwarded-Host: teams.example.org/team/42#" + "X-Forwarded-Uri: /team/43".
# Exit 1: the attack works; 0: refused.
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
fa() { command curl -s -o /dev/null -w '%{http_code}' -b "$T/jar" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: $1" -H "X-Forwarded-Uri: $2" "$BASE/auth"; }
c=$(fa teams.example.org /team/43/secret.txt)
a=$(fa 'teams.example.org/team/42#' /team/43/secret.txt)
b=$(fa 'teams.example.org/team/42?' /team/43/secret.txt)
echo "honest headers for /team/43: $c; host 'teams.example.org/team/42#': $a; host 'teams.example.org/team/42?': $b"
[ "$c" = 401 ] || fail "control: /team/43 allowed outright"
if [ "$a" = 200 ] || [ "$b" = 200 ]; then
	echo "VULNERABLE: the path in X-Forwarded-Host decided; X-Forwarded-Uri /team/43 was allowed"
	exit 1
fi
echo "refused"
exit 0
