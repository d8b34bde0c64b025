# Red-team finding 07: someone who shares the guest's client address (the same NAT, corporate proxy or CGNAT
# address, or IPv6 /64) must not lock the guest out, knowing no guest address and holding no link. Every
# request comes through the trusted proxy 127.0.0.1 with the same X-Forwarded-For, as behind nginx.
# (a) 100 junk tries at /login/code (ip_tries_per_hour): the neighbour is limited, the guest's digits may
#     be too, but the mail's link (the mail key) still signs the guest in, and the MFA step after it works.
# (b) 30 /login/email and 30 accept email steps for made-up addresses (ip_mails_per_hour): the guests'
#     email steps from that address still send their code mail, at an invitation and at /login.
# (c) ip_mails_per_hour still holds for mails actually sent: the 31st real guest gets none; a step over the
#     budget writes nothing (a guest's live code still works after it).
# (Before the fix: (a) the mail link answered 429; (b) no code mail, the page saying one was on its way.)
. tests/otpd/lib.sh
setup "mail_interval = 0s"
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

# (c) ip_mails_per_hour (30) counts the mails really sent from a client: 3 so far, so 27 more real guests
# from the same address get theirs, the next ones get none (the same page).
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
sleep 3
wait_mails $((n + 27)) 10 || fail "(c) fewer than 27 real mails: $(($(mail_count) - n))"
[ "$(mail_count)" = $((n + 27)) ] || fail "(c) ip_mails_per_hour did not hold: $(($(mail_count) - n)) mails, want 27"
grep -q 'event=code_request invitation=[0-9a-f]* outcome=client_limit' "$T/otpd.log" || fail "(c) no client_limit logged"
ok "(c) from one address: 30 real code mails, then client_limit (the made-up steps spent none of them)"
# A step over the client's budget writes nothing: the live code of a guest asked for then still works.
f=$(grep -l 'g27@example.net' "$T/sink"/* | head -1)
[ -n "$f" ] || fail "(c) no mail for g27"
c27=$(tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1)
s=$(page -H "$X" --data-urlencode "email=g27@example.net" --data "csrf=$c4" "$BASE/accept/$tok3/email")
[ "$s" = 200 ] || fail "(c) email step of g27 over the budget: $s"
[ "$(grep -c 'event=code_request invitation=[0-9a-f]* outcome=client_limit' "$T/otpd.log")" = 3 ] ||
	fail "(c) want 3 client_limit lines"
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 198.51.100.9' -H 'Content-Type: application/json' \
	--data "{\"email\":\"g27@example.net\",\"code\":\"$c27\"}" "$BASE/api/v1/accept/$tok3/code")
[ "$r" = 200 ] || fail "(c) g27's code after a step over the client's budget: $r"
ok "(c) a step over the client's budget spends nothing: g27's live code still signs in"
