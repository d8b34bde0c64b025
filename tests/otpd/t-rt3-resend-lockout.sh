#!/bin/bash
# Red team 3, finding 06: someone who only knows a guest's address fills the per-invitation+address mail
# limit (mails_per_hour, default 5, shared by every client) at /login; when the guest then asked for a code
# nothing was mailed (outcome=resend_limit, same answer), and the codes the attacker triggered had expired.
# With the defaults (code_ttl 10m, 5/h: one mail back every 12 min) an attacker who takes each slot as it
# comes back left the guest without a live code about 2 minutes in every 12. Now the limits hold a mail back
# only while the last one's code is live (otpd/flow.c 'e'); code_ttl = 10s here only to see it at once.
#   (1) five mails from five attacker addresses, then the guest's request while the last code is live: no
#       mail (resend_limit): the latest mail in the guest's box holds a live code;
#   (2) the same for an address that is no guest (the same outcome: the decoy keeps the same record);
#   (3) once that code has expired the guest's request is mailed (the red finding), its code signs in;
#   (4) and the limit still bounds the attacker: the next request while that code is live mails nothing.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "code_ttl = 10s"
start_sink
start_otpd
V=guest@example.net
tok=$(token $V) || fail mktoken
# The guest is a known guest (redeemed their invitation once).
html_accept "$tok" $V
login() { # login XFF ADDR
	: >"$T/jar"
	page -H "X-Forwarded-For: $1" "$BASE/login" >/dev/null
	page -H "X-Forwarded-For: $1" --data-urlencode "email=$2" --data "method=code&csrf=$(csrf_of "$T/pg")" "$BASE/login/email"
}
last_outcome() { grep -o 'event=login_code_request invitation=login outcome=[a-z_]*' "$T/otpd.log" | tail -1 | sed 's/.*=//'; }
signs_in() { # signs_in CODE - /login/code with the guest's address from the guest's client; the status
	: >"$T/jar"
	page -H "X-Forwarded-For: 203.0.113.50" "$BASE/login" >/dev/null
	page -H "X-Forwarded-For: 203.0.113.50" --data-urlencode "email=$V" --data "code=$1&csrf=$(csrf_of "$T/pg")" \
		"$BASE/login/code"
}
n0=$(mail_count)
for i in 1 2 3 4 5; do login 198.51.100.$i $V >/dev/null; done   # the attacker, from five addresses
wait_mails $((n0 + 5)) 10 || fail "the attacker's five steps: $(($(mail_count) - n0)) mails"
live=$(latest_code)
s=$(login 203.0.113.50 $V)                                      # the guest, from home, at once
sleep 1
[ "$s" = 200 ] || fail "(1) the guest's email step: $s"
[ "$(mail_count)" = $((n0 + 5)) ] || fail "(1) a sixth mail within the hour while a code was live"
[ "$(last_outcome)" = resend_limit ] || fail "(1) outcome $(last_outcome), want resend_limit"
ok "(1) the guest's request while the attacker's last code is live: no sixth mail (resend_limit)"
# (2) the same for an address that is no guest, from the same clients.
for i in 1 2 3 4 5; do login 198.51.100.$i nobody@example.com >/dev/null; done
login 203.0.113.50 nobody@example.com >/dev/null
[ "$(last_outcome)" = resend_limit ] || fail "(2) a made-up address's sixth step: $(last_outcome), want resend_limit"
ok "(2) a made-up address: the same outcome at the sixth step"
sleep 11                                                        # the last code expires
n1=$(mail_count)
s=$(login 203.0.113.50 $V)
wait_mails $((n1 + 1)) 10 || fail "(3) ATTACK WORKS: the guest gets no code (the attacker spent the address's mail limit): $(last_outcome)"
[ "$s" = 200 ] && [ "$(last_outcome)" = code_queued ] || fail "(3) the guest's step: $s $(last_outcome)"
fresh=$(latest_code)
[ -n "$fresh" ] && [ "$fresh" != "$live" ] || fail "(3) no new code in the guest's mail"
ok "(3) after the attacker's last code expired, the guest's request over the hourly limit is mailed"
login 198.51.100.9 $V >/dev/null
sleep 1
[ "$(mail_count)" = $((n1 + 1)) ] && [ "$(last_outcome)" = resend_limit ] ||
	fail "(4) the attacker's next step while the guest's code is live: $(last_outcome), $(($(mail_count) - n1)) mails"
ok "(4) the attacker's next step while the guest's code is live mails nothing (resend_limit)"
s=$(signs_in "$fresh")
[ "$s" = 200 ] || [ "$s" = 303 ] || fail "the guest's fresh code at /login/code: $s"
ok "the guest signs in with the code of the mail they asked for"
