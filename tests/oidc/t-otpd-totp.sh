#!/bin/sh
# t-otpd-totp - through otpd's JSON API: the provider's sign-in does NOT count as MFA (mfa_amr = mfa otp,
# glewlwyd says "password"), so the guest lands on /mfa/setup, is sent to the privacy page first (once,
# acceptance time in otpctl guests), and /auth refuses until both and the TOTP are done.
. "$(dirname "$0")/lib.sh"
otpd_run "mfa otp"
tok=$(invite alice@partner.example) || fail "mktoken"
s=$(curl -s -c "$T/jar" -D "$T/ph" -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data '{"email":"alice@partner.example"}' "$BASE/api/v1/accept/$tok/email")
[ "$s" = 200 ] || fail "JSON email step: $s $(cat "$T/b")"
url=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]=="redirect"; print(d["next"])' "$T/b") ||
	fail "JSON answer: $(cat "$T/b")"
case "$url" in "$GW_ISSUER/auth?"*login_hint=alice%40partner.example*) ;; *) fail "next: $url" ;; esac
grep -qi '^Set-Cookie: oidc_state=' "$T/ph" || fail "JSON: no state cookie"
ok "JSON email step: 200 {\"status\":\"redirect\",\"next\":provider URL} and the state cookie"
# An unconfigured domain keeps the old answer.
s=$(curl -s -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data '{"email":"guest@gmail.com"}' "$BASE/api/v1/accept/$tok/email")
[ "$s" = 202 ] && grep -q '"status":"accepted"' "$T/b" || fail "unconfigured domain: $s $(cat "$T/b")"
ok "JSON email step, other domain: 202 accepted"
s=$(signin alice "$url")
[ "$s" = 303 ] || fail "callback: $s $(cat "$T/pg")"
case "$(location)" in /mfa/setup|/mfa/setup?lang=*) ;; *) fail "callback sent us to $(location), want /mfa/setup" ;; esac
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" || fail "no session cookie"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth let a provider sign-in without MFA through"
ok "no MFA at the provider: /mfa/setup, /auth 401"
[ "$(page "$BASE/mfa/setup")" = 303 ] && [ "$(location)" = "/privacy?lang=en" ] ||
	fail "setup before the privacy page: not sent there ($(location))"
[ "$(page --data "csrf=wrong" "$BASE/privacy")" = 400 ] || fail "accept without the CSRF token"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth before the privacy page"
before=$(date +%s)
[ "$(accept_privacy)" = 303 ] && [ "$(location)" = "/mfa/setup?lang=en" ] || fail "accept: $(location)"
at=$("$OTPCTL" -c "$T/otpd.conf" guests | sed -n 's/.*"privacy_accepted_at":\([0-9]*\).*/\1/p')
[ -n "$at" ] && [ "$at" -ge "$before" ] && [ "$at" -le $(($(date +%s) + 1)) ] || fail "acceptance time: '$at'"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth after the privacy page, before the TOTP"
ok "no MFA at the provider: the privacy page before the enrolment, accepted with its time; /auth still 401"
[ "$(page "$BASE/mfa/setup")" = 200 ] || fail "setup page"
secret=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
[ ${#secret} -eq 32 ] || fail "no TOTP secret on the setup page"
s=$(page --data-urlencode "code=$(oathtool --totp -b "$secret")" --data "csrf=$(csrf_of "$T/pg")" "$BASE/mfa/setup")
[ "$s" = 200 ] || fail "confirm: $s"
grep -q "href=\"$RESOURCE\"" "$T/pg" || fail "enrolment done page: no way on to the resource"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after TOTP enrolment"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q '"email":"alice@partner.example","sign_in":"oidc:partner","mfa":"totp"' "$T/guests" ||
	fail "guests: $(cat "$T/guests")"
ok "after TOTP enrolment: /auth 200; otpctl guests: oidc:partner, totp"
# Returning: /login through the provider, then /mfa/verify (enrolled).
: >"$T/jar"
page "$BASE/login" >/dev/null
page --data-urlencode "email=alice@partner.example" --data "csrf=$(csrf_of "$T/pg")" "$BASE/login/email" >/dev/null
s=$(signin alice "$(location)")
[ "$s" = 303 ] && case "$(location)" in /mfa/verify|/mfa/verify?lang=*) true ;; *) false ;; esac || fail "login callback: $s to $(location)"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth before the TOTP step"
ok "/login without provider MFA: /mfa/verify first"
[ "$(page "$BASE/mfa/verify")" = 200 ] && grep -q 'name="code"' "$T/pg" || fail "verify page: $(location)"
[ "$(page "$BASE/privacy")" = 303 ] || fail "privacy page asked again"
ok "the privacy page once: not at the second sign-in"
no_secrets
