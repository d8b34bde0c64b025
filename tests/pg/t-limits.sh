# Two hosts, one PostgreSQL: rate limits count requests split over both hosts as on one host.
# mails_per_hour = 4 for one address: 4 mails whichever host is asked, the 5th and later none;
# ip_tries_per_hour = 6 for one client: the 7th try is 429 with Retry-After, on either host.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 4" "ip_tries_per_hour = 6" "ip_mails_per_hour = 1000"
start_sink
start_hosts
G=guest@example.net
tok=$(token $G)
on() { # on HOST PATH JSON -> "STATUS BODY"; headers in $T/oh
	command curl -s -D "$T/oh" -o "$T/ob" -w '%{http_code}' -H 'Content-Type: application/json' --data "$3" "$1$2"
	printf ' %s\n' "$(cat "$T/ob")"
}
for i in 1 2 3 4 5 6 7 8; do
	h=$H1
	[ $((i % 2)) = 0 ] && h=$H2
	r=$(on "$h" "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}")
	[ "$r" = '202 {"status":"accepted"}' ] || fail "email request $i: $r"
done
wait_mails 4 10 || fail "fewer than 4 mails"
sleep 3
[ "$(mail_count)" = 4 ] || fail "$(mail_count) mails for 8 requests over two hosts, want 4 (mails_per_hour)"
[ "$(grep -c 'outcome=resend_limit' "$T/otpd.log")" = 4 ] || fail "want 4 resend_limit lines"
ok "8 code requests alternating hosts: 4 mails (mails_per_hour = 4 holds across hosts)"

for i in 1 2 3 4 5 6; do
	h=$H1
	[ $((i % 2)) = 0 ] && h=$H2
	r=$(on "$h" "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"00000000\"}")
	[ "${r%% *}" = 401 ] || fail "try $i: $r"
done
r=$(on "$H1" "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"00000000\"}")
[ "$r" = '429 {"error":"too_many_attempts"}' ] || fail "7th try (host 1): $r"
grep -qi '^Retry-After: [0-9]' "$T/oh" || fail "no Retry-After"
r=$(on "$H2" "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"00000000\"}")
[ "$r" = '429 {"error":"too_many_attempts"}' ] || fail "8th try (host 2): $r"
ok "6 tries alternating hosts, then 429 on both (ip_tries_per_hour = 6 holds across hosts)"
