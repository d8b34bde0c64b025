#!/bin/bash
# 05 - a revoked invitation gives access again a month after its link expired.
# otpctl revoke writes "revoked_at" into the invitation record, but keeps that record's expiry (the link's
# expiry + INVITE_KEEP, 30 days) instead of INVITE_REVOKE_KEEP. The guest record (kept 400 days, renewed at
# every sign-in) still lists the invitation and its resource, and guest_resource() only asks whether a
# *live* record says "revoked". Once the record expires, the revoked guest signs in at /login (their own
# code and TOTP) and /auth lets them into the revoked resource again. (time() is moved forward with a
# small LD_PRELOAD shim, tests/otpd/timeshift.c, at an otpd restart.)
# Exit 1: the attack works; 0: refused.
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s"
cc -shared -fPIC -o "$T/timeshift.so" tests/otpd/timeshift.c || fail "shim"
chmod 0755 "$T/timeshift.so"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "a full session does not pass"
inv=$("$OTPCTL" -c "$T/otpd.conf" inspect "$tok" | python3 -c 'import json,sys; print(json.load(sys.stdin)["invitation"])')
"$OTPCTL" -c "$T/otpd.conf" revoke "$inv" >/dev/null || fail "otpctl revoke"
settle_revocation
[ "$(auth "$RESOURCE/doc")" = 401 ] || fail "revocation did not take effect"
echo "revoked: /auth 401"
# 33 days later (link ttl 1 day + INVITE_KEEP 30 days + 2): the guest signs in again.
OFF=$((33 * 86400))
kill_otpd
# Under ASan (make check-asan) the sanitizer runtime must come first; the shim only wraps time(), so
# its place in the library list does not matter: tell ASan not to check the order.
OTPD_WRAPPER="env LD_PRELOAD=$T/timeshift.so RT_TIME_OFFSET=$OFF ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
start_otpd
: >"$T/jar"
s=$(html_login guest@example.net)
[ "$s" = 200 ] || { echo "login code step: $s (refused)"; exit 0; }
[ "$(page "$BASE/mfa/verify")" = 200 ] || { echo "no verify step (refused)"; exit 0; }
s=$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + OFF)))")
a=$(auth "$RESOURCE/doc")
echo "33 days later: TOTP $s, /auth for the revoked resource: $a"
if [ "$a" = 200 ]; then
	echo "VULNERABLE: the revoked invitation's resource is reachable again"
	exit 1
fi
echo "refused"
exit 0
