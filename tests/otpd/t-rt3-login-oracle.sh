#!/bin/bash
# Red team 3, finding 04 at /login: with no link at all, a guest (the attacker, known from any invitation)
# learns whether an address is a known guest of the organisation: fill the client's mail budget with
# /login mails to yourself up to one left, /login for the candidate, /login for yourself: your own code
# mail comes iff the candidate got none. (ip_mails_per_hour = 3 only to keep it short.)
# Fails when the attacker tells a known guest from a stranger (it did before the client's budget became per
# client and address, otpd/flow.c 'i').
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 3"
start_sink
start_otpd
ME=attacker@example.net
VICTIM=victim@example.com      # a guest of another invitation the attacker never saw
NOBODY=stranger@example.com
tokm=$(token $ME) || fail mktoken
tokv=$("$MKTOKEN" "$SIGNING_KEY" bob@example.org https://wiki.example.org/space/7 0 86400 $VICTIM) || fail mktoken
never_logged "$tokv"
# Both are known guests: each redeemed their own invitation (the code step makes the guest record).
for pair in "$tokm $ME" "$tokv $VICTIM"; do
	set -- $pair
	: >"$T/jar"
	command curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.1' -H 'Content-Type: application/json' \
		--data "{\"email\":\"$2\",\"method\":\"code\"}" "$BASE/api/v1/accept/$1/email"
	sleep 1; c=$(latest_code)
	command curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.1' -H 'Content-Type: application/json' \
		--data "{\"email\":\"$2\",\"code\":\"$c\"}" "$BASE/api/v1/accept/$1/code"
done
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q "$VICTIM" || fail "victim not a known guest: $("$OTPCTL" -c "$T/otpd.conf" guests)"
mine() { find "$T/sink" -type f -exec grep -l "^To: <$ME>" {} + 2>/dev/null | wc -l; }
login() { # login XFF ADDR
	: >"$T/jar"
	page -H "X-Forwarded-For: $1" "$BASE/login" >/dev/null
	page -H "X-Forwarded-For: $1" --data-urlencode "email=$2" --data "method=code&csrf=$(csrf_of "$T/pg")" "$BASE/login/email"
}
probe() { # probe XFF CANDIDATE - "yes" when my own last /login mail did not come
	_n0=$(mine)
	a="$(login "$1" $ME) $(login "$1" $ME) $(login "$1" "$2") $(login "$1" $ME)"
	sleep 1.5
	_got=$(( $(mine) - _n0 ))
	echo "  $2: answers $a; my code mails: $_got of 3" >&2
	[ "$_got" = 2 ] && echo yes || echo no
}
v=$(probe 198.51.100.7 $VICTIM)
n=$(probe 198.51.100.8 $NOBODY)
echo "known guest looks known: $v; stranger looks known: $n"
[ "$v" = "$n" ] || fail "ATTACK WORKS: /login answered alike, but my own mailbox told the known guest from a stranger"
[ "$v" = no ] || fail "my own third /login mail was held back in both probes"
ok "refused: the client mail budget does not tell a known guest from a stranger"
