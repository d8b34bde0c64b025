# Happy path over the JSON API: code mailed, code works once, session cookie, next = MFA enrolment.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net other@example.com)
r=$(api "/api/v1/accept/$tok/email" '{"email":"Guest@Example.NET"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "email step: $r"
wait_mails 1 10 || fail "no code mail"
code=$(latest_code) || fail "no code line in mail"
f=$(ls "$T/sink"/* | head -1)
grep -q '^Auto-Submitted: auto-generated' "$f" || fail "no Auto-Submitted"
grep -q '^Message-ID: <' "$f" || fail "no Message-ID"
grep -q '^Date: ' "$f" || fail "no Date"
grep -q 'multipart/alternative' "$f" || fail "not multipart/alternative"
grep -q 'text/html' "$f" || fail "no html part"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
# A first sign-in must set up an authenticator before the resource: next is the enrolment page.
[ "$r" = "200 {\"status\":\"ok\",\"next\":\"$BASE/mfa/setup\"}" ] || fail "code step: $r"
grep -qi '^Set-Cookie: guestlink_session=.*HttpOnly; SameSite=Lax' "$T/h" || fail "no session cookie"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "reused code: $r"
grep -q "$code" "$T/otpd.log" && fail "code in the log"
grep -q "$tok" "$T/otpd.log" && fail "token in the log"
"$OTPCTL" -c "$T/otpd.conf" invitations | grep -q '"state":"redeemed"' || fail "invitation not redeemed"
ok "happy path"
