#!/bin/bash
# Red team 5, finding 04: a neighbour on the guest's client address (NAT, proxy, /64) who knows only the
# guest's address kept the signed-in guest from getting the code mail that replaces an authenticator: that
# mail (/account/authenticator/email) passed the per-client-and-address mail bucket ('i',
# ip_mails_per_hour) that the neighbour spends with /login email steps for the address (their mails are
# /login codes, none of them the account's, which lives in the session's own slot). Now the account mail's
# bucket is the session slot's (otpd/flow.c client_mails): the neighbour's steps do not touch it.
# Here ip_mails_per_hour = 3 (with the default 30 the neighbour needs /login and ~3 invitations for hours).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 3"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G          # mail 1 from this client to G
setup_page
never_logged "$SECRET"
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth"
ok "the guest is signed in (full session), behind the shared client address"
cp "$T/jar" "$T/guest.jar"
# The neighbour: same client address, a jar of its own, only the guest's address.
: >"$T/jar"
page "$BASE/login" >/dev/null
c=$(csrf_of "$T/pg")
for i in 1 2; do
	page --data-urlencode "email=$G" --data "csrf=$c" "$BASE/login/email" >/dev/null
done
wait_mails 3 10 || fail "the neighbour's /login mails did not go"
ok "the neighbour's two /login email steps: two sign-in mails to the guest"
# The guest asks for the new-authenticator code.
cp "$T/guest.jar" "$T/jar"
[ "$(page "$BASE/account")" = 200 ] || fail "account page"
csrf=$(csrf_of "$T/pg")
n0=$(mail_count)
s=$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")
sleep 3
n1=$(mail_count)
echo "the guest's /account/authenticator/email: $s; new mails: $((n1 - n0))"
grep -q 'event=account_code_request invitation=account outcome=client_limit' "$T/otpd.log" && echo "otpd: account_code_request outcome=client_limit"
[ "$s" = 200 ] || fail "the guest's /account/authenticator/email: $s"
[ "$n1" -gt "$n0" ] || fail "ATTACK WORKS: the guest's new-authenticator code mail was not sent"
grep -q 'event=account_code_request invitation=account outcome=code_queued' "$T/otpd.log" ||
	fail "the account code request was not queued: $(grep -o 'event=account_code_request [^ ]* outcome=[a-z_]*' "$T/otpd.log" | tail -1)"
ok "the guest behind the neighbour's address gets the new-authenticator code (code_queued)"
