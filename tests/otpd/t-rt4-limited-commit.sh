#!/bin/bash
# Red team 4, findings 01 and 02: the client's mail budget ('i', ip_mails_per_hour, per client and address)
# is spent only by real mails, and a client-limited email step used to commit nothing (no decoy, no sync):
# after ip_mails_per_hour steps for a candidate from one client address, its next steps answered in ~1 ms
# for a Bcc guest of the link (or, at /login, a known guest) and in several ms for a made-up address (whose
# steps always write their decoy): the same answer, not the same timing. Now a limited step writes the
# client's record unchanged, so it commits (and syncs) like any other step. Timing itself is too noisy for a
# test on a shared machine; what it came from is not: the LMDB transaction id (mdb_stat -e) must move for
# the limited step as for a decoy's (LMDB only: tests/pg/run.sh leaves this one out).
# (The attack scripts timed 9 steps each way: findings/01-02 on the redteam4 branch.)
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 3"
start_sink
start_otpd
ME=attacker@example.net       # a visible recipient: holds the link
BCC=hidden@example.com        # a Bcc recipient of the same invitation
V=known@example.net           # a known guest (redeemed another invitation)
tok=$(token $ME $BCC) || fail mktoken
tokv=$(token $V) || fail mktoken
html_accept "$tokv" $V
txnid() { mdb_stat -e "$T/db" | sed -n 's/.*Last transaction ID: //p'; }
estep() { # estep ADDR XFF - the JSON email step at the link; prints the status
	command curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $2" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$1\",\"method\":\"code\"}" "$BASE/api/v1/accept/$tok/email"
}
lstep() { # lstep ADDR XFF - the /login email step; prints the status
	: >"$T/jar"
	page -H "X-Forwarded-For: $2" "$BASE/login" >/dev/null
	page -H "X-Forwarded-For: $2" --data-urlencode "email=$1" --data "method=code&csrf=$(csrf_of "$T/pg")" \
		"$BASE/login/email"
}
last() { grep -o "event=$1 invitation=[0-9a-z]* outcome=[a-z_]*" "$T/otpd.log" | tail -1 | sed 's/.*=//'; }
# moved STEP... - run the step; prints how far the transaction id moved (the outbox has settled before)
moved() {
	sleep 1.5
	_t0=$(txnid)
	"$@" >/dev/null
	_t1=$(txnid)
	echo $((_t1 - _t0))
}
n0=$(mail_count)
for i in 1 2 3; do [ "$(estep $BCC 198.51.100.7)" = 202 ] || fail "spending step $i"; done
wait_mails $((n0 + 3)) 10 || fail "three mails to the Bcc guest"
d=$(moved estep $BCC 198.51.100.7)
[ "$(last code_request)" = client_limit ] || fail "the fourth step for the Bcc guest: $(last code_request), want client_limit"
[ "$d" -ge 1 ] || fail "(01) the client-limited step for the Bcc guest committed nothing (transaction id moved $d)"
dd=$(moved estep stranger@example.com 198.51.100.7)
[ "$(last code_request)" = not_invited ] && [ "$dd" -ge 1 ] || fail "the decoy step: $(last code_request), moved $dd"
ok "(01) at the link: the client-limited step for the Bcc guest commits ($d), as a made-up address's does ($dd)"
n0=$(mail_count)
for i in 1 2 3; do [ "$(lstep $V 198.51.100.8)" = 200 ] || fail "/login spending step $i"; done
wait_mails $((n0 + 3)) 10 || fail "three /login mails to the known guest"
d=$(moved lstep $V 198.51.100.8)
[ "$(last login_code_request)" = client_limit ] || fail "the fourth /login step: $(last login_code_request)"
[ "$d" -ge 1 ] || fail "(02) the client-limited /login step for a known guest committed nothing (moved $d)"
dd=$(moved lstep nobody@example.com 198.51.100.8)
[ "$(last login_code_request)" = unknown_guest ] && [ "$dd" -ge 1 ] || fail "the /login decoy: moved $dd"
ok "(02) at /login: the client-limited step for a known guest commits ($d), as an unknown address's does ($dd)"
