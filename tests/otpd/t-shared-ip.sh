# Red-team finding 07: someone who shares the guest's client address (the same NAT, corporate proxy or CGNAT
# address, or IPv6 /64) must not lock the guest out, knowing no guest address and holding no link. Every
# request comes through the trusted proxy 127.0.0.1 with the same X-Forwarded-For, as behind nginx.
# (a) 100 junk tries at /login/code (ip_tries_per_hour): the neighbour is limited, the guest's digits may
#     be too, but the mail's link (the mail key) still signs the guest in, and the MFA step after it works.
# (b) 30 /login/email and 30 accept email steps for made-up addresses (ip_mails_per_hour): the guests'
#     email steps from that address still send their code mail, at an invitation and at /login.
# (c) ip_mails_per_hour holds per client and address (never across addresses: red team 3, 04/05); a step over the
#     budget writes nothing (a guest's live code still works after it).
# (Before the fix: (a) the mail link answered 429; (b) no code mail, the page saying one was on its way.)
. tests/otpd/lib.sh
setup "mail_interval = 0s" "ip_mails_per_hour = 30"
start_sink
start_otpd
NAT=203.0.113.7
X="X-Forwarded-For: $NAT"
G=guest@example.net
tok=$(token $G)
# The guest asks for a code at the accept link.
[ "$(page -H "$X" "$BASE/accept/$tok")" = 200 ] || fail "accept page"
gcsrf=$(csrf_of "$T/pg")
[ "$(page -H "$X" --data-urlencode "email=$G" --data "csrf=$gcsrf" "$BASE/accept/$tok/email")" = 200 ] ||
	fail "email step"
wait_mails 1 10 || fail "no code mail"
link=$(latest_link)
code=$(latest_code)
# The neighbour, behind the same address, with nothing but /login and its own cookie jar.
A="$T/ajar"
command curl -s -c "$A" -b "$A" -H "$X" -o "$T/apg" "$BASE/login"
acsrf=$(csrf_of "$T/apg")
junk() { # junk PATH FORMDATA - one request of the neighbour; prints the status
	command curl -s -o /dev/null -w '%{http_code}' -b "$A" -H "$X" --data "$2" "$BASE$1"
}
got=
for i in $(seq 1 101); do
	got="$got $(junk /login/code "email=x$i@example.com&code=00000000&csrf=$acsrf")"
done
[ "$(echo "$got" | tr ' ' '\n' | grep -c '^401$')" = 100 ] || fail "the neighbour's 100 junk tries:$got"
[ "${got##* }" = 429 ] || fail "the neighbour's 101st junk try is not limited (ip_tries_per_hour): ${got##* }"
ok "(a) the neighbour: 100 junk tries at /login/code 401, the 101st 429 (ip_tries_per_hour holds)"
# The guest's digits from the same address may be slowed (they are a guess); the page says so.
sd=$(page -H "$X" --data-urlencode "email=$G" --data "code=$code&csrf=$gcsrf" "$BASE/accept/$tok/code")
[ "$sd" = 429 ] || fail "the guest's digits after the neighbour's tries: $sd (the per-client try budget is gone?)"
# The guest opens the link from the code mail and confirms: the mail key consults no per-client budget.
[ "$(page -H "$X" "$link")" = 200 ] || fail "confirm page"
key=$(sed -n 's/.*name="code" value="\([^"]*\)".*/\1/p' "$T/pg" | head -1)
action=$(sed -n 's/.*<form method="post" action="\([^"]*\/code\)".*/\1/p' "$T/pg" | head -1)
csrf=$(csrf_of "$T/pg")
[ -n "$key" ] && [ -n "$action" ] || fail "no key form on the confirm page"
sa=$(page -H "$X" --data-urlencode "email=$G" --data "code=$key&csrf=$csrf" "$BASE$action")
[ "$sa" = 200 ] || fail "(a) the guest's mail link after 100 junk tries from the same address: $sa"
grep -q 'event=code_try invitation=[0-9a-f]* outcome=code_ok_enrol_next' "$T/otpd.log" || fail "no code_ok logged"
# ... and enrols TOTP from the same address: the MFA step is not refused by the neighbour's count either.
[ "$(page -H "$X" "$BASE/privacy")" = 200 ] &&
	[ "$(page -H "$X" --data "csrf=$(csrf_of "$T/pg")" "$BASE/privacy")" = 303 ] || fail "privacy page (first sign-in)"
[ "$(page -H "$X" "$BASE/mfa/setup")" = 200 ] || fail "setup page: $(head -5 "$T/pg")"
SECRET=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
[ ${#SECRET} -eq 32 ] || fail "no TOTP secret on the setup page"
sm=$(page -H "$X" --data-urlencode "code=$(totp "$SECRET")" --data "csrf=$(csrf_of "$T/pg")" "$BASE/mfa/setup")
[ "$sm" = 200 ] || fail "(a) the guest's TOTP enrolment after the neighbour's tries: $sm"
[ "$(auth "$RESOURCE")" = 200 ] || fail "(a) the guest's full session does not pass /auth"
ok "(a) the guest: digits 429, but the mail's link signs in (200) and TOTP enrolment works (200, /auth 200)"

# (b) the neighbour asks for code mails for made-up addresses, at /login and at an invitation it holds.
tok2=$(token second@example.net)
command curl -s -c "$A" -b "$A" -H "$X" -o "$T/apg2" "$BASE/accept/$tok2"
acsrf2=$(csrf_of "$T/apg2")
got=
for i in $(seq 1 30); do
	got="$got $(junk /login/email "email=y$i@example.com&csrf=$acsrf")"
	got="$got $(junk "/accept/$tok2/email" "email=z$i@example.com&csrf=$acsrf2")"
done
[ "$(echo "$got" | tr ' ' '\n' | grep -c '^200$')" = 60 ] || fail "the neighbour's 60 email steps:$got"
n=$(mail_count)
# A second guest at the invitation, from the same address.
page -H "$X" "$BASE/accept/$tok2" >/dev/null
c2=$(csrf_of "$T/pg")
sb=$(page -H "$X" --data-urlencode "email=second@example.net" --data "csrf=$c2" "$BASE/accept/$tok2/email")
[ "$sb" = 200 ] || fail "(b) the second guest's email step: $sb"
wait_mails $((n + 1)) 10 || fail "(b) no code mail for the second guest after 60 made-up email steps from the same address"
# The first guest, now a known guest, at /login from the same address.
: >"$T/jar"
sl=$(page -H "$X" "$BASE/login")
c3=$(csrf_of "$T/pg")
sl=$(page -H "$X" --data-urlencode "email=$G" --data "csrf=$c3" "$BASE/login/email")
[ "$sl" = 200 ] || fail "(b) the known guest's /login email step: $sl"
wait_mails $((n + 2)) 10 || fail "(b) no /login code mail for the known guest after 60 made-up email steps"
[ "$(mail_count)" = $((n + 2)) ] || fail "(b) mails went to made-up addresses: $(($(mail_count) - n))"
ok "(b) 60 made-up email steps from the guests' address: both guests still get their code mail"

# (c) ip_mails_per_hour counts the mails really sent from a client to one address (across invitations and
# /login), never to several addresses together: a count of a client's mails to every address tells a link
# holder whether another address is a guest (red team 3, findings 04/05: tests/otpd/t-rt3-*.sh). So 29 real
# guests of one invitation from the same address all get their mail ...
guests=
for i in $(seq 1 29); do guests="$guests g$i@example.net"; done
# shellcheck disable=SC2086
tok3=$(token $guests)
page -H "$X" "$BASE/accept/$tok3" >/dev/null
c4=$(csrf_of "$T/pg")
n=$(mail_count)
for i in $(seq 1 29); do
	s=$(page -H "$X" --data-urlencode "email=g$i@example.net" --data "csrf=$c4" "$BASE/accept/$tok3/email")
	[ "$s" = 200 ] || fail "(c) email step of g$i: $s"
done
wait_mails $((n + 29)) 10 || fail "(c) fewer than 29 real mails: $(($(mail_count) - n))"
grep -q 'event=code_request invitation=[0-9a-f]* outcome=client_limit' "$T/otpd.log" && fail "(c) client_limit logged for mails to 29 different addresses"
ok "(c) from one address: 29 real guests of one invitation get their code mail (no count couples addresses)"
# ... and for one address the budget holds across invitations: with ip_mails_per_hour = 3, three mails to h1
# at two invitations go, the fourth does not (client_limit); h2 from the same client still gets one.
restart_with ip_mails_per_hour 3
tok4=$(token h1@example.net)
tok5=$(token h1@example.net)
tok6=$(token h2@example.net)
estep() { # estep TOKEN ADDR [XFF] - the JSON email step; prints the status
	command curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: ${3:-$NAT}" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$2\",\"method\":\"code\"}" "$BASE/api/v1/accept/$1/email"
}
n=$(mail_count)
got="$(estep "$tok4" h1@example.net) $(estep "$tok4" h1@example.net) $(estep "$tok5" h1@example.net)"
wait_mails $((n + 3)) 10 || fail "(c) three mails to h1 from one client: $(($(mail_count) - n)) ($got)"
f=$(grep -l 'h1@example.net' "$T/sink"/* | xargs ls -t | head -1)
c5=$(tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1)
[ -n "$c5" ] || fail "(c) no code in h1's third mail"
s=$(estep "$tok5" h1@example.net)
[ "$got" = "202 202 202" ] && [ "$s" = 202 ] || fail "(c) h1's email steps: $got, then $s (want 202 each: the same answer)"
s=$(estep "$tok6" h2@example.net)
wait_mails $((n + 4)) 10 || fail "(c) no mail for h2 from the same client"
sleep 1
[ "$(mail_count)" = $((n + 4)) ] || fail "(c) ip_mails_per_hour did not hold for h1: $(($(mail_count) - n)) mails, want 4"
[ "$(grep -c 'event=code_request invitation=[0-9a-f]* outcome=client_limit' "$T/otpd.log")" = 1 ] ||
	fail "(c) want 1 client_limit line"
ok "(c) one address from one client: 3 mails across two invitations, then client_limit; h2 still mailed"
# A step over the client's budget writes nothing: h1's live code from the third mail still works.
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 198.51.100.9' -H 'Content-Type: application/json' \
	--data "{\"email\":\"h1@example.net\",\"code\":\"$c5\"}" "$BASE/api/v1/accept/$tok5/code")
[ "$r" = 200 ] || fail "(c) h1's code after a step over the client's budget: $r"
ok "(c) a step over the client's budget spends nothing: h1's live code still signs in"
