#!/bin/bash
# Red team 5, finding 01 (high): the enrolment secret was shown to every code session of the address.
# mfa_begin() kept showing a pending (unconfirmed) TOTP secret for 24 h to whichever code session of the
# address asked. Someone who reads the guest's mailbox signed in with an emailed code before the guest
# enrolled, opened /mfa/setup and did not confirm; the guest then saw that same secret, confirmed it, and the
# attacker passed the second factor from then on with the next code mail, silently and without a guess.
# Now a pending secret is sealed to the code session it was shown to (otpd/mfa.c, bind):
#   (a) the attacker's setup page first, then the guest's: the guest gets another secret; after the guest
#       enrolled, the attacker's TOTP from the secret they saw is refused (401) and /auth stays 401;
#   (b) the guest's setup page first, then the attacker's: the attacker gets another secret, which replaces
#       the guest's, so the guest's confirm fails (401: nothing shared unseen); the guest's reload shows a
#       new secret, which enrols (200), and neither earlier secret passes afterwards.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G) || fail mktoken
# (a) The attacker (reads the mailbox): a code session from the link, the setup page, not confirmed.
html_accept "$tok" $G
setup_page
A_SECRET=$SECRET
: >"$T/jar"
# The guest, in their own browser: the emailed code, the setup page, confirms with their app.
html_accept "$tok" $G
setup_page
G_SECRET=$SECRET
[ "$A_SECRET" != "$G_SECRET" ] || fail "(a) the guest's setup page shows the secret the attacker saw"
[ "$(mfa_post /mfa/setup "$(totp "$G_SECRET")")" = 200 ] || fail "(a) the guest's enrolment"
ok "(a) the guest's setup page shows another secret than the attacker's, and enrols"
# The attacker, later: the next code mail and a TOTP made from the secret they saw.
: >"$T/jar"
sleep 31   # the guest's confirming step counts as used
[ "$(html_login $G)" = 200 ] || fail "(a) login code step"
[ "$(verify_page)" = 200 ] || fail "(a) verify page"
r=$(mfa_post /mfa/verify "$(totp "$A_SECRET")")
a=$(auth "$RESOURCE")
[ "$r" = 401 ] && [ "$a" = 401 ] || fail "(a) ATTACK WORKS: the attacker's TOTP of the secret seen before enrolment: $r, /auth $a"
ok "(a) the attacker's TOTP from the secret they saw: 401, /auth 401"

# (b) A second guest opens the setup page first; the attacker opens it in their own code session after.
H=other@example.net
tok2=$(token $H) || fail mktoken
: >"$T/jar"
html_accept "$tok2" $H
setup_page
H_FIRST=$SECRET
H_CSRF=$SETUP_CSRF
cp "$T/jar" "$T/guest.jar"
: >"$T/jar"
html_accept "$tok2" $H
setup_page
A2_SECRET=$SECRET
[ "$A2_SECRET" != "$H_FIRST" ] || fail "(b) the attacker's setup page shows the secret on the guest's screen"
cp "$T/guest.jar" "$T/jar"
s=$(page --data-urlencode "code=$(totp "$H_FIRST")" --data "csrf=$H_CSRF" "$BASE/mfa/setup")
[ "$s" = 401 ] || fail "(b) the guest confirmed a secret that another session's page replaced: $s, want 401"
ok "(b) the attacker's page shows another secret; the guest's confirm of the replaced one: 401"
setup_page
H_NEW=$SECRET
[ "$H_NEW" != "$H_FIRST" ] && [ "$H_NEW" != "$A2_SECRET" ] || fail "(b) the guest's reload shows an old secret"
[ "$(mfa_post /mfa/setup "$(totp "$H_NEW")")" = 200 ] || fail "(b) the guest's enrolment after the reload"
: >"$T/jar"
[ "$(html_login $H)" = 200 ] || fail "(b) login code step"
[ "$(verify_page)" = 200 ] || fail "(b) verify page"
r1=$(mfa_post /mfa/verify "$(totp "$A2_SECRET")")
[ "$(verify_page)" = 200 ] || fail "(b) verify page"
r2=$(mfa_post /mfa/verify "$(totp "$H_FIRST")")
[ "$r1" = 401 ] && [ "$r2" = 401 ] && [ "$(auth "$RESOURCE")" = 401 ] ||
	fail "(b) an earlier secret passes after the guest's enrolment: attacker's $r1, the replaced one $r2"
ok "(b) the guest's reload shows a new secret that enrols; neither earlier secret passes afterwards"
