# Red team 2, finding 07: a neighbour on the guest's client address (same NAT, proxy or IPv6 /64), who
# knows no guest and holds no link, fills the per-client try bucket at /login/code with junk digits
# (ip_tries_per_hour = 10: the 11th try is 429). That must not refuse the signed-in guest behind the same
# address: the guest's right recovery code at /account/recovery answers 200 with new codes, not 429.
# (Today the account routes take their try from that per-client bucket, unlike the MFA step.)
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 10"
start_sink
start_otpd
NAT=192.0.2.44                                  # the shared public address, as the trusted proxy says
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" >"$T/recovery"
[ "$(wc -l <"$T/recovery")" = 10 ] || fail "no recovery codes at enrolment"
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")

# The neighbour: 11 junk codes at /login/code for made-up addresses, from the shared address, own jar.
command curl -s -c "$T/njar" -o "$T/npg" "$BASE/login"
ncsrf=$(csrf_of "$T/npg")
grep -q guestlink_session "$T/njar" && fail "the neighbour's jar holds a session"
res=
for i in $(seq 11); do
	res="$res $(command curl -s -o /dev/null -w '%{http_code}' -c "$T/njar" -b "$T/njar" -H "X-Forwarded-For: $NAT" \
		--data "email=nobody$i@example.com&code=12345678&csrf=$ncsrf" "$BASE/login/code")"
done
[ "${res##* }" = 429 ] || fail "the neighbour did not fill the per-client bucket at /login/code:$res"
ok "the neighbour, 11 junk codes at /login/code from $NAT:$res"

s=$(page -H "X-Forwarded-For: $NAT" --data "csrf=$csrf&code=$(sed -n 1p "$T/recovery")" "$BASE/account/recovery")
[ "$s" = 200 ] || fail "the guest behind the same $NAT, right recovery code at /account/recovery -> $s, want 200"
grep -q '<h1>Your new recovery codes</h1>' "$T/pg" || fail "no new recovery codes page"
ok "the guest behind $NAT: the right recovery code at /account/recovery -> 200, new codes"
