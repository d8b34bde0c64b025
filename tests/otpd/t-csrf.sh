# CSRF: every form POST without a valid token is refused (no token, a wrong one, one made for another
# invitation or page family, one without its cookie) and changes nothing; the JSON API takes only
# application/json (a cross-site form cannot send it). Cookies: with cookie_secure = yes every Set-Cookie
# (CSRF, code session, full session) carries HttpOnly, SameSite=Lax and Secure (read from the headers
# over plain HTTP; curl would not send Secure cookies back over http, so the test sends them itself), and
# their names carry the __Host- prefix (t-csrf-planted.sh tries planting them).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
sed -i 's/^cookie_secure = no/cookie_secure = yes/' "$T/otpd.conf"
start_sink
start_otpd
tok=$(token guest@example.net)
tok2=$(token guest@example.net)
cookie_of() { tr -d '\r' <"$1" | sed -n "s/^Set-Cookie: \($2=[^;]*\);.*/\1/p" | head -1; }
attrs_ok() { # attrs_ok HEADERS NAME - the Set-Cookie for NAME has every attribute
	line=$(tr -d '\r' <"$1" | grep "^Set-Cookie: $2=")
	[ -n "$line" ] || fail "no Set-Cookie for $2"
	for a in HttpOnly SameSite=Lax Secure Path=/; do
		echo "$line" | grep -q "; $a\(;\|\$\)" || fail "$2 cookie without $a: $line"
	done
	ok "$2: HttpOnly; SameSite=Lax; Secure"
}
curl -s -D "$T/h1" -o "$T/p1" "$BASE/accept/$tok"
attrs_ok "$T/h1" __Host-guestlink_csrf
C=$(cookie_of "$T/h1" __Host-guestlink_csrf)
csrf=$(csrf_of "$T/p1")
curl -s -D "$T/h2" -o "$T/p2" -H "Cookie: $C" "$BASE/accept/$tok2"
csrf2=$(csrf_of "$T/p2")
curl -s -D "$T/h3" -o "$T/p3" -H "Cookie: $C" "$BASE/login"
csrf_login=$(csrf_of "$T/p3")
[ -n "$csrf" ] && [ -n "$csrf2" ] && [ -n "$csrf_login" ] || fail "no csrf fields"
[ "$csrf" != "$csrf2" ] || fail "the same CSRF token for two invitations"

post() { # post PATH DATA [COOKIE] - prints the status
	curl -s -o /dev/null -w '%{http_code}' ${3:+-H "Cookie: $3"} --data "$2" "$BASE$1"
}
e=email=guest%40example.net
for p in "/accept/$tok/email:$e" "/accept/$tok/code:$e&code=12345678" "/login/email:$e" \
	"/login/code:$e&code=12345678" "/mfa/setup:code=123456" "/mfa/verify:code=123456"; do
	path=${p%%:*} data=${p#*:}
	for bad in "" "&csrf=" "&csrf=AAAA" "&csrf=$csrf2" "&csrf=$csrf_login"; do
		case "$path:$bad" in "/login/"*":&csrf=$csrf_login") continue ;; esac
		s=$(post "$path" "$data$bad" "$C")
		[ "$s" = 400 ] || fail "POST $path with '${bad:-no csrf}': $s"
	done
	# A good token without its cookie (a forged cross-site POST does not have it).
	good=$csrf
	case $path in /login/*) good=$csrf_login ;; /mfa/*) good=AAAA ;; esac
	s=$(post "$path" "$data&csrf=$good")
	[ "$s" = 400 ] || fail "POST $path without the CSRF cookie: $s"
done
[ "$(mail_count)" = 0 ] || fail "a refused POST sent a mail"
ok "every form POST refuses a missing, wrong, foreign or cookieless CSRF token (400, no mail)"
for ct in application/x-www-form-urlencoded text/plain multipart/form-data; do
	s=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: $ct" --data '{"email":"guest@example.net"}' \
		"$BASE/api/v1/accept/$tok/email")
	[ "$s" = 415 ] || fail "API with $ct: $s"
done
ok "the JSON API refuses what a cross-site form can send (415)"

# The good path: the code session and, after TOTP enrolment, the full session, each with the attributes.
s=$(post "/accept/$tok/email" "$e&csrf=$csrf&lang=en" "$C")
[ "$s" = 200 ] || fail "email step with a good token: $s"
wait_mails 1 10 || fail "no code mail"
curl -s -D "$T/h4" -o "$T/p4" -H "Cookie: $C" --data "$e&code=$(latest_code)&csrf=$csrf" "$BASE/accept/$tok/code"
attrs_ok "$T/h4" __Host-guestlink_session
S=$(cookie_of "$T/h4" __Host-guestlink_session)
# The privacy page comes before the enrolment (every first sign-in): accepted with its form token.
curl -s -o "$T/pg" -H "Cookie: $C; $S" "$BASE/privacy"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $C; $S" --data "csrf=$(csrf_of "$T/pg")" "$BASE/privacy")" = 303 ] ||
	fail "accepting the privacy page"
curl -s -o "$T/pg" -H "Cookie: $C; $S" "$BASE/mfa/setup"
SECRET=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
[ -n "$SECRET" ] || fail "no setup page"
curl -s -D "$T/h5" -o "$T/p5" -H "Cookie: $C; $S" --data "code=$(totp "$SECRET")&csrf=$(csrf_of "$T/pg")" \
	"$BASE/mfa/setup"
attrs_ok "$T/h5" __Host-guestlink_session
[ "$(cookie_of "$T/h5" __Host-guestlink_session)" != "$S" ] || fail "the session id did not change after MFA"
ok "a new session id after MFA"
