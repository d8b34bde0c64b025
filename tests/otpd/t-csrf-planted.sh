# CSRF planted from a sibling host (issue 10 finding 7). Another host of the domain can set a cookie with
# Domain=<parent> that the browser then sends to otpd too: the attacker plants their own CSRF cookie (for
# which they hold a valid form token) beside the victim's, or under the victim's session. Refused on every
# POST (400, nothing done): the same cookie name twice, in either order and with either token; a token
# minted for another session (or for none) with the victim's session. With cookie_secure = yes the cookies
# are named __Host-... (a browser takes those only from otpd itself: Secure, Path=/, no Domain), and a
# plain-named planted cookie is not read at all. The good path still works (positive controls).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
tok=$(token victim@example.net mallory@example.net)
cookie_of() { tr -d '\r' <"$1" | sed -n "s/^Set-Cookie: \($2=[^;]*\);.*/\1/p" | head -1; }
post() { # post PATH DATA COOKIE - prints the status
	curl -s -o "$T/pp" -w '%{http_code}' -H "Cookie: $3" --data "$2" "$BASE$1"
}
accept_privacy_with() { # accept_privacy_with COOKIE - the privacy page every first sign-in meets, accepted
	curl -s -o "$T/pv" -H "Cookie: $1" "$BASE/privacy"
	[ "$(post /privacy "csrf=$(csrf_of "$T/pv")" "$1")" = 303 ] || fail "accepting the privacy page"
}
# The attacker's own cookie and tokens (fetched from otpd like any visitor), and the victim's.
curl -s -D "$T/h" -o "$T/p" "$BASE/accept/$tok"
A=$(cookie_of "$T/h" guestlink_csrf)
ta=$(csrf_of "$T/p")
curl -s -o "$T/p" -H "Cookie: $A" "$BASE/login"
ta_login=$(csrf_of "$T/p")
curl -s -D "$T/h" -o "$T/p" "$BASE/accept/$tok"
V=$(cookie_of "$T/h" guestlink_csrf)
tv=$(csrf_of "$T/p")
curl -s -o "$T/p" -H "Cookie: $V" "$BASE/login"
tv_login=$(csrf_of "$T/p")
[ -n "$A" ] && [ -n "$V" ] && [ "$A" != "$V" ] && [ -n "$ta" ] && [ -n "$tv" ] || fail "no CSRF cookies or tokens"
e=email=victim%40example.net
for p in "/accept/$tok/email:$e" "/accept/$tok/code:$e&code=12345678" "/login/email:$e" "/login/code:$e&code=12345678"; do
	path=${p%%:*} data=${p#*:}
	a=$ta v=$tv
	case $path in /login/*) a=$ta_login v=$tv_login ;; esac
	for jar in "$A; $V" "$V; $A" "$A; x=1; $V"; do
		for t in "$a" "$v"; do
			s=$(post "$path" "$data&csrf=$t" "$jar")
			[ "$s" = 400 ] || fail "POST $path, cookies '$jar' (two CSRF cookies), token ${t%"${t#????}"}...: $s"
		done
	done
done
[ "$(mail_count)" = 0 ] || fail "a POST with two CSRF cookies sent a mail"
ok "two same-named CSRF cookies (planted beside the victim's, either order, either token): 400 on every POST"
# Positive control: the victim's own cookie and token.
[ "$(post "/accept/$tok/email" "$e&csrf=$tv" "$V")" = 200 ] || fail "the victim's own email step"
wait_mails 1 10 || fail "no code mail"
s=$(curl -s -D "$T/h" -o "$T/p" -w '%{http_code}' -H "Cookie: $V" --data "$e&code=$(latest_code)&csrf=$tv" \
	"$BASE/accept/$tok/code")
[ "$s" = 200 ] || fail "the victim's code step: $s"
SV=$(cookie_of "$T/h" guestlink_session)
[ -n "$SV" ] || fail "no session for the victim"
ok "the victim's own cookie and token: email and code steps work"
# The attacker signs in too (invited on the same link), and takes an MFA form token for their session.
curl -s -o /dev/null -H "Cookie: $A" --data "email=mallory%40example.net&csrf=$ta" "$BASE/accept/$tok/email"
wait_mails 2 10 || fail "no code mail for mallory"
curl -s -D "$T/h" -o /dev/null -H "Cookie: $A" --data "email=mallory%40example.net&code=$(latest_code)&csrf=$ta" \
	"$BASE/accept/$tok/code"
SA=$(cookie_of "$T/h" guestlink_session)
[ -n "$SA" ] || fail "no session for mallory"
accept_privacy_with "$A; $SA"
curl -s -o "$T/p" -H "Cookie: $A; $SA" "$BASE/mfa/setup"
ta_mfa=$(csrf_of "$T/p")
[ -n "$ta_mfa" ] || fail "no MFA form token"
# Planted: the attacker's CSRF cookie under the victim's session, with tokens minted for another session.
for path in /mfa/setup /mfa/verify /privacy; do
	s=$(post "$path" "code=123456&csrf=$ta_mfa" "$A; $SV")
	[ "$s" = 400 ] || fail "POST $path with a token of another session: $s"
done
s=$(post "/accept/$tok/email" "$e&csrf=$ta" "$A; $SV")
[ "$s" = 400 ] || fail "accept email step under the victim's session with a token minted without it: $s"
ok "a CSRF token minted for another session (or none) is refused under the victim's session"
# Two session cookies: neither is believed (no session: /auth 401, MFA 400/redirect, not the victim's page).
accept_privacy_with "$V; $SV"
curl -s -o "$T/p" -H "Cookie: $V; $SV" "$BASE/mfa/setup"
tv_mfa=$(csrf_of "$T/p")
grep -q 'id="secret"' "$T/p" || fail "the victim's own setup page"
curl -s -o "$T/p" -H "Cookie: $V; $SA; $SV" "$BASE/mfa/setup"
grep -q 'id="secret"' "$T/p" && fail "two session cookies: a setup page for one of them"
s=$(post /mfa/setup "code=123456&csrf=$tv_mfa" "$V; $SA; $SV")
[ "$s" = 400 ] || fail "two session cookies: POST /mfa/setup $s"
ok "two session cookies: neither is used"
# Positive control: the victim's token with the victim's session reaches the code check (a wrong code).
s=$(post /mfa/setup "code=000000&csrf=$tv_mfa" "$V; $SV")
[ "$s" != 400 ] || fail "the victim's own MFA form refused as CSRF"
ok "the victim's own MFA token with the victim's session passes the CSRF check ($s)"

# cookie_secure = yes: __Host- names, no Domain; a plain-named planted cookie is not read.
kill_otpd
sed -i 's/^cookie_secure = no/cookie_secure = yes/' "$T/otpd.conf"
start_otpd
curl -s -D "$T/h" -o "$T/p" "$BASE/accept/$tok"
line=$(tr -d '\r' <"$T/h" | grep '^Set-Cookie: __Host-guestlink_csrf=') || fail "no __Host-guestlink_csrf: $(grep -i set-cookie "$T/h")"
for a in "Path=/" Secure; do echo "$line" | grep -q "; $a\(;\|\$\)" || fail "__Host- cookie without $a"; done
echo "$line" | grep -qi 'domain=' && fail "__Host- cookie with a Domain: $line"
H=$(cookie_of "$T/h" __Host-guestlink_csrf)
th=$(csrf_of "$T/p")
s=$(post "/accept/$tok/email" "$e&csrf=$ta" "$A")
[ "$s" = 400 ] || fail "cookie_secure: a plain guestlink_csrf cookie was read: $s"
s=$(post "/accept/$tok/email" "$e&csrf=$th" "$H; $H")
[ "$s" = 400 ] || fail "cookie_secure: two __Host- cookies: $s"
s=$(post "/accept/$tok/email" "$e&csrf=$th" "$A; $H")
[ "$s" = 200 ] || fail "cookie_secure: the __Host- cookie beside a plain one: $s"
wait_mails 3 10 || fail "no code mail (cookie_secure)"
curl -s -D "$T/h" -o /dev/null -H "Cookie: $H" --data "$e&code=$(latest_code)&csrf=$th" "$BASE/accept/$tok/code"
tr -d '\r' <"$T/h" | grep -q '^Set-Cookie: __Host-guestlink_session=[^;]*; Path=/;.*; Secure' ||
	fail "no __Host-guestlink_session: $(grep -i set-cookie "$T/h")"
ok "cookie_secure = yes: __Host-guestlink_csrf and __Host-guestlink_session, no Domain; plain names not read"
