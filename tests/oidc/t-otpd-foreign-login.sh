#!/bin/sh
# t-otpd-foreign-login - issue 10 finding 1, first attack, through otpd: a provider configured for
# evil.example (here the same glewlwyd under [oidc evil]; its account mallory@evil.example asserts the
# verified email victim@example.net, with an amr that counts as MFA) must not sign anyone in as
# victim@example.net, a code guest with a TOTP. /login as mallory@evil.example: refused, no session, /auth
# 401 for the victim's resource. The victim's own sign-in still works (the positive control).
. "$(dirname "$0")/lib.sh"
otpd_conf_more() {
	cat <<EOC
[oidc evil]
issuer = $GW_ISSUER
client_id = otpd
client_secret_file = $T/client.secret
domains = evil.example
mfa_amr = password
EOC
}
otpd_run password
# The victim: invited, code, TOTP enrolled; /auth 200 in the victim's own browser.
tok=$(invite victim@example.net) || fail "mktoken"
[ "$(accept_email "$tok" victim@example.net)" = 200 ] || fail "victim: email step"
wait_mails 1 10 || fail "victim: no code mail"
code=$(tr -d '\r' <"$(ls -t "$T/sink"/* | head -1)" | grep -E '^[0-9]{8}$' | head -1)
s=$(page --data-urlencode "email=victim@example.net" --data "code=$code&csrf=$(csrf_of "$T/pg")" "$BASE/accept/$tok/code")
[ "$s" = 200 ] && grep -q 'url=/mfa/setup' "$T/pg" || fail "victim: code step $s"
[ "$(accept_privacy)" = 303 ] || fail "victim: privacy page"
[ "$(page "$BASE/mfa/setup")" = 200 ] || fail "victim: setup page"
secret=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
s=$(page --data-urlencode "code=$(oathtool --totp -b "$secret")" --data "csrf=$(csrf_of "$T/pg")" "$BASE/mfa/setup")
[ "$s" = 200 ] && [ "$(auth "$RESOURCE")" = 200 ] || fail "victim: enrolment $s"
cp "$T/jar" "$T/victim.jar"
ok "the victim signs in with a code and a TOTP: /auth 200"
# The attacker, in a fresh browser, at /login with an address of the hostile provider's domain.
: >"$T/jar"
[ "$(page "$BASE/login")" = 200 ] || fail "login page"
s=$(page --data-urlencode "email=mallory@evil.example" --data "csrf=$(csrf_of "$T/pg")" "$BASE/login/email")
[ "$s" = 303 ] || fail "attacker: login email step $s"
case "$(location)" in "$GW_ISSUER/auth?"*login_hint=mallory%40evil.example*) ;; *) fail "redirect: $(location)" ;; esac
s=$(signin mallory "$(location)")
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "the hostile provider's assertion made a session ($s to $(location))"
[ "$s" = 403 ] || fail "attacker callback: $s, want 403"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth let the attacker in"
[ "$(page "$BASE/mfa/setup")" = 200 ] && grep -q 'id="secret"' "$T/pg" && fail "attacker offered enrolment"
grep -q 'event=oidc_signin provider=evil.*outcome=foreign_domain' "$T/otpd.log" || fail "log: no foreign_domain"
ok "evil.example's provider asserting victim@example.net via /login: 403, no session, /auth 401"
# The victim is untouched: still signed in, still enrolled.
[ "$(auth "$RESOURCE" "$T/victim.jar")" = 200 ] || fail "victim's session"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q '"email":"victim@example.net","sign_in":"code","mfa":"totp"' "$T/guests" || fail "guests: $(cat "$T/guests")"
ok "the victim's session and TOTP are untouched"
no_secrets
