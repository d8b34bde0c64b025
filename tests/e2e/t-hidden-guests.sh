#!/bin/bash
# t-hidden-guests.sh - holding an accept link does not let anyone test guessed
# addresses (issue 10, finding 5). An invitation goes through the real
# Postfix and milter to one visible guest and one Bcc guest; the attacker
# takes the link from the delivered mail and runs the offline computation
# that worked on tokens before version 2 (tests/lib/guess_guests.py): guest
# hash = BLAKE2b(address, key = invitation id from the token). Neither the
# visible nor the Bcc address may match. otpd's own check (otpctl inspect
# --email, with the guest key) still knows both, and says clearly when the
# guest key is missing.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup
GUESS_PY=$(dirname "$0")/../lib/guess_guests.py

id=$(unique_id)
make_invite "$T_DIR/in.eml" "[invite] Join our research lab" "Guest <guest@gmail.com>" "$id"
smtp_send "$T_DIR/in.eml" staff@example.org guest@gmail.com hidden.bcc@example.net ||
	fail "swaks: $SMTP_REPLY"
if f=$(sink_wait "$id" 15); then
	link=$(mime "$f" links | head -1)
	expect_match "$link" "^$ACCEPT_PREFIX" "the delivered mail carries an accept link"
	out=$(python3 "$GUESS_PY" "$link" guest@gmail.com hidden.bcc@example.net nobody@example.net)
	note "attacker: $(echo "$out" | tr '\n' ' ')"
	expect_match "$out" '^version [0-9]+ guests 2$' "the attacker parsed the token: two guest hashes"
	expect_match "$out" 'no-match hidden\.bcc@example\.net' "the Bcc address cannot be tested from the link"
	expect_match "$out" 'no-match guest@gmail\.com' "the visible address cannot be tested from the link"
	expect_match "$out" 'no-match nobody@example\.net' "a stranger does not match either"
	expect_rc 0 "otpd's check (inspect --email) knows the Bcc guest" inspect "$link" --email hidden.bcc@example.net
	expect_rc 1 "otpd's check refuses a stranger" inspect "$link" --email nobody@example.net
	# Without the guest key otpctl cannot answer, and says so.
	cp "$CONF" "$T_DIR/nokey.conf"
	sed -i "/^guest_key = /d" "$T_DIR/nokey.conf"
	rc=0
	"$OTPCTL_BIN" -c "$T_DIR/nokey.conf" inspect "$link" --email hidden.bcc@example.net \
		>"$T_DIR/nokey.out" 2>"$T_DIR/nokey.err" || rc=$?
	expect_eq "$rc" 2 "inspect --email without a guest key: exit 2 (setup error)"
	expect_match "$(cat "$T_DIR/nokey.err")" 'guest_key' "it names the missing guest_key"
	rc=0
	"$OTPCTL_BIN" -c "$T_DIR/nokey.conf" inspect "$link" >"$T_DIR/nokey.out" 2>&1 || rc=$?
	expect_eq "$rc" 0 "inspect without --email needs no guest key"
	expect_match "$(cat "$T_DIR/nokey.out")" '"version":2' "inspect shows the token version"
else
	fail "nothing with Message-ID <$id> reached the sink"
fi
t_done
