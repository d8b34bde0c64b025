#!/bin/sh
# t-otpd-foreign-invite - issue 10 finding 1, second attack, through otpd: an invitation lists both
# mallory@evil.example and victim@example.net. mallory types her own address, goes to the provider of
# evil.example (the same glewlwyd under [oidc evil], no MFA asserted), which asserts victim@example.net:
# refused, no session, so no TOTP enrolment on the victim's account and /auth 401. The same within one
# provider's domain: alice typed, the provider says bob (both invited): refused, the asserted address must
# be the one typed at the email step. The right guest still gets in (positive control).
. "$(dirname "$0")/lib.sh"
otpd_conf_more() {
	cat <<EOC
[oidc evil]
issuer = $GW_ISSUER
client_id = otpd
client_secret_file = $T/client.secret
domains = evil.example
mfa_amr = mfa otp
EOC
}
otpd_run "mfa otp"
no_session() { grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "$1: a session cookie"; return 0; }
tok=$(invite mallory@evil.example victim@example.net alice@partner.example bob@partner.example) || fail "mktoken"
s=$(accept_email "$tok" mallory@evil.example)
[ "$s" = 303 ] || fail "mallory: email step $s"
s=$(signin mallory "$(location)")
no_session "victim asserted for mallory ($s to $(location))"
[ "$s" = 403 ] || fail "mallory's callback: $s, want 403"
grep -q 'not one of the invited addresses' "$T/pg" || fail "refusal page: $(cat "$T/pg")"
page "$BASE/mfa/setup" >/dev/null
grep -q 'id="secret"' "$T/pg" && fail "the attacker may enrol a TOTP on the victim's account"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth let the attacker in"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q 'victim@example.net' "$T/guests" && fail "the invitation was redeemed as the victim: $(cat "$T/guests")"
ok "an invitation listing both: the provider of evil.example asserting the victim is refused, nothing redeemed"
# One provider, one domain, two invited guests: the assertion must be the address typed.
: >"$T/jar"
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "alice: email step"
s=$(signin bob "$(location)")
no_session "bob asserted where alice was typed ($s)"
[ "$s" = 403 ] || fail "bob for alice: $s, want 403"
grep -q 'event=oidc_signin provider=partner.*outcome=not_typed_address' "$T/otpd.log" || fail "log: no not_typed_address"
ok "alice typed, the provider says bob (also invited): 403, no session"
# Positive control: alice typed, alice asserted: in (then TOTP, no provider MFA).
: >"$T/jar"
[ "$(accept_email "$tok" Alice@Partner.Example)" = 303 ] || fail "alice: email step"
s=$(signin alice "$(location)")
[ "$s" = 303 ] && case "$(location)" in /mfa/setup*) true ;; *) false ;; esac || fail "alice: $s to $(location)"
ok "the address typed (any case) and asserted: signed in, on to /mfa/setup"
no_secrets
