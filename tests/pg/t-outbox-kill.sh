# Two hosts, one PostgreSQL: host 1 accepts a code request and claims its mail, its relay hangs mid-send,
# host 1 is SIGKILLed; host 2 delivers the mail once host 1's claim (smtp_timeout + 5 s) runs out, and the
# code then signs in on host 2.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "smtp_timeout = 3s"
start_sink
HUNG_PORT=$(free_port)
# A relay that takes the connection and never answers (bounded: it exits after 60 s).
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(60)
try:
    c, _ = s.accept(); open(sys.argv[2], "w").close(); time.sleep(60)
except socket.timeout:
    pass
' "$HUNG_PORT" "$T/hung.accepted" &
HUNG_PID=$!
CLEANUP_HOOK="$CLEANUP_HOOK; kill $HUNG_PID 2>/dev/null"
HOST1_EDIT="s|^smtp_url = .*|smtp_url = smtp://127.0.0.1:$HUNG_PORT|"
start_hosts
G=guest@example.net
tok=$(token $G)
r=$(command curl -s -w '%{http_code}' -o /dev/null -H 'Content-Type: application/json' \
	--data "{\"email\":\"$G\"}" "$H1/api/v1/accept/$tok/email")
[ "$r" = 202 ] || fail "email step on host 1: $r"
for _ in $(seq 50); do [ -e "$T/hung.accepted" ] && break; sleep 0.1; done
[ -e "$T/hung.accepted" ] || fail "host 1 never tried its relay (did host 2 take the mail first?)"
[ "$(mail_count)" = 0 ] || fail "a mail arrived before the kill"
kill_otpd KILL
t0=$(date +%s)
ok "host 1 took the request and claimed the mail; SIGKILLed mid-send"
wait_mails 1 25 || fail "host 2 never delivered the mail of the killed host"
ok "host 2 delivered it $(($(date +%s) - t0)) s after the kill"
code=$(latest_code)
r=$(command curl -s -w '%{http_code}' -o /dev/null -H 'Content-Type: application/json' \
	--data "{\"email\":\"$G\",\"code\":\"$code\"}" "$H2/api/v1/accept/$tok/code")
[ "$r" = 200 ] || fail "code on host 2: $r"
sleep 3
[ "$(mail_count)" = 1 ] || fail "$(mail_count) mails, want 1"
ok "the code signs in on host 2; one mail in all"
