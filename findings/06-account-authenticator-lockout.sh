#!/bin/bash
# Finding 06: someone who only knows a guest's address stops the guest from setting up a new
# authenticator. /account/authenticator needs the digits of a fresh /login code mail (the
# /account/authenticator/email step sends it) and takes ONLY the digits, never the mail key that
# rescues every other code step (docs/security.md O3a/O3b: "no count that the attacker can fill stops a
# mail or the mail key"). The digits live under the same (/login, address) slot the public /login/code
# form guesses at, so 5 wrong tries there (code_tries) kill them: the guest, with the right TOTP and the
# right emailed digits, gets 401. Repeat for every mail (the /login guess budget lets an attacker kill
# 20 codes per 7 days; mails_per_hour is the guest's 5 an hour, which the attacker can also spend).
#
# Run from the tree after `make -j2 all test-bins`: bash findings/06-account-authenticator-lockout.sh
# Exit 1: the attack works (the guest's right codes refused); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")
n0=$(mail_count)
[ "$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")" = 200 ] || fail "mail step"
wait_mails $((n0 + 1)) 10 || fail "no code mail"
mcode=$(latest_code)

# The attacker: no cookie of the guest, no mail; only the address. Five wrong digits at /login/code.
out=$(python3 tests/otpd/hammer.py login 127.0.0.1 "${BASE##*:}" $G 5) || fail hammer
echo "attacker, 5 wrong codes at /login/code for $G: $(echo "$out" | tr '\n' ' ')"

sleep 31   # a TOTP step later than the enrolment's
s=$(page --data "csrf=$csrf&code=$(totp "$SECRET")&email_code=$mcode" "$BASE/account/authenticator")
echo "guest, right TOTP + the right emailed digits at /account/authenticator -> $s"
# Control: the same steps without the attacker work (a new mail, a later TOTP step).
n0=$(mail_count)
[ "$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")" = 200 ] || fail "mail step again"
wait_mails $((n0 + 1)) 10 || fail "no second code mail"
sleep 31
c=$(page --data "csrf=$csrf&code=$(totp "$SECRET")&email_code=$(latest_code)" "$BASE/account/authenticator")
echo "control, no attacker: the same step with the next mail -> $c"
[ "$c" = 303 ] || fail "the control did not work either ($c): the test proves nothing"
if [ "$s" = 401 ]; then
	echo "ATTACK WORKS: the guest cannot replace the authenticator; the mail has no key for this step"
	exit 1
fi
echo "refused"
exit 0
