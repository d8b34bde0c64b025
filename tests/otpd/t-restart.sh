# Durability: the relay is down when the code is issued, otpd is killed with SIGKILL and restarted;
# the code still works and its mail still arrives.
. tests/otpd/lib.sh
setup
start_otpd
tok=$(token guest@example.net)
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "email step: $r"
sleep 0.5
kill_otpd KILL
start_sink
start_otpd
wait_mails 1 20 || fail "the queued mail never arrived"
code=$(latest_code) || fail "no code in mail"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "${r%% *}" = 200 ] || fail "code after restart: $r"
ok "code and its mail survive SIGKILL and a relay outage"
