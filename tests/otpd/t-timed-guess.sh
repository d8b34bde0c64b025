# Finding 4 (issue 10), timed around the guest's own sign-in: an attacker hammers wrong codes for the
# guest's address (a new client address each try) while the guest does the email step and then the code
# step. The attacker's tries kill the digits the guest is about to type, but every code mail also carries
# a link with a 256-bit key that no try spends: the guest still gets in from the mail.
# Then an attacker who holds the invitation link also drains the mail limit (mails_per_hour) while
# hammering: the guest's own email step sends nothing, but the mails the attacker triggered went to the
# guest, and the newest one's link works.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 5"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G)
HOST=127.0.0.1
PORT=${BASE##*:}
export HAMMER_LOG=$T/hammer.log
: >"$HAMMER_LOG"
python3 tests/otpd/hammer.py api $HOST "$PORT" "$tok" $G 1 "$T/stop" >"$T/hammer.out" 2>&1 &
HPID=$!
stop_hammer() { [ -n "${HPID:-}" ] && { touch "$T/stop"; wait "$HPID"; HPID=; }; }
trap '_rc=$?; stop_hammer; (exit $_rc); cleanup' EXIT
tries() { wc -l <"$HAMMER_LOG"; }
# The guest: email step (pages), the mail, then the code, typed after the attacker got more tries in.
[ "$(page "$BASE/accept/$tok")" = 200 ] || fail "accept page"
csrf=$(csrf_of "$T/pg")
[ "$(page --data-urlencode "email=$G" --data "csrf=$csrf" "$BASE/accept/$tok/email")" = 200 ] || fail "email step"
wait_mails 1 10 || fail "no code mail"
at=$(tries)
for _ in $(seq 100); do [ "$(tries)" -ge $((at + 20)) ] && break; sleep 0.1; done
[ "$(tries)" -ge $((at + 20)) ] || fail "the attacker got no tries in"
code=$(latest_code)
r=$(page --data-urlencode "email=$G" --data "code=$code&csrf=$csrf" "$BASE/accept/$tok/code")
echo "the guest's typed code after $(( $(tries) - at )) attacker tries: $r"
if [ "$r" != 200 ]; then
	link=$(latest_link)
	[ -n "$link" ] || fail "the code was burned by the attacker and the mail has no other way in"
	r=$(html_link $G "$link")
	[ "$r" = 200 ] || fail "the mail's link while the attacker hammers: $r"
fi
grep -q 'Location\|/mfa/' "$T/pg" || fail "not on to MFA: $(head -c 300 "$T/pg")"
ok "timed around the guest's sign-in: the guest still gets in from the mail"

# The attacker holds the link too: 5 email steps drain the hour's mails (each goes to the guest).
tok2=$(token $G)
n=$(mail_count)
for i in 1 2 3 4 5; do api "/api/v1/accept/$tok2/email" "{\"email\":\"$G\"}" >/dev/null; done
wait_mails $((n + 5)) 10 || fail "the attacker's 5 email steps did not each mail the guest"
r=$(api "/api/v1/accept/$tok2/email" "{\"email\":\"$G\"}")
sleep 1
[ "$(mail_count)" = $((n + 5)) ] || fail "mails_per_hour did not hold"
link=$(latest_link)
at=$(tries)
for _ in $(seq 100); do [ "$(tries)" -ge $((at + 20)) ] && break; sleep 0.1; done
# The hammer is still on tok; point a second one at tok2 as well.
python3 tests/otpd/hammer.py api $HOST "$PORT" "$tok2" $G 50 >/dev/null
[ -n "$link" ] || fail "no link in the code mail"
rm -f "$T/jar"
r=$(html_link $G "$link")
[ "$r" = 200 ] || fail "the newest attacker-triggered mail's link: $r"
ok "mail limit drained by the attacker: the newest of the mails the attacker caused still lets the guest in"
stop_hammer
echo "attacker: $(tr '\n' ' ' <"$T/hammer.out")"
