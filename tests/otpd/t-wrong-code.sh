# Wrong code five times: each 401, then the code is burned (even the right one fails); a new code works.
. tests/otpd/lib.sh
setup "mail_interval = 1s"
start_sink
start_otpd
tok=$(token guest@example.net)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 1 10 || fail "no code mail"
code=$(latest_code)
wrong=$(printf '%08d' $(( (1${code} - 100000000 + 1) % 100000000 )))
for i in 1 2 3 4 5; do
	r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$wrong\"}")
	[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "wrong try $i: $r"
done
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "burned code still works: $r"
sleep 1.1
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 2 10 || fail "no second code mail"
code2=$(latest_code)
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code2\"}")
[ "${r%% *}" = 200 ] || fail "new code: $r"
ok "wrong code five times burns it; a new one works"
