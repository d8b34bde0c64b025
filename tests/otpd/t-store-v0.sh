# A store made by the otpd of the JSON-record era (tests/otpd/fixtures/store-v0, made by mkstore-v0.sh
# with the otpd of b4bd4b4) opens with this otpd and serves its guests: otpctl lists guests and
# invitations as the old otpctl did; the old full session passes /auth; the TOTP guest signs in again at
# /login; the code-only guest is shown a new TOTP secret (an old pending one was shown to any session of
# the address: red team 5, finding 01, so it is not shown again) and enrols; the invitation's second
# guest redeems the old link; the first-version (8-byte) guest is a guest; revoking the old invitation
# takes effect. otpd rewrites the old records in the binary format (record.h, upgrade.h) at start,
# and otpctl lists them the same before and after. The clock runs from the
# fixture's own time (tests/otpd/timeshift.c), so its links and sessions are as live as they were.
# On PostgreSQL (tests/pg/run.sh) the fixture is moved there with otpctl migrate first.
. tests/otpd/lib.sh
FX=tests/otpd/fixtures/store-v0
. "$FX/facts.sh"
setup "mail_interval = 0s" "mails_per_hour = 100"
rm -rf "$T/keys"
mkdir "$T/keys"
cp "$FX/keys"/* "$T/keys/"
chmod 0600 "$T/keys"/*
SIGNING_KEY=$T/keys/link.key
never_logged "$SESSION_A"
never_logged "$SECRET_A"
never_logged "$SECRET_C"
cc -shared -fPIC -o "$T/timeshift.so" tests/otpd/timeshift.c || fail "shim"
chmod 0755 "$T/timeshift.so"
# Ten minutes after the fixture was made.
OFF=$((CREATED + 600 - $(date +%s)))
SHIFT="env LD_PRELOAD=$T/timeshift.so RT_TIME_OFFSET=$OFF ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
OTPD_WRAPPER=$SHIFT
now() { echo $(($(date +%s) + OFF)); }
ctl() { $SHIFT "$OTPCTL" -c "$T/otpd.conf" "$@"; }
cp -r "$FX/db" "$T/db"
if [ "${OTPD_TEST_PG:-0}" = 1 ]; then
	sed -e "s|^database = .*|database = $T/db|" -e '/^database_password_file = /d' "$T/otpd.conf" >"$T/lmdb.conf"
	out=$($SHIFT "$OTPCTL" -c "$T/lmdb.conf" migrate --to "$DB_URI" --password-file "$T/pgpass") || fail "migrate: $out"
fi

# otpctl: what the old otpctl printed for this store (the 8-byte record now shows its last sign-in,
# which the old listing printed as 0): first as the old records are, then after otpd rewrote them.
sed "/\"email\":\"first@example.net\"/s/\"last_sign_in\":0,/\"last_sign_in\":$LAST_FIRST,/" "$FX/guests.json" >"$T/want.json"
listed_as_before() {
	ctl guests >"$T/guests.json" || fail "otpctl guests"
	diff "$T/want.json" "$T/guests.json" >&2 || fail "otpctl guests differs from the old store's listing ($1)"
	ctl invitations >"$T/inv.json" || fail "otpctl invitations"
	diff "$FX/invitations.json" "$T/inv.json" >&2 || fail "otpctl invitations differs from the old store's listing ($1)"
}
listed_as_before "old records"
ok "otpctl lists the old records as the old otpctl did"
start_sink
start_otpd
for _ in $(seq 100); do
	grep -q 'event=records_upgraded' "$T/otpd.log" && break
	sleep 0.1
done
grep -q 'event=records_upgraded guests=3 invitations=3' "$T/otpd.log" ||
	fail "otpd did not rewrite the 3 old guests and 3 old invitations: $(grep records_ "$T/otpd.log")"
listed_as_before "rewritten by otpd"
ok "otpd rewrote the old records in the binary format; otpctl lists them as before"

# The old full session (a v2 session record, a JSON guest record) passes /auth.
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tguestlink_session\t%s\n' "$SESSION_A" >"$T/jar.a"
[ "$(auth "$RESOURCE/doc" "$T/jar.a")" = 200 ] || fail "the old session does not pass /auth"
grep -qi "^X-Guest-Email: totp@example.net" "$T/ah" || fail "/auth: no X-Guest-Email: $(cat "$T/ah")"
[ "$(auth "https://teams.example.org/team/43" "$T/jar.a")" = 401 ] || fail "/auth let the old session elsewhere"
ok "the old session passes /auth for its resource only"

# The TOTP guest signs in again at /login: the emailed code, then the TOTP secret from the old record.
: >"$T/jar"
[ "$(html_login totp@example.net)" = 200 ] || fail "/login code step for the old guest"
# (The old records hold no privacy acceptance: the guest accepts the privacy page once, now.)
[ "$(verify_page)" = 200 ] || fail "verify page"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET_A" "$(now)")")" = 200 ] || fail "TOTP from the old record"
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "/auth after /login"
ok "the old TOTP guest signs in at /login"

# The code-only guest: not the pending secret of the old record (it was shown to every code session of the
# address; now a pending secret is sealed to one session, red team 5, 01) but a new one, which enrols.
: >"$T/jar"
[ "$(html_login code@example.net)" = 200 ] || fail "/login code step for the code-only guest"
setup_page
[ "$SECRET" != "$SECRET_C" ] || fail "setup shows the old record's pending secret, which any session saw"
[ "$(mfa_post /mfa/setup "$(totp "$SECRET" "$(now)")")" = 200 ] || fail "enrolment with the new secret"
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "/auth after enrolment"
ok "the code-only guest is shown a new secret (not the old record's pending one) and enrols with it"

# The second guest of the old invitation redeems its link.
: >"$T/jar"
html_accept "$TOK_AB" later@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET" "$(now)")")" = 200 ] || fail "enrolment of the second guest"
[ "$(auth "$RESOURCE/doc")" = 200 ] || fail "/auth for the second guest"
cp "$T/jar" "$T/jar.later"
ok "the old invitation's second guest redeems it"

# The first-version guest record is a guest: /login mails it a code that works.
: >"$T/jar"
[ "$(html_login first@example.net)" = 200 ] || fail "/login for the 8-byte guest record"
ok "the first-version guest record signs in with the emailed code"

# Revoking the old invitation: its guests' sessions stop at once; the listing keeps the milter's report.
ctl revoke "$INV_AB" >/dev/null 2>&1 || fail "otpctl revoke"
settle_revocation
[ "$(auth "$RESOURCE/doc" "$T/jar.a")" = 401 ] || fail "the old session passes after the revocation"
[ "$(auth "$RESOURCE/doc" "$T/jar.later")" = 401 ] || fail "the second guest passes after the revocation"
line=$(ctl invitations | grep "\"invitation\":\"$INV_AB\"")
echo "$line" | grep -q '"queue_id":"4XyZ1Q2".*"redeemed":\[{"email":"totp@example.net".*{"email":"later@example.net".*"revoked_at":[0-9]*,"state":"revoked"' ||
	fail "revoked invitation: $line"
ok "revoking the old invitation takes effect"

# No JSON is left: every guest record starts with version 1, every invitation record with version 2
# (record.h; LMDB: store_lmdb keeps an 8-byte expiry before each value).
if [ "${OTPD_TEST_PG:-0}" != 1 ]; then
	kill_otpd
	for db in guests:4:01 invitations:3:02; do
		name=${db%%:*} rest=${db#*:}
		mdb_dump -s "$name" "$T/db" | sed -n '/^HEADER=END/,/^DATA=END/p' | sed -n '3~2p' >"$T/vals"
		[ "$(cut -c18-19 "$T/vals" | sort | uniq -c | tr -s ' ')" = " ${rest%:*} ${rest#*:}" ] ||
			fail "$name records not all binary v${rest#*:}: $(cut -c18-19 "$T/vals" | tr '\n' ' ')"
	done
	ok "every guest and invitation record is binary"
fi
