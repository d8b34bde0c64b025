# otpctl migrate: a single-host LMDB install with a signed-in guest (session, TOTP, redeemed invitation),
# a queued mail and a revoked invitation moves to PostgreSQL; otpd on PostgreSQL then lets the same
# session through /auth, lists the guest, knows the revocation and delivers the queued mail. A
# destination that already holds records is refused.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
PG_LINES=$(grep -e '^database = ' -e '^database_password_file = ' "$T/otpd.conf")
URI=$(sed -n 's/^database = //p' "$T/otpd.conf")
# First the LMDB install.
sed -i -e "s|^database = .*|database = $T/db|" -e '/^database_password_file = /d' "$T/otpd.conf"
echo "database_password_file = $T/pgpass" >>"$T/otpd.conf"	# used by migrate; LMDB ignores it
start_sink
start_otpd
G=guest@example.net
tok=$(token $G)
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE/x")" = 200 ] || fail "/auth on LMDB"
other=$(token other@example.net)
"$OTPCTL" -c "$T/otpd.conf" revoke "$other" 2>/dev/null || fail "revoke"
stop_sink	# a code mail waits in the outbox
q=$(token queued@example.net)
r=$(api "/api/v1/accept/$q/email" '{"email":"queued@example.net"}')
[ "${r%% *}" = 202 ] || fail "queued mail: $r"
sleep 0.5
kill_otpd
n0=$(mail_count)

out=$("$OTPCTL" -c "$T/otpd.conf" migrate --to "$URI") || fail "migrate: $out"
echo "$out" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["migrated"] is True, o
assert o["guests"] >= 1 and o["sessions"] >= 1 and o["outbox"] == 1 and o["invitations"] >= 1 and o["codes"] >= 1, o
' || fail "migrate output: $out"
ok "migrated: $out"
if out2=$("$OTPCTL" -c "$T/otpd.conf" migrate --to "$URI" 2>&1); then fail "migrated twice into one database"; fi
echo "$out2" | grep -q "already holds records" || fail "second migrate: $out2"
ok "a second migrate into the same database is refused"

# Now otpd on PostgreSQL, the same keys.
sed -i -e '/^database = /d' -e '/^database_password_file = /d' "$T/otpd.conf"
echo "$PG_LINES" >>"$T/otpd.conf"
start_sink
start_otpd
[ "$(auth "$RESOURCE/x")" = 200 ] || fail "the LMDB session on PostgreSQL"
"$OTPCTL" -c "$T/otpd.conf" guests | grep -q "\"email\":\"$G\"" || fail "guest not listed on PostgreSQL"
r=$(api "/api/v1/accept/$other/email" '{"email":"other@example.net"}')
[ "$r" = '410 {"error":"revoked"}' ] || fail "revocation lost: $r"
wait_mails $((n0 + 1)) 20 || fail "the queued mail was not delivered from PostgreSQL"
ok "on PostgreSQL: the session, the guest, the revocation and the queued mail came along"
