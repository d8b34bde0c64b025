#!/bin/sh
# t-otpd-refused - through otpd, each refused with a clear page, no session, and (where the sign-in is
# known) a way to get a code instead: an account that was not invited, an unverified email, a mismatched
# nonce, a callback without the browser's state cookie, the guest cancelling at the provider, a link
# revoked in between, /login for an address that holds no invitation.
. "$(dirname "$0")/lib.sh"
otpd_run password
tok=$(invite alice@partner.example carol@partner.example) || fail "mktoken"

no_session() { grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "$1: a session cookie"; return 0; }
code_option() {
	grep -q 'name="method" value="code"' "$T/pg" || fail "$1: no 'email me a code instead'"
	grep -q "action=\"/accept/$tok/email\"" "$T/pg" || fail "$1: the code form does not post to the link"
}

# bob is of the domain, never invited: redirected like anyone of the domain, refused at the callback.
[ "$(accept_email "$tok" bob@partner.example)" = 303 ] || fail "bob: email step"
s=$(signin bob "$(location)")
[ "$s" = 403 ] || fail "not invited: $s"
grep -q 'not one of the invited addresses' "$T/pg" || fail "not invited page: $(cat "$T/pg")"
no_session "not invited"; code_option "not invited"
ok "an account that was not invited: 403, clear page, code option, no session"

[ "$(accept_email "$tok" carol@partner.example)" = 303 ] || fail "carol: email step"
s=$(signin carol "$(location)")
[ "$s" = 403 ] || fail "unverified: $s"
grep -q 'does not confirm the email address' "$T/pg" || fail "unverified page: $(cat "$T/pg")"
no_session "unverified"; code_option "unverified"
ok "an unverified email: 403, clear page, code option, no session"

# Mismatched nonce: change the pending record's nonce behind otpd's back (LMDB allows a second process).
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "alice: email step"
url=$(location)
state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<E
$url
E
)
"$PROBE" "$T/otpd.conf" tamper-nonce "$state" || fail "tamper"
s=$(signin alice "$url")
[ "$s" = 401 ] || fail "nonce mismatch: $s"
grep -q 'did not pass our checks' "$T/pg" || fail "nonce page: $(cat "$T/pg")"
no_session "nonce"; code_option "nonce"
grep -q 'outcome=nonce_mismatch' "$T/otpd.log" || fail "nonce_mismatch not logged"
ok "a mismatched nonce: 401, clear page, code option, logged as nonce_mismatch"

# Another browser (no state cookie) brings a real callback: login CSRF refused.
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "email step"
cb=$(provider alice "$(location)") || fail "provider"
s=$(curl -s -D "$T/ph" -o "$T/pg" -w '%{http_code}' "$cb")
[ "$s" = 400 ] && grep -q 'already used' "$T/pg" || fail "no state cookie: $s"
no_session "no state cookie"
ok "a callback without the browser's state cookie: 400"

# The guest cancels at the provider: the provider sends error=access_denied with our state.
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "email step"
state=$(location | sed -n 's/.*[?&]state=\([^&]*\).*/\1/p')
s=$(page "$BASE/oidc/callback?error=access_denied&state=$state")
[ "$s" = 401 ] && grep -q 'cancelled or refused' "$T/pg" || fail "cancelled: $s $(cat "$T/pg")"
no_session "cancelled"; code_option "cancelled"
ok "cancelled at the provider: clear page, code option"

# A link revoked between the email step and the callback.
[ "$(accept_email "$tok" alice@partner.example)" = 303 ] || fail "email step"
url=$(location)
"$OTPCTL" -c "$T/otpd.conf" revoke "$tok" >/dev/null 2>&1 || fail "revoke"
s=$(signin alice "$url")
[ "$s" = 410 ] && grep -q 'withdrawn' "$T/pg" || fail "revoked: $s $(cat "$T/pg")"
no_session "revoked"
ok "a link revoked in between: 410, no session"

# /login for an address of the domain that never redeemed anything: to the provider (same answer as a
# guest's), then "no valid invitation".
: >"$T/jar"
page "$BASE/login" >/dev/null
[ "$(page --data-urlencode "email=bob@partner.example" --data "csrf=$(csrf_of "$T/pg")" "$BASE/login/email")" = 303 ] ||
	fail "login email step"
s=$(signin bob "$(location)")
[ "$s" = 403 ] && grep -q 'no valid invitation here' "$T/pg" || fail "login, no guest: $s $(cat "$T/pg")"
no_session "login, no guest"
ok "/login of an account with no invitation: 403, clear page"
no_secrets
