# Privacy before consent without [guestlink] privacy_url (issue 15): the page still comes before the
# first sign-in finishes and says what is kept and for how long, just with no link to a statement.
# /auth refuses the half-finished sign-in until it is accepted and the enrolment is done; /mfa/setup
# and /mfa/verify both send the guest there first; the acceptance time is in otpctl guests; once only.
. tests/otpd/lib.sh
setup "guest_inactive_disable = 60d"
grep -q '^privacy_url' "$T/otpd.conf" && fail "the test config sets privacy_url"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
grep -q 'url=/mfa/setup' "$T/pg" || fail "code page does not move on to /mfa/setup"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth let the code-level session through"
for step in /mfa/setup /mfa/verify; do
	[ "$(page "$BASE$step")" = 303 ] || fail "$step before the privacy page: not a redirect"
	tr -d '\r' <"$T/ph" | grep -q '^Location: /privacy?lang=en$' || fail "$step: $(grep -i location "$T/ph")"
done
[ "$(page "$BASE/privacy")" = 200 ] || fail "/privacy: $(head -c 300 "$T/pg")"
for want in 'What we keep about you' 'your email address;' 'the invitations you accepted' \
	'the secret of your authenticator app' 'If you do not sign in for 60 days, your access is switched off.' \
	'The audit trail is kept for 90 days' 'I understand, continue'; do
	grep -qF "$want" "$T/pg" || fail "privacy page lacks: $want"
done
grep -q 'privacy-statement' "$T/pg" && fail "a statement link with no privacy_url"
grep -Eo '(src|href)="[^"]*"' "$T/pg" | grep -v '^href="/' | grep . && fail "privacy page: an external asset"
ok "without privacy_url: the privacy page before the enrolment, what is kept and how long, no link"
csrf=$(csrf_of "$T/pg")
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q privacy_accepted_at && fail "recorded before accepting"
[ "$(page --data "csrf=wrong" "$BASE/privacy")" = 400 ] || fail "accept without the CSRF token"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth before acceptance"
before=$(date +%s)
[ "$(page --data "csrf=$csrf" "$BASE/privacy")" = 303 ] || fail "accept"
tr -d '\r' <"$T/ph" | grep -q '^Location: /mfa/setup?lang=en$' || fail "after accepting: $(grep -i location "$T/ph")"
at=$("$OTPCTL" -c "$T/otpd.conf" guests | sed -n 's/.*"privacy_accepted_at":\([0-9]*\).*/\1/p')
[ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le $(($(date +%s) + 1)) ] || fail "acceptance time: '$at'"
mdb_dump -p -s audit "$T/db" | grep -q 'event=privacy_accepted .*guest=guest@example.net' || fail "no audit line"
ok "accepted: recorded with its time (otpctl guests, audit line)"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth after accepting but before the enrolment"
[ "$(page "$BASE/mfa/setup")" = 200 ] && grep -q 'id="secret"' "$T/pg" || fail "no enrolment after accepting"
SECRET=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
now=$(date +%s)
[ "$(mfa_post /mfa/setup "$(totp "$SECRET" "$now")")" = 200 ] || fail "enrolment after accepting"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"
ok "/auth: 401 until accepted and enrolled, then 200"
# Once: a later sign-in (/login, then the app's code) is not asked again, and the time stays.
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "/login"
grep -q 'url=/mfa/verify' "$T/pg" || fail "/login: not on to /mfa/verify"
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "/mfa/verify sent elsewhere: $(grep -i location "$T/ph")"
[ "$(page "$BASE/privacy")" = 303 ] || fail "/privacy asked again"
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $((now + 30)))")" = 200 ] || fail "second sign-in: $(head -c 300 "$T/pg")"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after the second sign-in"
[ "$("$OTPCTL" -c "$T/otpd.conf" guests | sed -n 's/.*"privacy_accepted_at":\([0-9]*\).*/\1/p')" = "$at" ] ||
	fail "acceptance time changed"
[ "$(mdb_dump -p -s audit "$T/db" | grep -c 'event=privacy_accepted ')" = 1 ] || fail "more than one acceptance"
ok "asked once: a second sign-in goes straight to the app's code"
