#!/bin/bash
# t-inviter-forged.sh - the inviter a guest is shown is never an address the
# submitter made up outside the organisation (red team finding 03). A staff
# client on a trusted network that names "security-team@bank.example" in
# MAIL FROM gets its tagged mail refused 550 5.7.1 with a text naming
# internal_domains, and nothing is delivered; the same client with an address
# of the organisation is rewritten and the token names that address; an
# untagged mail from the outside sender passes unchanged. (An authenticated
# submitter is named by the login: t-submission-*.sh.)
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup

# 1. Trusted client, outside envelope sender, tagged: refused, nothing delivered.
id=$(unique_id)
make_invite "$T_DIR/forged.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
rc=0
smtp_send "$T_DIR/forged.eml" security-team@bank.example guest@gmail.com || rc=$?
if [ "$rc" -ne 0 ]; then ok "outside sender: swaks reports a failure (exit $rc)"; else fail "outside sender: accepted"; fi
expect_match "$SMTP_REPLY" '^550 5\.7\.1 ' "outside sender: reply 550 5.7.1"
expect_match "$SMTP_REPLY" 'internal_domains' "outside sender: the reply says why"

# 2. A look-alike of the organisation's domain: refused the same way.
id2=$(unique_id)
make_invite "$T_DIR/lookalike.eml" "[invite] Join our research lab" "guest@gmail.com" "$id2"
rc=0
smtp_send "$T_DIR/lookalike.eml" ceo@example.org.evil guest@gmail.com || rc=$?
expect_match "$SMTP_REPLY" '^550 5\.7\.1 ' "look-alike sender: reply 550 5.7.1"

# 3. The same client with an address of the organisation: the token names it.
id3=$(unique_id)
make_invite "$T_DIR/ok.eml" "[invite] Join our research lab" "guest@gmail.com" "$id3"
smtp_send "$T_DIR/ok.eml" alice@example.org guest@gmail.com || fail "internal sender: $SMTP_REPLY"
if f=$(sink_wait "$id3" 20); then
	link=$(mime "$f" links | sed -n 1p)
	inspect "$link" || true
	expect_eq "$(jfield valid)" true "internal sender: the link verifies"
	expect_eq "$(jfield inviter)" alice@example.org "internal sender: the token names the sender"
else
	fail "internal sender: not delivered"
fi

# 4. Untagged mail from the outside sender is ordinary mail: delivered.
id4=$(unique_id)
make_invite "$T_DIR/plain.eml" "Join our research lab" "guest@gmail.com" "$id4"
smtp_send "$T_DIR/plain.eml" security-team@bank.example guest@gmail.com || fail "untagged: $SMTP_REPLY"
if sink_wait "$id4" 20 >/dev/null; then ok "untagged mail from the outside sender is delivered"; else fail "untagged: not delivered"; fi

# Nothing of 1 or 2 was delivered.
sleep 1
if [ -z "$(sink_find "$id")" ] && [ -z "$(sink_find "$id2")" ]; then
	ok "the refused invitations were not delivered"
else
	fail "a refused invitation was delivered"
fi
t_done
