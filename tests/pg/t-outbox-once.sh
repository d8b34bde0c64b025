# Two hosts, one PostgreSQL, both senders running: each code mail is sent exactly once. Twelve guests ask
# for a code, alternating hosts; twelve mails arrive, one per guest, and no more come later.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 1000"
start_sink
start_hosts
guests=$(seq -f 'g%g@example.net' 12 | tr '\n' ' ')
# shellcheck disable=SC2086
tok=$(token $guests)
i=0
for g in $guests; do
	i=$((i + 1))
	h=http://127.0.0.1:$HTTP_PORT
	[ $((i % 2)) = 0 ] && h=http://127.0.0.1:$HTTP_PORT2
	r=$(command curl -s -w '%{http_code}' -o /dev/null -H 'Content-Type: application/json' \
		--data "{\"email\":\"$g\"}" "$h/api/v1/accept/$tok/email")
	[ "$r" = 202 ] || fail "email step for $g: $r"
done
wait_mails 12 20 || fail "only $(mail_count) of 12 mails"
sleep 5	# both senders look again (every 2 s): nothing is sent twice
[ "$(mail_count)" = 12 ] || fail "$(mail_count) mails for 12 guests, want 12"
for g in $guests; do
	n=$(grep -l "^To: <\?$g>\?" "$T"/sink/* 2>/dev/null | wc -l)
	[ "$n" = 1 ] || n=$(grep -li "$g" "$T"/sink/* | wc -l)
	[ "$n" = 1 ] || fail "$g got $n mails"
done
[ "$(grep -c 'event=code_mail_sent' "$T/otpd.log")" = 12 ] || fail "code_mail_sent lines: $(grep -c 'event=code_mail_sent' "$T/otpd.log")"
ok "12 code requests on two hosts: 12 mails, one each, none twice"
