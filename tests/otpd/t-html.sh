# The pages: language by Accept-Language and switch, CSP, CSRF required, the whole flow in HTML.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net)
jar=$T/jar
curl -s -D "$T/h" -c "$jar" -b "$jar" -H 'Accept-Language: nl-NL,nl;q=0.9,en;q=0.5' -o "$T/page" "$BASE/accept/$tok"
grep -q 'lang="nl"' "$T/page" || fail "not Dutch for nl"
grep -q "$INVITER" "$T/page" || fail "inviter not shown"
grep -qi "^Content-Security-Policy: default-src 'none'; style-src 'self'" "$T/h" || fail "CSP"
grep -qi '^Referrer-Policy: no-referrer' "$T/h" || fail "Referrer-Policy"
grep -q '<script' "$T/page" && fail "script on the page"
grep -q 'href="http' "$T/page" && fail "external asset"
curl -s -o "$T/en" "$BASE/accept/$tok?lang=en"
grep -q 'lang="en"' "$T/en" || fail "lang switch"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/static/style.css")" = 200 ] || fail "stylesheet"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" | head -1)
s=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data 'email=guest@example.net&csrf=wrong' "$BASE/accept/$tok/email")
[ "$s" = 400 ] || fail "bad csrf accepted: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' --data "email=guest@example.net&csrf=$csrf" "$BASE/accept/$tok/email")
[ "$s" = 400 ] || fail "csrf without cookie accepted: $s"
[ "$(mail_count)" -eq 0 ] || fail "mail sent without csrf"
s=$(curl -s -o "$T/p" -w '%{http_code}' -b "$jar" --data "email=guest%40example.net&csrf=$csrf&lang=nl" "$BASE/accept/$tok/email")
[ "$s" = 200 ] || fail "email page: $s"
grep -q 'name="code"' "$T/p" || fail "no code field"
wait_mails 1 10 || fail "no mail"
grep -q '^Content-Language: nl' "$(ls "$T/sink"/* | head -1)" || fail "mail not in Dutch"
code=$(latest_code)
s=$(curl -s -D "$T/h2" -o "$T/p2" -w '%{http_code}' -b "$jar" --data "email=guest%40example.net&code=00000000&csrf=$csrf" "$BASE/accept/$tok/code")
[ "$s" = 401 ] || [ "$code" = 00000000 ] || fail "wrong code page: $s"
grep -q 'action="/accept/[^"]*/email"' "$T/p2" || fail "no way to ask for a new code"
s=$(curl -s -D "$T/h3" -o "$T/p3" -w '%{http_code}' -b "$jar" --data "email=guest%40example.net&code=$code&csrf=$csrf" "$BASE/accept/$tok/code")
[ "$s" = 200 ] || fail "sign-in page: $s"
grep -qi '^Set-Cookie: guestlink_session=' "$T/h3" || fail "no session cookie"
# MFA comes before the resource: the page moves on to the enrolment page.
grep -q "url=/mfa/setup" "$T/p3" || fail "no move on to /mfa/setup"
s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data '{"email":"x@y.z"}' "$BASE/api/v1/accept/$tok/email")
[ "$s" = 415 ] || fail "API without JSON content type: $s"
ok "pages"
