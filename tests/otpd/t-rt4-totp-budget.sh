#!/bin/bash
# Red team 4, finding 03: for someone who reads the guest's mailbox - the one attacker the TOTP step is
# there for - the TOTP guess bound started again with every emailed code: signin_factor() let any code
# session created after the last failure try again, and flow_count_failure() then reset the count. With the
# defaults that was ~600-1000 compared TOTP guesses an hour at /login alone (even odds in about two weeks).
# Now the address's wrong second-factor codes are a bucket of max_failed_tries a day that only time gives
# back ('f', otpd/flow.c): here max_failed_tries = 3, and three code sessions (three code mails read by the
# attacker) get 401 401 401 then only 429; the right TOTP in a fourth session is 429 too, while the bucket
# is empty (before the fix: 9 wrong codes compared, and the right one 200).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "max_failed_tries = 3"
start_sink
start_otpd
G=guest@example.net
enrolled_guest $G
ok "the guest enrolled an authenticator"
compared=0
for round in 1 2 3; do
	: >"$T/jar"
	s=$(html_login $G)             # the attacker reads the code mail
	[ "$s" = 200 ] || fail "login code step: $s"
	line=""
	for try in 1 2 3 4; do
		[ "$(verify_page)" = 200 ] || fail "verify page"
		s=$(mfa_post /mfa/verify "$(wrong_totp "$SECRET")")
		line="$line $s"
		[ "$s" = 401 ] && compared=$((compared + 1))
	done
	echo "  code session $round: wrong TOTP answers:$line"
done
# The right code still works in a new code session: the bound never closed for good.
: >"$T/jar"
[ "$(html_login $G)" = 200 ] || fail "login code step"
[ "$(verify_page)" = 200 ] || fail "verify page"
sleep 1
r=$(mfa_post /mfa/verify "$(totp "$SECRET" $(( $(date +%s) + 30 )))")
echo "wrong TOTP codes compared: $compared (max_failed_tries = 3); the right one afterwards: $r"
[ "$compared" = 3 ] || fail "ATTACK WORKS: $compared wrong TOTP codes compared over three code mails, want 3"
ok "three code sessions: 3 wrong TOTP codes compared in all, every later one 429"
[ "$r" = 429 ] || fail "the right TOTP while the address's bucket is empty: $r, want 429"
grep -q 'event=address_locked max_failed_tries=3' "$T/otpd.log" || fail "no address_locked logged"
ok "the right TOTP in a new code session while the bucket is empty: 429 (address_locked)"
