#!/bin/sh
# t-otpd-mfa - through otpd: an invited guest of a configured domain types their address, goes to their
# own provider (login_hint), comes back and lands on the resource, with no code mail; the provider's
# sign-in counts as MFA here (mfa_amr = password), so no TOTP. The first time, the callback holds the
# sign-in for the privacy page (nothing redeemed, /auth 401); accepting it finishes the sign-in: on to the
# resource, and /auth lets the session through. The held sign-in works once; it is asked once.
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
[ "$(location)" = "/privacy?lang=en" ] || fail "callback sent us to $(location), want the privacy page first"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" || fail "no cookie for the held sign-in"
grep -qi '^Set-Cookie: oidc_state=; Path=/oidc/callback; Max-Age=0' "$T/ph" || fail "state cookie not cleared"
grep -q 'event=oidc_signin provider=partner .*outcome=privacy_first' "$T/otpd.log" || fail "log: no privacy_first"
[ "$(auth "$RESOURCE/doc")" = 401 ] || fail "/auth let a held sign-in through before the privacy page"
[ "$(page "$BASE/account")" = 200 ] && grep -q 'Leave' "$T/pg" && fail "/account for a held sign-in"
[ "$(page "$BASE/mfa/setup")" = 303 ] && [ "$(location)" = "/privacy?lang=en" ] || fail "/mfa/setup: $(location)"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q alice && fail "redeemed before the privacy page was accepted"
sleep 1
[ -z "$(notice_files)" ] || fail "the inviter was told before the privacy page was accepted"
ok "provider MFA, first sign-in: held, 303 to /privacy; /auth 401, nothing redeemed, no notice yet"
[ "$(page "$BASE/privacy")" = 200 ] || fail "/privacy: $(head -c 300 "$T/pg")"
for want in 'What we keep about you' 'your email address;' 'The audit trail is kept for 90 days' 'I understand, continue'; do
	grep -qF "$want" "$T/pg" || fail "privacy page lacks: $want"
done
grep -q 'privacy-statement' "$T/pg" && fail "a statement link with no privacy_url"
held_csrf=$(csrf_of "$T/pg")
cp "$T/jar" "$T/jar.held"
[ "$(page "$BASE/privacy?lang=nl")" = 200 ] && grep -q 'Wat we over je bewaren' "$T/pg" || fail "privacy page in Dutch"
[ "$(page --data "csrf=wrong" "$BASE/privacy")" = 400 ] || fail "accept without the CSRF token"
[ "$(auth "$RESOURCE/doc")" = 401 ] || fail "/auth after a refused accept"
ok "privacy page for the held sign-in: what is kept, en and nl, no statement link; CSRF needed"
before=$(date +%s)
s=$(page --data "csrf=$held_csrf" "$BASE/privacy")
[ "$s" = 303 ] || fail "accept: $s $(head -c 300 "$T/pg")"
[ "$(location)" = "$RESOURCE" ] || fail "accepting sent us to $(location), want $RESOURCE"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" || fail "no session cookie after accepting"
[ "$(mail_count)" = 0 ] || fail "a code mail was sent"
at=$("$OTPCTL" -c "$T/otpd.conf" guests | sed -n 's/.*"privacy_accepted_at":\([0-9]*\).*/\1/p')
[ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le $(($(date +%s) + 1)) ] || fail "acceptance time: '$at'"
grep -q 'event=privacy_accepted guest=alice@partner.example held=provider outcome=signed_in_provider_mfa' "$T/otpd.log" ||
	fail "log: no privacy_accepted"
ok "accepted: 303 to the resource, a session cookie, no code mail; acceptance time in otpctl guests"
# The held sign-in works once: its cookie and token again give nothing.
s=$(curl -s -b "$T/jar.held" -D "$T/ph2" -o "$T/pg2" -w '%{http_code}' --data "csrf=$held_csrf" "$BASE/privacy")
[ "$s" = 401 ] || fail "the held sign-in accepted twice: $s"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph2" && fail "a second session from one held sign-in"
[ "$(auth "$RESOURCE/doc" "$T/jar.held")" = 401 ] || fail "/auth with the held sign-in's cookie"
ok "the held sign-in works once; its cookie never passes /auth"
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
