# Privacy before consent (issue 15): with privacy_url set (t-privacy-no-url.sh: without), a first sign-in is sent from /mfa/setup to
# /privacy, which says what is kept and for how long (from the config), links to the statement, has no
# external assets, in English and Dutch; accepting needs the CSRF token, is recorded with its time
# (otpctl guests, audit line) and is asked once.
. tests/otpd/lib.sh
setup "guest_inactive_disable = 90d" "guest_disabled_delete = 30d"
sed -i 's|^org_name = .*|&\nprivacy_url = https://www.example.org/privacy|' "$T/otpd.conf"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth let a code-level session through before the privacy page"
[ "$(page "$BASE/mfa/setup")" = 303 ] || fail "/mfa/setup before the privacy page: not a redirect"
tr -d '\r' <"$T/ph" | grep -q '^Location: /privacy?lang=en$' || fail "redirect: $(grep -i location "$T/ph")"
[ "$(page "$BASE/privacy")" = 200 ] || fail "/privacy: $(head -c 300 "$T/pg")"
cp "$T/pg" "$T/privacy.html"
[ "$(page --data "code=123456&csrf=$(csrf_of "$T/pg")" "$BASE/mfa/setup")" = 303 ] ||
	fail "POST /mfa/setup skips the privacy page"
cp "$T/privacy.html" "$T/pg"
for want in 'your email address;' 'the invitations you accepted' 'the secret of your authenticator app' \
	'when and how you signed in;' 'an audit trail' 'If you do not sign in for 90 days, your access is switched off.' \
	'switched off for 30 days is deleted.' 'The audit trail is kept for 90 days' \
	'<a id="privacy-statement" href="https://www.example.org/privacy">' 'name="viewport"'; do
	grep -qF "$want" "$T/pg" || fail "privacy page lacks: $want"
done
grep -Eo '(src|href)="[^"]*"' "$T/pg" | grep -v '^href="/' | grep -vxF 'href="https://www.example.org/privacy"' |
	grep . && fail "privacy page: an external asset"
csrf=$(csrf_of "$T/pg")
[ "$(page "$BASE/privacy?lang=nl")" = 200 ] || fail "/privacy?lang=nl"
grep -q '<html lang="nl">' "$T/pg" && grep -q 'Wat we over je bewaren' "$T/pg" && grep -q 'je e-mailadres;' "$T/pg" ||
	fail "privacy page in Dutch"
ok "privacy page before the enrolment: what is kept, for how long, the statement; en and nl"
[ "$(page --data "csrf=wrong" "$BASE/privacy")" = 400 ] || fail "accept without the CSRF token"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth before acceptance"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q privacy_accepted_at && fail "recorded without CSRF"
before=$(date +%s)
[ "$(page --data "csrf=$csrf" "$BASE/privacy")" = 303 ] || fail "accept"
tr -d '\r' <"$T/ph" | grep -q '^Location: /mfa/setup?lang=en$' || fail "after accepting: $(grep -i location "$T/ph")"
at=$("$OTPCTL" -c "$T/otpd.conf" guests | sed -n 's/.*"privacy_accepted_at":\([0-9]*\).*/\1/p')
[ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le $(($(date +%s) + 1)) ] || fail "acceptance time: '$at'"
mdb_dump -p -s audit "$T/db" | grep -q 'event=privacy_accepted .*guest=guest@example.net' || fail "no audit line"
ok "accepted: recorded with its time (otpctl guests, audit line)"
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment after accepting"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"
# Once: a later code sign-in (/login) is not asked again.
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "/login"
grep -q 'url=/mfa/verify' "$T/pg" || fail "/login: not on to /mfa/verify"
[ "$(page "$BASE/privacy")" = 303 ] || fail "/privacy asked again"
ok "asked once"
