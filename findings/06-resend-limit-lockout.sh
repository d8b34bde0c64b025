#!/bin/bash
# Red team 3, finding (low): someone who only knows a guest's address fills the per-invitation+address mail
# limit (mails_per_hour, default 5, shared by every client) at /login; when the guest then asks for a code
# nothing is mailed (outcome=resend_limit, same answer), and the codes the attacker triggered have expired.
# With the defaults (code_ttl 10m, 5/h: one mail back every 12 min) an attacker who takes each slot as it
# comes back leaves the guest without a live code about 2 minutes in every 12 and floods them with mail;
# code_ttl = 2s here only to see it at once. Exit 1 when the guest's own request sends no mail.
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s" "code_ttl = 2s"
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
for i in 1 2 3 4 5; do login 198.51.100.$i $V >/dev/null; done   # the attacker, from five addresses
grep -o "outcome=[a-z_]*" "$T/otpd.log" | tail -5 | tr "\n" " "; echo
sleep 3                                                         # their codes expire
n0=$(mail_count)
s=$(login 203.0.113.50 $V)                                      # the guest, from home
sleep 1.5
got=$(( $(mail_count) - n0 ))
echo "the guest's /login email step: $s, code mails: $got; log: $(grep -o 'outcome=[a-z_]*' "$T/otpd.log" | tail -1)"
[ "$got" = 0 ] && { echo "ATTACK WORKS: the guest gets no code (the attacker spent the address's mail limit)"; exit 1; }
ok "refused: the guest still gets a code"
