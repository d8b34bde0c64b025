# Enrolment after the first code: QR code (decoded by zbarimg) = otpauth URI = the secret shown as text;
# confirm with a code from oathtool; 10 recovery codes once; a code-only session never passes /auth;
# the confirming code cannot be used again; no secret or code in the log.
. tests/otpd/lib.sh
setup "mail_interval = 0s"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
grep -q 'url=/mfa/setup' "$T/pg" || fail "code page does not move on to /mfa/setup"
[ "$(auth "$RESOURCE/doc")" = 401 ] || fail "a code-only session passed /auth"
[ "$(page "$BASE/mfa/verify")" = 303 ] || fail "verify before enrolment: not sent to setup"
setup_page
cp "$T/pg" "$T/setup.html"
grep -q '<svg class="qr"' "$T/setup.html" || fail "no inline SVG QR code"
grep -Eq 'id="secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<' "$T/setup.html" || fail "secret not in groups of 4"
grep -q '<script' "$T/setup.html" && fail "script on the setup page"
want="otpauth://totp/Example%20University:guest%40example.net?secret=$SECRET&issuer=Example%20University&algorithm=SHA1&digits=6&period=30"
href=$(sed -n 's/.*<a class="app" href="\([^"]*\)".*/\1/p' "$T/setup.html" | sed 's/&amp;/\&/g')
[ "$href" = "$want" ] || fail "otpauth link: got $href, want $want"
# The QR code: SVG -> PNG (rsvg-convert) -> zbarimg -> the same URI.
sed -n 's/.*\(<svg class="qr".*<\/svg>\).*/\1/p' "$T/setup.html" >"$T/qr.svg"
rsvg-convert -w 400 -b white -o "$T/qr.png" "$T/qr.svg" || fail "rsvg-convert"
got=$(zbarimg --quiet --raw "$T/qr.png" 2>/dev/null) || fail "zbarimg found no QR code"
[ "$got" = "$want" ] || fail "QR code: got $got, want $want"
ok "QR code decodes to $want"
# Reloading shows the same secret (the app already has it).
first=$SECRET
setup_page
[ "$SECRET" = "$first" ] || fail "reload changed the secret"
# A wrong code: 401, the setup page again.
s=$(mfa_post /mfa/setup 000000)
[ "$s" = 401 ] || [ "$(totp "$SECRET")" = 000000 ] || fail "wrong code accepted: $s"
grep -q 'id="secret"' "$T/pg" || fail "wrong code: no setup page"
now=$(date +%s)
code=$(totp "$SECRET" "$now")
s=$(mfa_post /mfa/setup "$code")
[ "$s" = 200 ] || fail "confirm: $s"
cp "$T/pg" "$T/done.html"
n=$(grep -Ec '<li><code>[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}</code></li>' "$T/done.html")
[ "$n" = 10 ] || fail "recovery codes: got $n, want 10"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" || fail "no new session cookie after MFA"
grep -q "href=\"$RESOURCE\"" "$T/done.html" || fail "no way on to the resource"
ok "enrolled; 10 recovery codes shown"
# Full session: /auth lets it through to the invitation's resource, and only there.
[ "$(auth "$RESOURCE/doc?x=1")" = 200 ] || fail "/auth refused a full session"
grep -qi '^X-Guest-Email: guest@example.net' "$T/ah" || fail "no X-Guest-Email"
[ "$(auth "https://teams.example.org/team/43")" = 401 ] || fail "/auth allowed another resource"
[ "$(auth "https://teams.example.org/team/42x")" = 401 ] || fail "/auth allowed a prefix that is not a path boundary"
[ "$(auth "$RESOURCE" /dev/null)" = 401 ] || fail "/auth without a cookie"
# The recovery codes are shown once: the setup page is gone for this guest.
[ "$(page "$BASE/mfa/setup")" = 200 ] && grep -q 'id="secret"' "$T/pg" && fail "setup page shown again"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q '"email":"guest@example.net".*"mfa":"totp"' "$T/guests" || fail "guests: $(cat "$T/guests")"
grep -q '"recovery_codes_left":10' "$T/guests" || fail "guests: recovery codes"
grep -q "\"resource\":\"$RESOURCE\"" "$T/guests" || fail "guests: invitation"
# Replay: a new sign-in with the code that confirmed the enrolment is refused.
: >"$T/jar"
s=$(html_login guest@example.net)
[ "$s" = 200 ] || fail "login code step: $s"
grep -q 'url=/mfa/verify' "$T/pg" || fail "login does not move on to /mfa/verify"
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
s=$(mfa_post /mfa/verify "$code")
[ "$s" = 401 ] || fail "replayed TOTP code accepted: $s"
grep -q 'totp_replayed' "$T/otpd.log" || fail "replay not logged as such"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth passed after a refused code"
next=$(totp "$SECRET" $((now + 30)))
s=$(mfa_post /mfa/verify "$next")
[ "$s" = 200 ] || fail "next step's code refused: $s"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after verify"
s=$(html_login guest@example.net)
[ "$s" = 200 ] || fail "second login code step: $s"
page "$BASE/mfa/verify" >/dev/null
s=$(mfa_post /mfa/verify "$next")
[ "$s" = 401 ] || fail "code accepted twice: $s"
ok "replayed TOTP codes refused"
for secret_text in "$SECRET" "$code" "$next"; do
	grep -q "$secret_text" "$T/otpd.log" && fail "secret or code in the log"
done
for rc in $(sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/done.html"); do
	grep -q "$rc" "$T/otpd.log" && fail "recovery code in the log"
done
sess=$(sed -n 's/.*guestlink_session\t\(.*\)$/\1/p' "$T/jar" | tail -1)
[ -n "$sess" ] && grep -q "$sess" "$T/otpd.log" && fail "session id in the log"
strings "$T/db/data.mdb" | grep -q "$SECRET" && fail "TOTP secret in the database in clear"
ok "nothing secret in the log or the database"
