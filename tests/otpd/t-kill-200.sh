# SIGKILL while 200 guests ask for and type codes (16 at a time): otpd is killed after the 100th
# acknowledged email step. After a restart every acknowledged code still works and its mail was
# delivered (before the kill or by the outbox after it); every guest whose code step got 200 is
# redeemed; a code step the kill cut off either works now or was committed (redeemed); the guests
# never answered finish the whole flow. No record is half-written: mdb_stat reads every database,
# otpctl lists them, no outbox record fails to decrypt.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000" "threads = 8"
start_sink
start_otpd
guests=$(seq 0 199 | sed 's/.*/g&@example.net/')
# shellcheck disable=SC2086
tok=$(token $guests)
python3 tests/otpd/guests.py run "$BASE" "$tok" "$T/sink" "$T/state" 200 16 "$OTPD_PID" 100 || fail "driver"
wait "$OTPD_PID" 2>/dev/null
kill -0 "$OTPD_PID" 2>/dev/null && fail "otpd still running"
OTPD_PID=
grep -c ' acked$' "$T/state" >/dev/null || fail "nothing acknowledged before the kill"
start_otpd
"$OTPCTL" -c "$T/otpd.conf" invitations >"$T/inv" || fail "otpctl invitations after the kill"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests.json" || fail "otpctl guests after the kill"
sed -n 's/.*"email":"\([^"]*\)".*/\1/p' "$T/guests.json" >"$T/redeemed"
python3 tests/otpd/guests.py finish "$BASE" "$tok" "$T/sink" "$T/state" "$T/redeemed" || fail "after the restart"
ok "every acknowledged code works after SIGKILL and its mail came; all 200 guests in"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -c '"email"' >"$T/n"
[ "$(cat "$T/n")" = 200 ] || fail "$(cat "$T/n") guests listed, want 200"
mdb_stat -a "$T/db" >"$T/stat" 2>&1 || fail "mdb_stat: $(tail -3 "$T/stat")"
for db in codes limits guests sessions invitations outbox audit; do
	grep -q "^Status of $db" "$T/stat" || fail "mdb_stat: no $db"
done
grep -q 'outbox_undecryptable\|store_error' "$T/otpd.log" && fail "a broken record: $(grep -m1 'outbox_undecryptable\|store_error' "$T/otpd.log")"
ok "no record half-written: mdb_stat reads all 7 databases, otpctl lists 200 guests"
