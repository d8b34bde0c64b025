#!/bin/bash
# Red team 3, finding 04: who else was invited (Bcc) leaks through the client's mail budget. ip_mails_per_hour
# counts only mails really sent (O3f), and a limited email step answers like any other, but the attacker
# sees their OWN mailbox: bring the client's budget to one mail left with mails to your own address, ask a
# code for the candidate, then for yourself again. Your code mail comes iff the candidate got none, i.e.
# iff the candidate is not a guest of the link. Same at /login for "is X a known guest anywhere".
# (ip_mails_per_hour = 3 only to make it short; with the default 30 the attacker spends 29 own/co-recipient
# mails first, which mails_per_hour per invitation+address allows across a few addresses.)
# Fails when the attacker tells the Bcc guest from a stranger (it did before the client's budget became per
# client and address, otpd/flow.c 'i').
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 3"
start_sink
start_otpd
ME=attacker@example.net       # a visible recipient of the invitation: holds the link
BCC=hidden@example.com        # a Bcc recipient of the same invitation
NOBODY=stranger@example.com   # not invited
tok=$(token $ME $BCC) || fail mktoken
mine() { find "$T/sink" -type f -exec grep -l "^To: <$ME>" {} + 2>/dev/null | wc -l; }
step() { # step XFF ADDR - the JSON email step from client XFF; prints the answer
	command curl -s -o "$T/o" -w '%{http_code}' -H "X-Forwarded-For: $1" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$2\",\"method\":\"code\"}" "$BASE/api/v1/accept/$tok/email"
	echo " $(cat "$T/o")"
}
probe() { # probe XFF CANDIDATE - prints "yes" when my own last code mail did not come
	_n0=$(mine)
	a1=$(step "$1" $ME); a2=$(step "$1" $ME)
	ac=$(step "$1" "$2")
	a3=$(step "$1" $ME)
	sleep 1.5
	_got=$(( $(mine) - _n0 ))
	echo "  $2: answers [$a1] [$a2] [$ac] [$a3]; my code mails: $_got of 3" >&2
	[ "$_got" = 2 ] && echo yes || echo no
}
b=$(probe 198.51.100.7 $BCC)
n=$(probe 198.51.100.8 $NOBODY)
echo "Bcc guest looks invited: $b; stranger looks invited: $n"
[ "$b" = "$n" ] || fail "ATTACK WORKS: the answers were the same, but my own mailbox told the Bcc guest from a stranger"
[ "$b" = no ] || fail "my own third code mail was held back in both probes"
[ "$(find "$T/sink" -type f -exec grep -l "^To: <$BCC>" {} + | wc -l)" = 1 ] || fail "the Bcc guest got no code mail"
ok "refused: the client mail budget does not tell a Bcc guest from a stranger (the Bcc guest was mailed)"
