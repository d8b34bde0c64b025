# Returning guests: /login with the emailed code then TOTP; unknown addresses get the same pages and no
# mail; a recovery code works once; otpctl reset-mfa and revoke-sessions; rd followed only inside the
# guest's invitations.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
now=$(date +%s)
[ "$(mfa_post /mfa/setup "$(totp "$SECRET" "$now")")" = 200 ] || fail "enrolment"
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery"
[ "$(wc -l <"$T/recovery")" = 10 ] || fail "no recovery codes"
ok "enrolled"

# Unknown and known addresses: the same status and page at the email step; a mail only for the known one.
: >"$T/jar"
page "$BASE/login" >/dev/null
csrf=$(csrf_of "$T/pg")
grep -q 'action="/login/email"' "$T/pg" || fail "no login form"
n0=$(mail_count)
s1=$(page --data "email=nobody%40example.com&csrf=$csrf" "$BASE/login/email")
sed 's/nobody@example.com//' "$T/pg" >"$T/unknown.html"
s2=$(page --data "email=guest%40example.net&csrf=$csrf" "$BASE/login/email")
sed 's/guest@example.net//' "$T/pg" >"$T/known.html"
[ "$s1" = "$s2" ] || fail "email step: unknown $s1, known $s2"
cmp -s "$T/unknown.html" "$T/known.html" || fail "email step pages differ: $(diff "$T/unknown.html" "$T/known.html")"
wait_mails $((n0 + 1)) 10 || fail "no mail for the known guest"
sleep 1
[ "$(mail_count)" = $((n0 + 1)) ] || fail "a mail went to the unknown address"
grep -q 'To: <nobody@example.com>' "$T/sink"/* && fail "mail to the unknown address"
s=$(page --data "email=nobody%40example.com&code=12345678&csrf=$csrf" "$BASE/login/code")
[ "$s" = 401 ] || fail "unknown address code step: $s"
grep -q 'outcome=unknown_guest' "$T/otpd.log" || fail "unknown guest not logged"
ok "unknown address: same page, no mail"

# Known guest: code, then TOTP; rd under the invitation is followed.
rd="$RESOURCE/wiki/page?x=1"
: >"$T/jar"
s=$(html_login guest@example.net "$rd")
[ "$s" = 200 ] || fail "login code: $s"
f=$(ls -t "$T/sink"/* | head -1)
grep -q 'sign in' "$f" || fail "login mail does not say sign in"
[ "$(auth "$RESOURCE")" = 401 ] || fail "code-only login session passed /auth"
[ "$(page "$BASE/mfa/setup")" = 303 ] || fail "setup for an enrolled guest: not sent to verify"
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
grep -q 'name="code"' "$T/pg" || fail "no code field on verify page"
s=$(mfa_post /mfa/verify "$(totp "$SECRET" $((now + 30)))")
[ "$s" = 200 ] || fail "TOTP at login: $s"
grep -q "url=$RESOURCE/wiki/page?x=1" "$T/pg" || fail "rd not followed: $(grep refresh "$T/pg")"
[ "$(auth "$RESOURCE/x")" = 200 ] || fail "/auth after login"
cp "$T/jar" "$T/jar.full"
ok "login with emailed code and TOTP; rd followed"

# rd outside the guest's invitations is not followed: the invitation's resource instead.
: >"$T/jar"
s=$(html_login guest@example.net "https://evil.example.com/steal")
[ "$s" = 200 ] || fail "login code (evil rd): $s"
page "$BASE/mfa/verify" >/dev/null
rc1=$(sed -n 1p "$T/recovery")
s=$(mfa_post /mfa/verify "$rc1")
[ "$s" = 200 ] || fail "recovery code: $s"
grep -q "url=" "$T/pg" && fail "recovery code page moves on by itself (the guest must read it)"
grep -q "evil.example.com" "$T/pg" && fail "rd outside the invitations followed"
grep -q "href=\"$RESOURCE\"" "$T/pg" || fail "no link to the invitation's resource"
grep -q ': 9' "$T/pg" || fail "recovery codes left not shown"
ok "recovery code works; foreign rd ignored"

# The same recovery code again: refused.
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "login for reuse"
page "$BASE/mfa/verify" >/dev/null
s=$(mfa_post /mfa/verify "$(echo "$rc1" | tr 'a-z' 'A-Z' | tr -d '-')")
[ "$s" = 401 ] || fail "recovery code used twice: $s"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q '"recovery_codes_left":9' || fail "guests: codes left"
ok "recovery code single use"

# revoke-sessions: the full session stops passing /auth.
[ "$(auth "$RESOURCE" "$T/jar.full")" = 200 ] || fail "full session before revoke"
"$OTPCTL" -c "$T/otpd.conf" revoke-sessions guest@example.net 2>"$T/err" || fail "revoke-sessions"
grep -q 'session(s) ended' "$T/err" || fail "revoke-sessions says nothing"
settle_revocation
[ "$(auth "$RESOURCE" "$T/jar.full")" = 401 ] || fail "/auth passed after revoke-sessions"
ok "revoke-sessions"

# reset-mfa: the next sign-in asks to enrol again, with a new secret.
"$OTPCTL" -c "$T/otpd.conf" reset-mfa guest@example.net 2>/dev/null || fail "reset-mfa"
"$OTPCTL" -c "$T/otpd.conf" reset-mfa nobody@example.com 2>/dev/null && fail "reset-mfa of an unknown guest"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q '"mfa":"none"' || fail "guests after reset"
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "login after reset"
grep -q 'url=/mfa/setup' "$T/pg" || fail "login after reset does not go to setup"
old=$SECRET
setup_page
[ "$SECRET" != "$old" ] || fail "same secret after reset"
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrol again"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolling again"
ok "reset-mfa"

# Revoking the invitation ends access at once.
id=$("$OTPCTL" -c "$T/otpd.conf" inspect "$tok" | sed 's/.*"invitation":"\([0-9a-f]*\)".*/\1/')
"$OTPCTL" -c "$T/otpd.conf" revoke "$id" 2>/dev/null || fail "revoke"
settle_revocation
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth passed for a revoked invitation"
ok "revoked invitation: /auth refuses"
