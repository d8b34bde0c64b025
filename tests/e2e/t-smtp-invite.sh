#!/bin/bash
# t-smtp-invite.sh - a tagged invitation submitted by SMTP from a trusted
# client (127.0.0.1) reaches the recipient rewritten: no tag in the subject,
# an X-Guestlink-Invitation header, accept links that otpctl accepts for the
# invited address only, no trace of the resource URL, the footer.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup

id=$(unique_id)
make_invite "$T_DIR/in.eml" "[invite] Join our research lab" "Guest <guest@gmail.com>" "$id"
if smtp_send "$T_DIR/in.eml" staff@example.org guest@gmail.com; then
	ok "swaks: the invitation was accepted ($SMTP_REPLY)"
else
	fail "swaks exit status $?: $SMTP_REPLY"
	sed 's/^/#   /' "$SMTP_OUT"
fi
expect_match "$SMTP_REPLY" '^250 ' "the server answered 250 to the data"

if f=$(sink_wait "$id" 15); then
	ok "delivered to the sink"
	check_invitation "$f" 1 guest@gmail.com other@gmail.com
	expect_eq "$(sink_rcpts "$f")" guest@gmail.com "envelope recipient unchanged"
	hdrs=$(sink_headers "$f")
	expect_eq "$(header_value "$hdrs" X-Test-Marker)" "keep me exactly" "other headers stay"
	expect_eq "$(header_value "$hdrs" From)" "Staff Member <staff@example.org>" "From stays"
	expect_eq "$(mime "$f" structure)" "multipart/alternative 7bit
  text/plain 7bit
  text/html quoted-printable" "MIME structure and encodings stay"
	expect_match "$(milter_logs)" "$(header_value "$hdrs" X-Guestlink-Invitation)" \
		"the milter logged the invitation id"
	expect_no_match "$(milter_logs)" "${CHECKED_LINK#"$ACCEPT_PREFIX"}" "the milter log holds no token"
else
	fail "nothing with Message-ID <$id> reached the sink"
	tail -20 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
fi
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
