#!/bin/sh
# t-otpd-privacy-held - a provider-MFA sign-in held for the privacy page (otpd/privacy.h) is finished only
# if it still may be: the link withdrawn between the callback and the acceptance gives the "withdrawn"
# page (410), no session, nothing redeemed, no notice; the held cookie is spent.
. "$(dirname "$0")/lib.sh"
otpd_run password
tok=$(invite alice@partner.example) || fail "mktoken"
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "email step"
s=$(signin alice "$(location)")
[ "$s" = 303 ] && [ "$(location)" = "/privacy?lang=en" ] || fail "callback: $s to $(location), want the privacy page"
[ "$(page "$BASE/privacy")" = 200 ] || fail "privacy page"
csrf=$(csrf_of "$T/pg")
"$OTPCTL" -c "$T/otpd.conf" revoke "$tok" >/dev/null 2>&1 || fail "revoke"
s=$(page --data "csrf=$csrf" "$BASE/privacy")
[ "$s" = 410 ] && grep -q 'withdrawn' "$T/pg" || fail "accepting after the revocation: $s $(head -c 300 "$T/pg")"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "a session after the revocation"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth after the revocation"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q alice && fail "redeemed though withdrawn"
grep -q 'event=privacy_accepted held=provider outcome=link_no_longer_valid' "$T/otpd.log" || fail "log line"
s=$(page --data "csrf=$csrf" "$BASE/privacy")
[ "$s" = 401 ] || fail "the held sign-in again: $s"
sleep 1
[ -z "$(notice_files)" ] || fail "the inviter was told"
ok "held, then the link withdrawn: 410 withdrawn at the acceptance, no session, nothing redeemed, spent"
no_secrets
