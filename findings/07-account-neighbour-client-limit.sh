#!/bin/bash
# Finding 07: a neighbour on the guest's client address (same NAT, proxy, carrier-grade NAT, IPv6 /64),
# knowing no guest and holding no link, fills the per-client typed-digits bucket ('t',
# ip_tries_per_hour) with junk at /login/code; /account/recovery and /account/authenticator take their
# try from that same bucket (flow_take_try), so the signed-in guest gets 429 there for up to an hour,
# with the right recovery code. The MFA step was moved off this bucket for exactly this reason (red-team
# finding 07 of an earlier round, O3f: "MFA tries are budgeted per client and guest"); the account
# routes were added later on the old bucket.
#
# Run from the tree after `make -j2 all test-bins`: bash findings/07-account-neighbour-client-limit.sh
# Exit 1: the attack works (429 for the guest); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 10"
start_sink
start_otpd
NAT=192.0.2.44                                  # the shared public address, as the trusted proxy says
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery"
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")

# The neighbour: 11 junk codes at /login/code for a made-up address, from the shared address.
command curl -s -c "$T/njar" -o "$T/npg" "$BASE/login"
ncsrf=$(csrf_of "$T/npg")
grep -q session "$T/njar" && fail "the neighbour's jar holds a session"
res=""
for i in $(seq 11); do
	res="$res $(command curl -s -o /dev/null -w '%{http_code}' -c "$T/njar" -b "$T/njar" -H "X-Forwarded-For: $NAT" \
		--data "email=nobody$i@example.com&code=12345678&csrf=$ncsrf" "$BASE/login/code")"
done
echo "neighbour, 11 junk codes at /login/code from $NAT:$res"
s=$(page -H "X-Forwarded-For: $NAT" --data "csrf=$csrf&code=$(sed -n 1p "$T/recovery")" "$BASE/account/recovery")
echo "guest behind the same $NAT, right recovery code at /account/recovery -> $s"
c=$(page -H "X-Forwarded-For: 198.51.100.9" --data "csrf=$csrf&code=$(sed -n 2p "$T/recovery")" "$BASE/account/recovery")
echo "control: the same guest from another address, another recovery code -> $c"
[ "$c" = 200 ] || fail "control: $c"
if [ "$s" = 429 ]; then
	echo "ATTACK WORKS: the neighbour's junk refuses the guest's account step"
	exit 1
fi
echo "refused"
exit 0
