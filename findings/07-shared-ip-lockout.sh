#!/bin/bash
# 07 - someone who shares the guest's client address (the same NAT, corporate proxy or CGNAT address, or the
# same IPv6 /64) locks the guest out, with no link and no knowledge of the guest: the per-client budgets
# are taken before anything else, also for the mail key (the link in the code mail that "no count stops").
# (a) 100 junk tries at /login/code (ip_tries_per_hour) -> the guest's own mail link answers 429;
# (b) 30 /login/email requests for made-up addresses (ip_mails_per_hour) -> the guest's email step sends
#     no code mail at all (the page says one is on its way). Both hold for the hour and can be renewed.
# Client addresses come through X-Forwarded-For from a trusted proxy, as behind nginx.
# Exit 1: the attack works; 0: refused.
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s"
start_sink
start_otpd
NAT=203.0.113.7
X="X-Forwarded-For: $NAT"
tok=$(token guest@example.net)
# The guest asks for a code at the accept link.
[ "$(page -H "$X" "$BASE/accept/$tok")" = 200 ] || fail "accept page"
gcsrf=$(csrf_of "$T/pg")
[ "$(page -H "$X" --data-urlencode "email=guest@example.net" --data "csrf=$gcsrf" "$BASE/accept/$tok/email")" = 200 ] ||
	fail "email step"
wait_mails 1 10 || fail "no code mail"
link=$(latest_link)
# The attacker, behind the same address, with nothing but /login.
A="$T/ajar"
command curl -s -c "$A" -b "$A" -H "$X" -o "$T/apg" "$BASE/login"
acsrf=$(csrf_of "$T/apg")
for i in $(seq 1 100); do
	command curl -s -o /dev/null -b "$A" -H "$X" --data "email=x$i@example.com&code=00000000&csrf=$acsrf" "$BASE/login/code"
done
# The guest opens the link from the code mail and confirms.
[ "$(page -H "$X" "$link")" = 200 ] || fail "confirm page"
key=$(sed -n 's/.*name="code" value="\([^"]*\)".*/\1/p' "$T/pg" | head -1)
action=$(sed -n 's/.*<form method="post" action="\([^"]*\/code\)".*/\1/p' "$T/pg" | head -1)
csrf=$(csrf_of "$T/pg")
sa=$(page -H "$X" --data-urlencode "email=guest@example.net" --data "code=$key&csrf=$csrf" "$BASE$action")
echo "(a) the guest's mail link after 100 junk tries from the same address: $sa"
# (b) the attacker spends the address's code mails; then a second guest asks for a code.
for i in $(seq 1 30); do
	command curl -s -o /dev/null -b "$A" -H "$X" --data "email=y$i@example.com&csrf=$acsrf" "$BASE/login/email"
done
tok2=$(token second@example.net)
n=$(mail_count)
page -H "$X" "$BASE/accept/$tok2" >/dev/null
c2=$(csrf_of "$T/pg")
sb=$(page -H "$X" --data-urlencode "email=second@example.net" --data "csrf=$c2" "$BASE/accept/$tok2/email")
sleep 3
got=$(($(mail_count) - n))
echo "(b) a guest's email step after 30 made-up /login/email requests: page $sb, code mails sent: $got"
# Control: from another address the same steps work.
page -H "X-Forwarded-For: 198.51.100.9" "$BASE/accept/$tok2" >/dev/null
c3=$(csrf_of "$T/pg")
page -H "X-Forwarded-For: 198.51.100.9" --data-urlencode "email=second@example.net" --data "csrf=$c3" "$BASE/accept/$tok2/email" >/dev/null
wait_mails $((n + 1)) 10 || fail "control: no mail from another address either"
if [ "$sa" = 429 ] || [ "$got" = 0 ]; then
	echo "VULNERABLE: a neighbour on the guest's address locks the guest out (mail link 429 / no code mail)"
	exit 1
fi
echo "refused"
exit 0
