# Siblings of issue 10 at the sign-in boundaries, each through the real otpd, each an attack that fails:
# /login with someone else's address and one's own code; a session id planted in the browser before
# sign-in is never the one signed in (fixation), and each level change (code, then MFA) gives a new id;
# otpctl revoke-sessions ends a code-level session as well as a full one (no MFA step on it afterwards);
# guessing TOTP codes spends the try budget of the client and guest: 429 after ip_tries_per_hour, even for the right code.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 24"
start_sink
start_otpd
sess_of() { awk '$6 == "guestlink_session" { v = $7 } END { print v }' "${1:-$T/jar}"; }
plant() { printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tguestlink_session\t%s\n' "$1" >>"$T/jar"; }
# alice and bob: guests with a TOTP each.
for g in alice bob; do
	: >"$T/jar"
	html_accept "$(token "$g@example.net")" "$g@example.net"
	setup_page
	[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "$g: enrolment"
	eval "SECRET_$g=\$SECRET"
	cp "$T/jar" "$T/jar.$g"
done
[ "$(auth "$RESOURCE" "$T/jar.alice")" = 200 ] || fail "alice's full session"
ok "alice and bob enrolled"

# /login: bob's address with the code mailed to alice.
: >"$T/jar"
page "$BASE/login" >/dev/null
c=$(csrf_of "$T/pg")
n=$(mail_count)
page --data-urlencode "email=alice@example.net" --data "csrf=$c" "$BASE/login/email" >/dev/null
wait_mails $((n + 1)) 10 || fail "no login code for alice"
s=$(page --data-urlencode "email=bob@example.net" --data "code=$(latest_code)&csrf=$c" "$BASE/login/code")
[ "$s" = 401 ] || fail "bob's address with alice's code: $s"
[ -z "$(sess_of)" ] || fail "bob's address with alice's code: a session"
ok "/login: someone else's address with one's own code: 401, no session"

# Fixation: bob's own code-level session planted in alice's browser before she signs in.
: >"$T/jar"
[ "$(html_login bob@example.net)" = 200 ] || fail "bob: login code step"
SB=$(sess_of)
[ -n "$SB" ] || fail "bob: no code-level session"
: >"$T/jar"
plant "$SB"
[ "$(html_login alice@example.net)" = 200 ] || fail "alice: login code step"
SA=$(sess_of)
[ -n "$SA" ] && [ "$SA" != "$SB" ] || fail "alice's sign-in kept the planted session id"
page "$BASE/mfa/verify" >/dev/null
# the next step: alice used the current one at enrolment moments ago
[ "$(mfa_post /mfa/verify "$(totp "$SECRET_alice" $(($(date +%s) + 30)))")" = 200 ] || fail "alice: TOTP step"
SA2=$(sess_of)
[ -n "$SA2" ] && [ "$SA2" != "$SA" ] && [ "$SA2" != "$SB" ] || fail "no new session id after MFA"
[ "$(auth "$RESOURCE")" = 200 ] || fail "alice's full session"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tguestlink_session\t%s\n' "$SB" >"$T/jar.planted"
[ "$(auth "$RESOURCE" "$T/jar.planted")" = 401 ] || fail "the planted id passes /auth"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tguestlink_session\t%s\n' "$SA" >"$T/jar.old"
[ "$(auth "$RESOURCE" "$T/jar.old")" = 401 ] || fail "the code-level id of alice passes /auth after MFA"
curl -s -o "$T/p" -b "$T/jar.old" "$BASE/mfa/verify"
grep -q 'name="code"' "$T/p" && fail "alice's spent code-level id still offers the TOTP step"
ok "fixation: a planted id is never signed in; a new id after the code and again after MFA; the old ones are dead"

# revoke-sessions ends every level: bob's code-level session and alice's full one.
"$OTPCTL" -c "$T/otpd.conf" revoke-sessions bob@example.net 2>/dev/null || fail "revoke-sessions bob"
cp "$T/jar.planted" "$T/jar"
page "$BASE/mfa/verify" >/dev/null
s=$(page --data-urlencode "code=$(totp "$SECRET_bob")" --data "csrf=$(csrf_of "$T/pg")" "$BASE/mfa/verify")
[ "$s" != 200 ] && [ -z "$(tr -d '\r' <"$T/ph" | grep -i '^Set-Cookie: guestlink_session=.')" ] ||
	fail "a revoked code-level session finished MFA: $s"
"$OTPCTL" -c "$T/otpd.conf" revoke-sessions alice@example.net 2>/dev/null || fail "revoke-sessions alice"
settle_revocation
[ "$(auth "$RESOURCE" "$T/jar.alice")" = 401 ] || fail "alice's full session after revoke-sessions"
ok "revoke-sessions ends code-level sessions too: no MFA step on them afterwards"

# TOTP guessing: the try budget of the client and guest (ip_tries_per_hour = 24, taken with a code session) runs out.
: >"$T/jar"
html_login bob@example.net >/dev/null
page "$BASE/mfa/verify" >/dev/null
vc=$(csrf_of "$T/pg")
verify() { page --data-urlencode "code=$1" --data "csrf=$vc" "$BASE/mfa/verify"; }
limited=0
for i in $(seq 30); do
	s=$(verify 000000)
	[ "$s" = 429 ] && { limited=$i; break; }
	[ "$s" = 401 ] || fail "wrong TOTP $i: $s"
done
[ "$limited" -gt 0 ] || fail "30 wrong TOTP codes, never 429"
s=$(verify "$(totp "$SECRET_bob")")
[ "$s" = 429 ] || fail "the right TOTP after the limit: $s"
grep -q 'event=mfa_verify guest=bob@example.net outcome=client_limit' "$T/otpd.log" || fail "client_limit not logged"
ok "TOTP guessing: 429 after $limited tries from one client, the right code too"
