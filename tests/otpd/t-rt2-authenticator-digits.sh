# Red team 2, finding 06: someone who knows only a guest's address cannot stop the guest replacing the
# authenticator. /account/authenticator takes the digits of a fresh /login code mail; wrong digits typed
# at the public /login/code form for that address (6 here, more than code_tries = 5) must not make the
# guest's right digits fail there: the guest's right TOTP + the right emailed digits answer 303 (on to
# /mfa/setup). (Today the digits live in the same (/login, address) slot the form guesses at, and the
# 5 wrong tries kill them: 401.)
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")
n0=$(mail_count)
[ "$(page --data "csrf=$csrf" "$BASE/account/authenticator/email")" = 200 ] || fail "mail step"
wait_mails $((n0 + 1)) 10 || fail "no code mail"
mcode=$(latest_code)
ok "the guest asked for the digits for a new authenticator"

# The attacker: no cookie of the guest, no mail; only the address. Six wrong digits at /login/code.
out=$(python3 tests/otpd/hammer.py login 127.0.0.1 "$HTTP_PORT" $G 6) || fail "hammer: $out"
echo "$out" | grep -q '^tries 6' || fail "the attacker's tries at /login/code: $out"
ok "the attacker: 6 wrong digits at /login/code for $G ($(echo "$out" | tr '\n' ' '))"

# The guest: the right TOTP (the next step, not the enrolment's) and the right emailed digits.
s=$(page --data "csrf=$csrf&code=$(totp "$SECRET" $(($(date +%s) + 30)))&email_code=$mcode" "$BASE/account/authenticator")
[ "$s" = 303 ] || fail "the guest's right TOTP + the right emailed digits at /account/authenticator -> $s, want 303"
tr -d '\r' <"$T/ph" | grep -q '^Location: /mfa/setup' || fail "not on to /mfa/setup: $(tr -d '\r' <"$T/ph" | grep -i '^location')"
ok "after the attacker's wrong digits at /login/code, the guest's right codes at /account/authenticator: 303"
