#!/bin/bash
# 02 - a planted session cookie wins again once it is followed by 31 other cookies.
# cookie_get() treats a cookie name sent twice as absent (S10), but it stops reading after CAP_HTTP_COOKIES
# (32) cookies: a second guestlink_session after the 32nd is never seen, so the first one is used. A sibling
# host of cookie_domain (where the session cookie keeps its plain name) plants its own session cookie with a
# longer Path (sent first) and 31 filler cookies: the victim's browser is then signed in as the attacker
# (login CSRF / session fixation), or, with a bogus value, the victim's own session is shadowed (signed out).
# Exit 1: the attack works; 0: refused.
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s"
start_sink
start_otpd
tok=$(token attacker@example.net)
html_accept "$tok" attacker@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
att=$(awk '$6 == "guestlink_session" { print $7 }' "$T/jar" | tail -1)
[ -n "$att" ] || fail "no session cookie"
ask() { command curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $1" -H "X-Original-URL: $RESOURCE/doc" "$BASE/auth"; }
victim=VICTIMSESSIONVALUEVICTIMSESSIONVALUEVICTIMSESSIONVAL
[ "$(ask "guestlink_session=$att")" = 200 ] || fail "the attacker's own session does not pass"
c2=$(ask "guestlink_session=$att; guestlink_session=$victim")
echo "planted + victim's cookie: /auth $c2 (the S10 rule: a doubled name counts as absent)"
fill=
for i in $(seq 1 31); do fill="$fill; f$i=x"; done
c3=$(ask "guestlink_session=$att$fill; guestlink_session=$victim")
echo "planted + 31 fillers + victim's cookie: /auth $c3"
if [ "$c2" = 401 ] && [ "$c3" = 200 ]; then
	echo "VULNERABLE: the duplicate check is skipped past 32 cookies; the planted session is used"
	exit 1
fi
echo "refused"
exit 0
