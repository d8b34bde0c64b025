# A code past code_ttl is refused with the same answer as a wrong one.
. tests/otpd/lib.sh
setup "code_ttl = 2s"
start_sink
start_otpd
tok=$(token guest@example.net)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 1 10 || fail "no code mail"
code=$(latest_code)
sleep 3
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "expired code: $r"
ok "expired code refused"
