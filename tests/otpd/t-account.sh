# The guest's own page (issue 15): /account shows the resources, how the guest signs in and when the access
# lapses (en and nl); a code-level session does not get it; leaving needs the CSRF token and the box
# ticked, then deletes the guest: every session fails /auth, otpctl guests no longer lists them, the
# audit lines stay.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 30d"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
[ "$(page "$BASE/account")" = 401 ] || fail "/account with a code-level session: $(head -c 300 "$T/pg")"
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery"
[ "$(wc -l <"$T/recovery")" = 10 ] || fail "no recovery codes at enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"
[ "$(page "$BASE/account")" = 200 ] || fail "/account: $(cat "$T/pg")"
grep -q '<strong id="account-email">guest@example.net</strong>' "$T/pg" || fail "account: no address"
grep -q "<a class=\"resource\" href=\"$RESOURCE\">" "$T/pg" || fail "account: no resource"
grep -q 'then the code from your authenticator app' "$T/pg" || fail "account: sign-in method"
lapse=$(date -u -d "@$(($(date +%s) + 30 * 86400))" +%Y-%m-%d)
grep -q "<p id=\"lapse\">If you do not sign in, your access is switched off on $lapse" "$T/pg" ||
	fail "account: lapse date ($lapse): $(grep lapse "$T/pg")"
grep -q 'action="/account/leave"' "$T/pg" && grep -q 'name="confirm" value="yes" required' "$T/pg" ||
	fail "account: no leave form with a confirmation box"
grep -Eq 'src=|https?://[^"]*\.(css|js)' "$T/pg" && fail "account: an external asset"
csrf=$(csrf_of "$T/pg")
[ "$(page "$BASE/account?lang=nl")" = 200 ] || fail "/account?lang=nl"
grep -q '<html lang="nl">' "$T/pg" && grep -q 'Je gastaccount' "$T/pg" && grep -q 'Verwijder mijn gastaccount' "$T/pg" ||
	fail "account in Dutch"
ok "/account: address, resource, sign-in method, lapse date, leave form; en and nl; code-level session refused"

# New recovery codes: a wrong code is refused; a recovery code gets 10 new ones; the old ones stop working.
grep -q 'action="/account/recovery"' "$T/pg" || fail "account: no new-recovery-codes form"
[ "$(page --data "csrf=$csrf&code=000000" "$BASE/account/recovery")" = 401 ] || fail "new codes with a wrong code"
grep -q 'That code is not right' "$T/pg" || fail "wrong code: no error on the account page"
[ "$(page --data "code=$(sed -n 2p "$T/recovery")" "$BASE/account/recovery")" = 400 ] || fail "new codes without CSRF"
[ "$(page --data "csrf=$csrf&code=$(sed -n 1p "$T/recovery")" "$BASE/account/recovery")" = 200 ] ||
	fail "new codes with a recovery code: $(cat "$T/pg")"
grep -q '<h1>Your new recovery codes</h1>' "$T/pg" || fail "new codes page"
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery2"
[ "$(wc -l <"$T/recovery2")" = 10 ] || fail "not 10 new codes"
cmp -s "$T/recovery" "$T/recovery2" && fail "the same codes again"
[ "$(page --data "csrf=$csrf&code=$(sed -n 2p "$T/recovery")" "$BASE/account/recovery")" = 401 ] ||
	fail "an old recovery code still works"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q '"recovery_codes_left":10' || fail "otpctl guests: not 10 codes left"
mdb_dump -p -s audit "$T/db" | grep -q 'event=recovery_renewed .*guest=guest@example.net' || fail "no audit line"
ok "new recovery codes: need the current second factor and the CSRF token; old ones stop working"

# A new authenticator: a fresh emailed code plus the current second factor (here a recovery code); then
# every session ends and the guest enrols again.
cp "$T/jar" "$T/before-reset.jar"
[ "$(page "$BASE/account")" = 200 ] || fail "account again"
csrf=$(csrf_of "$T/pg")
grep -q 'action="/account/authenticator/email"' "$T/pg" || fail "account: no new-authenticator form"
n0=$(mail_count)
[ "$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")" = 200 ] || fail "new authenticator: mail step"
grep -q 'name="email_code"' "$T/pg" || fail "new authenticator: no field for the emailed code"
wait_mails $((n0 + 1)) 10 || fail "new authenticator: no code mail"
mcode=$(latest_code)
python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
t = next(p for p in m.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
sys.exit(0 if "Your code to set up a new authenticator app for" in t else 1)' "$(ls -t "$T/sink"/* | head -1)" ||
	fail "new authenticator: not the new-authenticator code mail"
[ -z "$(latest_link)" ] || fail "new authenticator: the mail has a mail key link no step takes: $(latest_link)"
rc3=$(sed -n 3p "$T/recovery2")
# POSIX sh (run.sh uses sh): awk reads the digits as a decimal number, leading zeros and all.
wrong=$(awk -v c="$mcode" 'BEGIN { printf "%08d", (c + 1) % 100000000 }')
[ "${#wrong}" = 8 ] && [ "$wrong" != "$mcode" ] || fail "no wrong emailed code computed from '$mcode': '$wrong'"
[ "$(page --data "csrf=$csrf&code=$rc3&email_code=$wrong" "$BASE/account/authenticator")" = 401 ] ||
	fail "new authenticator with a wrong emailed code"
[ "$(page --data "csrf=$csrf&code=000000&email_code=$wrong" "$BASE/account/authenticator")" = 401 ] ||
	fail "new authenticator with a wrong app code"
[ "$(page --data "csrf=$csrf&code=$rc3&email_code=$mcode" "$BASE/account/authenticator")" = 303 ] ||
	fail "new authenticator: $(cat "$T/pg")"
tr -d '\r' <"$T/ph" | grep -q '^Location: /mfa/setup?lang=en$' || fail "new authenticator: not on to /mfa/setup"
[ "$(auth "$RESOURCE" "$T/before-reset.jar")" = 401 ] || fail "the session before the reset still passes /auth"
[ "$(auth "$RESOURCE")" = 401 ] || fail "the enrol-only session passes /auth"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q '"mfa":"none"' || fail "otpctl guests: authenticator not forgotten"
OLD=$SECRET
setup_page
[ "$SECRET" != "$OLD" ] || fail "the same secret again"
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolling the new authenticator"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth with the new authenticator"
mdb_dump -p -s audit "$T/db" | grep -q 'event=authenticator_reset .*guest=guest@example.net' || fail "no audit line"
[ "$(page "$BASE/account")" = 200 ] || fail "account after the new authenticator"
csrf=$(csrf_of "$T/pg")
ok "new authenticator: needs the emailed code and the current factor; all sessions end; enrol again"

# A second browser of the same guest (/login), to see every session end.
cp "$T/jar" "$T/first.jar"
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "/login in a second browser"
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
sleep 1	# a TOTP step is needed: wait out the one used at enrolment if in the same window
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] ||
	[ "$(mfa_post /mfa/verify "$(totp "$SECRET")")" = 200 ] || fail "second browser MFA"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth in the second browser"
cp "$T/jar" "$T/second.jar"
cp "$T/first.jar" "$T/jar"

# Leave: without the CSRF token, then without the box: refused, the guest stays.
[ "$(page --data "confirm=yes" "$BASE/account/leave")" = 400 ] || fail "leave without CSRF"
[ "$(page --data "csrf=$csrf" "$BASE/account/leave")" = 400 ] || fail "leave without confirmation"
grep -q 'Tick the box to confirm' "$T/pg" || fail "unconfirmed leave: no explanation"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q '"email":"guest@example.net"' || fail "guest gone without confirmation"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after refused leaves"
# CSRF of another browser's session does not work either.
[ "$(page --data "csrf=$(csrf_of "$T/pg")x&confirm=yes" "$BASE/account/leave")" = 400 ] || fail "leave with a bad CSRF"
ok "leave without CSRF or without confirmation: 400, nothing deleted"

[ "$(page --data "csrf=$csrf&confirm=yes" "$BASE/account/leave")" = 200 ] || fail "leave: $(cat "$T/pg")"
grep -q 'Your guest account is deleted' "$T/pg" || fail "leave: no confirmation page"
grep -qi '^Set-Cookie: guestlink_session=; Path=/; Max-Age=0' "$T/ph" || fail "leave: session cookie not cleared"
[ "$(auth "$RESOURCE" "$T/first.jar")" = 401 ] || fail "the old cookie still passes /auth"
[ "$(auth "$RESOURCE" "$T/second.jar")" = 401 ] || fail "the second browser's session still passes /auth"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q 'guest@example.net' && fail "otpctl guests still lists the guest"
mdb_dump -p -s guests "$T/db" | grep -q 'guest@example.net' && fail "the record is still in the database"
mdb_dump -p -s audit "$T/db" | grep -q 'event=guest_left .*guest=guest@example.net' || fail "no guest_left audit line"
mdb_dump -p -s audit "$T/db" | grep -q 'event=mfa_enrolled .*guest=guest@example.net' || fail "older audit lines gone"
cp "$T/first.jar" "$T/jar"
[ "$(page "$BASE/account")" = 401 ] || fail "/account after leaving"
ok "leave: deleted, every session fails /auth, not in otpctl guests, audit lines kept"
