#!/bin/sh
# t-otpd-state-host - the state cookie of the organisation sign-in can be neither planted nor shadowed
# (a sibling of issue 10 finding 7: a host of the parent domain planting its own pending sign-in's state
# would sign the victim's browser in as the attacker). With cookie_secure = yes it is __Host-oidc_state
# (Path=/, Secure, no Domain); a plain oidc_state is not read; two of them are no state (400); the one
# otpd set works. curl does not send Secure cookies over http, so the test sends the Cookie header itself.
. "$(dirname "$0")/lib.sh"
# Side effect before otpd starts: cookie_secure = yes (nothing is appended).
otpd_conf_more() { sed -i 's/^cookie_secure = no/cookie_secure = yes/' "$T/otpd.conf"; }
otpd_run password
tok=$(invite alice@partner.example) || fail "mktoken"
curl -s -D "$T/ph" -o "$T/pg" "$BASE/accept/$tok" >/dev/null
C=$(tr -d '\r' <"$T/ph" | sed -n 's/^Set-Cookie: \(__Host-guestlink_csrf=[^;]*\);.*/\1/p')
[ -n "$C" ] || fail "no __Host-guestlink_csrf cookie"
s=$(curl -s -D "$T/ph" -o "$T/pg" -w '%{http_code}' -H "Cookie: $C" --data-urlencode "email=alice@partner.example" \
	--data "csrf=$(csrf_of "$T/pg")" "$BASE/accept/$tok/email")
[ "$s" = 303 ] || fail "email step: $s"
line=$(tr -d '\r' <"$T/ph" | grep '^Set-Cookie: __Host-oidc_state=') || fail "no __Host-oidc_state: $(grep -i set-cookie "$T/ph")"
echo "$line" | grep -q '; Path=/; .*HttpOnly; SameSite=Lax; Secure$' || fail "state cookie attributes: $line"
echo "$line" | grep -qi 'domain=' && fail "state cookie with a Domain"
S=$(echo "$line" | sed -n 's/^Set-Cookie: \(__Host-oidc_state=[^;]*\);.*/\1/p')
ok "cookie_secure: __Host-oidc_state, Path=/, Secure, no Domain"
cb=$(provider alice "$(location)") || fail "provider"
plain=$(echo "$S" | sed 's/^__Host-//')
cb_status() { curl -s -D "$T/ph" -o "$T/pg" -w '%{http_code}' -H "Cookie: $1" "$cb"; }
# The callback with the state as a plain cookie, or twice: no state. The pending sign-in is not spent by
# these (no state cookie means nothing is looked up), so the right one still works after them.
[ "$(cb_status "$plain")" = 400 ] || fail "a plain oidc_state was read"
[ "$(cb_status "$S; $S")" = 400 ] || fail "two __Host-oidc_state cookies: not refused"
grep -qi '^Set-Cookie: __Host-guestlink_session=' "$T/ph" && fail "a session from an ambiguous state"
ok "a plain-named or doubled state cookie is no state: 400, no session"
s=$(cb_status "$S")
# A first sign-in with provider MFA is held for the privacy page (otpd/privacy.h), in the session cookie.
[ "$s" = 303 ] && [ "$(location)" = "/privacy?lang=en" ] || fail "the right state cookie: $s to $(location)"
H=$(tr -d '\r' <"$T/ph" | sed -n 's/^Set-Cookie: \(__Host-guestlink_session=[^;]*\);.*/\1/p')
[ -n "$H" ] || fail "no __Host- session cookie for the held sign-in"
grep -qi '^Set-Cookie: __Host-oidc_state=; Path=/; Max-Age=0' "$T/ph" || fail "state cookie not cleared"
curl -s -o "$T/pg" -H "Cookie: $C; $H" "$BASE/privacy"
s=$(curl -s -D "$T/ph" -o /dev/null -w '%{http_code}' -H "Cookie: $C; $H" --data "csrf=$(csrf_of "$T/pg")" "$BASE/privacy")
[ "$s" = 303 ] && [ "$(location)" = "$RESOURCE" ] || fail "accepting the privacy page: $s to $(location)"
grep -qi '^Set-Cookie: __Host-guestlink_session=' "$T/ph" || fail "no __Host- session cookie after accepting"
ok "the state cookie otpd set: signed in (after the privacy page), __Host- session, state cleared"
