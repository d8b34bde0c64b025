# Resend cooldown: a second request within mail_interval sends nothing; after it a new code replaces the old.
. tests/otpd/lib.sh
setup "mail_interval = 3s"
start_sink
start_otpd
tok=$(token guest@example.net)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 1 10 || fail "no code mail"
old=$(latest_code)
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "limited email step answered differently: $r"
sleep 1.5
[ "$(mail_count)" -eq 1 ] || fail "cooldown ignored: $(mail_count) mails"
sleep 2
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 2 10 || fail "no mail after the cooldown"
new=$(latest_code)
if [ "$new" != "$old" ]; then
	r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$old\"}")
	[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "old code still works: $r"
fi
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$new\"}")
[ "${r%% *}" = 200 ] || fail "new code: $r"
ok "resend cooldown; new code replaces the old"
