#!/bin/bash
# t-submission-refused.sh - what the submission service (contrib/postfix/
# master.cf.snippet, Dovecot SASL, self-signed TLS) refuses, through swaks:
#   - AUTH is not offered before STARTTLS (the first EHLO answer), and
#     swaks --auth without --tls cannot authenticate;
#   - the invitation without AUTH is refused before DATA;
#   - AUTH as alice with MAIL FROM bob (or an address nobody owns) is refused
#     before DATA (reject_sender_login_mismatch);
#   - a wrong password is refused, and nothing reaches the milter (its log
#     stays as it was), the queue or the guest.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

E2E_SUBMISSION=1 e2e_setup
# Loopback is not trusted here: an unauthenticated client is nobody.
milter_stop
sed -i 's|^trusted_networks = .*|trusted_networks = 192.0.2.0/24|' "$CONF"
milter_start "$CONF"

# 1. Before STARTTLS: STARTTLS offered, AUTH not.
out=$(swaks --server "127.0.0.1:$SUB_PORT" --helo client.example.org --quit-after EHLO --timeout 30 2>&1) || true
expect_match "$out" '<- +250-STARTTLS' "plain EHLO answer offers STARTTLS"
expect_no_match "$out" '<- +250[- ]AUTH' "plain EHLO answer does not offer AUTH"
rc=0
out=$(swaks --server "127.0.0.1:$SUB_PORT" --helo client.example.org --auth PLAIN \
	--auth-user alice@example.org --auth-password alice-secret --from alice@example.org \
	--to guest@gmail.com --timeout 30 2>&1) || rc=$?
check "AUTH without TLS: swaks fails" [ "$rc" -ne 0 ]
expect_match "$out" 'did not advertise authentication' "AUTH without TLS: the server never offered it"
expect_no_match "$out" '235 ' "AUTH without TLS: never authenticated"

# no_data WHAT - the transcript in $SMTP_OUT never reached DATA
no_data() {
	expect_no_match "$(cat "$SMTP_OUT")" '^ (~|-)> DATA' "$1: refused before DATA (no DATA sent)"
}

# 2. The invitation over TLS but without AUTH.
id=$(unique_id)
make_invite "$T_DIR/noauth.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
head -c -1 "$T_DIR/noauth.eml" | swaks --server "127.0.0.1:$SUB_PORT" --helo client.example.org --tls \
	--from alice@example.org --to guest@gmail.com --data - --timeout 30 >"$T_DIR/noauth.out" 2>&1 || true
SMTP_OUT=$T_DIR/noauth.out
expect_match "$(grep -E '^<(\*\*|~\*) ' "$SMTP_OUT" | head -1)" '^<~\* +554 5\.7\.1 .*Client host rejected: Access denied' \
	"without AUTH: 554 5.7.1 Client host rejected"
no_data "without AUTH"

# 3. alice logs in and claims to be bob; then an address nobody owns.
for from in bob@example.org staff@example.org; do
	id=$(unique_id)
	make_invite "$T_DIR/spoof.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
	submit "$T_DIR/spoof.eml" alice@example.org alice-secret "$from" guest@gmail.com || true
	expect_match "$(grep -E '^<~ +235 ' "$SMTP_OUT")" '235 ' "alice as $from: alice did authenticate"
	expect_match "$SMTP_REPLY" "^553 5\\.7\\.1 <$from>: Sender address rejected: not owned by user alice@example.org" \
		"alice as $from: 553 5.7.1 not owned by user alice@example.org"
	no_data "alice as $from"
done

# 4. Wrong passwords: refused; with --auth-optional swaks goes on without
#    AUTH and is refused before DATA. Nothing for the milter to see.
log_before=$(milter_logs | wc -c)
id=$(unique_id)
make_invite "$T_DIR/wrong.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
rc=0
submit "$T_DIR/wrong.eml" alice@example.org not-her-password alice@example.org guest@gmail.com || rc=$?
check "wrong password: swaks fails" [ "$rc" -ne 0 ]
expect_match "$(cat "$SMTP_OUT")" '535 5\.7\.8 Error: authentication failed' "wrong password: 535 5.7.8"
no_data "wrong password"
rc=0
SUBMIT_OPTS=--auth-optional submit "$T_DIR/wrong.eml" carol wrong alice@example.org guest@gmail.com || rc=$?
expect_match "$(cat "$SMTP_OUT")" '535 5\.7\.8' "wrong password, going on: 535 5.7.8 first"
expect_match "$(grep -E '^<(\*\*|~\*) ' "$SMTP_OUT" | tail -1)" '554 5\.7\.1 .*Access denied' \
	"wrong password, going on: then refused (554 5.7.1) without AUTH"
no_data "wrong password, going on"
expect_match "$(grep 'SASL PLAIN authentication failed' "$(pf_log "$PF_DIR")" | wc -l)" '^[2-9]' \
	"Postfix logged both failed logins"
expect_match "$(cat "$PF_DIR/dovecot/dovecot.log")" 'Password mismatch' "Dovecot checked the password and said no"

# The milter's log is unchanged (it logs every invitation and refusal), the
# queue is empty and nothing reached the sink.
sleep 1
expect_eq "$(milter_logs | wc -c)" "$log_before" "nothing reached the milter: its log did not grow"
expect_no_match "$(milter_logs)" 'event=(invitation|refused)' "the milter never saw an invitation in this test"
expect_eq "$(ls "$SINK_DIR" | wc -l)" 0 "nothing reached the sink"
check "nothing in the queue" pf_queue_empty "$PF_DIR"
t_done
