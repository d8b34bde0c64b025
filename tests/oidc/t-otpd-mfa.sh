#!/bin/sh
# t-otpd-mfa - through otpd: an invited guest of a configured domain types their address, goes to their
# own provider (login_hint), comes back and lands on the resource, with no code mail; the provider's
# sign-in counts as MFA here (mfa_amr = password), so no TOTP: /auth lets the session through at once.
# The same callback twice is refused; otpctl guests says how the guest signs in; /login sends the
# returning guest to the provider too, then to rd.
. "$(dirname "$0")/lib.sh"
otpd_run password
tok=$(invite alice@partner.example guest@gmail.com) || fail "mktoken"
s=$(accept_email "$tok" Alice@Partner.example)
[ "$s" = 303 ] || fail "email step: $s, want 303 to the provider"
url=$(location)
case "$url" in "$GW_ISSUER/auth?"*login_hint=alice%40partner.example*) ;; *) fail "redirect: $url" ;; esac
grep -qi '^Set-Cookie: oidc_state=[A-Za-z0-9_-]\{43\}; Path=/oidc/callback; Max-Age=600; HttpOnly; SameSite=Lax' "$T/ph" ||
	fail "state cookie: $(grep -i set-cookie "$T/ph")"
ok "email step: 303 to the provider with login_hint and a state cookie"
s=$(signin alice "$url")
[ "$s" = 303 ] || fail "callback: $s $(cat "$T/pg")"
[ "$(location)" = "$RESOURCE" ] || fail "callback sent us to $(location), want $RESOURCE"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" || fail "no session cookie"
grep -qi '^Set-Cookie: oidc_state=; Path=/oidc/callback; Max-Age=0' "$T/ph" || fail "state cookie not cleared"
[ "$(mail_count)" = 0 ] || fail "a code mail was sent"
ok "callback: 303 to the resource, session cookie, no code mail"
# The inviter hears back (issue 15): one notice, saying the guest used their organisation's account.
for _ in $(seq 100); do [ -n "$(notice_files)" ] && break; sleep 0.1; done
[ "$(notice_files | wc -l)" = 1 ] || fail "want one notice to the inviter after the provider redemption"
tr -d '\r' <"$(notice_files)" | grep -q '^alice@partner.example accepted your invitation to' || fail "notice: who"
tr -d '\r' <"$(notice_files)" | grep -q 'with the account of their own organisation' || fail "notice: how"
ok "provider redemption: one notice to the inviter"
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "/auth refused a provider-MFA session"
grep -qi '^X-Guest-Email: alice@partner.example' "$T/ah" || fail "X-Guest-Email"
[ "$(auth https://teams.example.org/team/43)" = 401 ] || fail "/auth allowed another resource"
[ "$(page "$BASE/mfa/setup")" = 200 ] && grep -q 'id="secret"' "$T/pg" && fail "TOTP enrolment offered"
ok "/auth: 200 for the invitation's resource only; no TOTP enrolment"
# Replayed state: the same callback again (the state cookie is gone; put it back to be sure).
cp "$T/jar" "$T/jar.keep"
state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' "$T/callback")
printf '127.0.0.1\tFALSE\t/oidc/callback\tFALSE\t0\toidc_state\t%s\n' "$state" >>"$T/jar"
s=$(page "$(cat "$T/callback")")
[ "$s" = 400 ] || fail "replayed callback: $s"
grep -q 'already used' "$T/pg" || fail "replay page: $(cat "$T/pg")"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "replay made a session"
ok "replayed state: 400, 'already used', no session"
cp "$T/jar.keep" "$T/jar"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q '"email":"alice@partner.example","sign_in":"oidc:partner","mfa":"provider"' "$T/guests" ||
	fail "guests: $(cat "$T/guests")"
ok "otpctl guests: sign_in oidc:partner, mfa provider"
# A returning guest at /login, in a fresh browser: to the provider, back to rd.
: >"$T/jar"
rd="$RESOURCE/page?x=1"
[ "$(page -G --data-urlencode "rd=$rd" "$BASE/login")" = 200 ] || fail "login page"
grep -q 'name="method" value="code"' "$T/pg" || fail "login page: no 'email me a code instead'"
s=$(page --data-urlencode "email=alice@partner.example" --data-urlencode "rd=$rd" \
	--data "csrf=$(csrf_of "$T/pg")" "$BASE/login/email")
[ "$s" = 303 ] || fail "login email step: $s"
s=$(signin alice "$(location)")
[ "$s" = 303 ] || fail "login callback: $s $(cat "$T/pg")"
[ "$(location)" = "$rd" ] || fail "login callback sent us to $(location), want $rd"
[ "$(auth "$rd")" = 200 ] || fail "/auth after /login"
ok "/login: provider, then rd; /auth 200"
# rd outside the guest's invitations is not followed.
: >"$T/jar"
page -G --data-urlencode "rd=https://evil.example/" "$BASE/login" >/dev/null
page --data-urlencode "email=alice@partner.example" --data-urlencode "rd=https://evil.example/" \
	--data "csrf=$(csrf_of "$T/pg")" "$BASE/login/email" >/dev/null
s=$(signin alice "$(location)")
[ "$s" = 303 ] && [ "$(location)" = "$RESOURCE" ] || fail "foreign rd: $s to $(location)"
ok "/login: a foreign rd is not followed"
[ "$(notice_files | wc -l)" = 1 ] || fail "a notice for a later sign-in: $(notice_files | wc -l)"
ok "later provider sign-ins: still one notice"
no_secrets
ok "no state, code or session id in the log"
