# Red team 2, finding 05: /account/recovery and /account/authenticator take the current TOTP, so they are
# bound by the address's failed-try count as /mfa/verify is: once max_failed_tries wrong codes were counted
# for the address, further tries there are refused (429) even with the right TOTP (and the right emailed
# digits), although every try comes from another client address (X-Forwarded-For from the trusted proxy
# 127.0.0.1, so the per-client bucket never fills). Someone holding a stolen full session cookie and many
# client addresses (an IPv6 /48) cannot guess the TOTP there without that bound.
# (Today those routes count each wrong code but never check the count: the right TOTP gets 10 new recovery
# codes after 14 wrong ones.) max_failed_tries = 10 and ip_tries_per_hour = 5 keep it quick.
. tests/otpd/lib.sh
MAX=10
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 5" "max_failed_tries = $MAX"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth"
[ "$(page "$BASE/account")" = 200 ] || fail "/account"
csrf=$(csrf_of "$T/pg")
# The code for the NEXT step is right then too: a wrong code is the current one plus i (mod 10^6).
right=$(totp "$SECRET")
wrong() { awk -v r="$right" -v i="$1" 'BEGIN { printf "%06d", (r + i) % 1000000 }'; }
xff() { echo "198.51.$(($1 / 250)).$(($1 % 250 + 1))"; }

# MAX wrong codes, each from a new client address: each refused as wrong (401), none by the client bucket.
got=
for i in $(seq 1 $MAX); do
	got="$got $(page -H "X-Forwarded-For: $(xff "$i")" --data "csrf=$csrf&code=$(wrong "$i")" "$BASE/account/recovery")"
done
[ "$(echo $got)" = "$(for i in $(seq 1 $MAX); do printf '401 '; done | sed 's/ $//')" ] ||
	fail "the first $MAX wrong codes at /account/recovery: $got, want 401 each"
grep -q 'event=address_locked' "$T/otpd.log" || fail "no address_locked after $MAX wrong codes"
ok "$MAX wrong codes at /account/recovery, one client address each: 401 each, address_locked logged"

# Further tries: refused by the count (429), from yet other client addresses.
for i in $(seq $((MAX + 1)) $((MAX + 4))); do
	s=$(page -H "X-Forwarded-For: $(xff "$i")" --data "csrf=$csrf&code=$(wrong "$i")" "$BASE/account/recovery")
	[ "$s" = 429 ] || fail "wrong code $i at /account/recovery (past max_failed_tries = $MAX) -> $s, want 429"
done
ok "past max_failed_tries, wrong codes at /account/recovery: 429"

# The right TOTP now (a later step than any used so far): 429, no recovery codes.
sleep 31
s=$(page -H "X-Forwarded-For: 203.0.113.77" --data "csrf=$csrf&code=$(totp "$SECRET")" "$BASE/account/recovery")
n=$(sed -n 's/.*<li><code>\([^<]*\)<.*/\1/p' "$T/pg" | wc -l)
[ "$s" = 429 ] || fail "the right TOTP at /account/recovery past max_failed_tries -> $s ($n new recovery codes), want 429"
[ "$n" = 0 ] || fail "recovery codes handed out past max_failed_tries: $n"
ok "past max_failed_tries, the right TOTP at /account/recovery: 429, no codes"

# /account/authenticator takes the TOTP too: the right TOTP and the right emailed digits, also 429.
# (A refusal at its mail step already is as good.)
n0=$(mail_count)
s=$(page -H "X-Forwarded-For: 203.0.113.78" --data "csrf=$csrf" "$BASE/account/authenticator/email")
if [ "$s" = 200 ]; then
	wait_mails $((n0 + 1)) 10 || fail "no code mail for the authenticator step"
	s=$(page -H "X-Forwarded-For: 203.0.113.79" --data "csrf=$csrf&code=$(totp "$SECRET")&email_code=$(latest_code)" \
		"$BASE/account/authenticator")
fi
[ "$s" = 429 ] || fail "the right TOTP + digits at /account/authenticator past max_failed_tries -> $s, want 429"
"$OTPCTL" -c "$T/otpd.conf" guests | grep "\"email\":\"$G\"" | grep -q '"mfa":"none"' &&
	fail "the authenticator was reset past max_failed_tries"
ok "past max_failed_tries, the right TOTP + digits at /account/authenticator: 429, authenticator kept"
