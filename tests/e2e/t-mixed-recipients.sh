#!/bin/bash
# t-mixed-recipients.sh - one colleague and two guests, one of them only in
# the envelope (Bcc, as a mail client submits it): everybody gets the same
# rewritten mail; the token is for both guests and not the colleague; the Bcc
# address appears nowhere in what is delivered (headers, body, token).
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup

id=$(unique_id)
bcc=hidden.guest@outlook.example.net
make_invite "$T_DIR/in.eml" "[invite] Join our research lab" \
	"Colleague <colleague@example.org>, Guest <guest@gmail.com>" "$id"
smtp_send "$T_DIR/in.eml" staff@example.org colleague@example.org guest@gmail.com "$bcc" || true
expect_match "$SMTP_REPLY" '^250 ' "accepted"

if f=$(sink_wait "$id" 15); then
	ok "delivered"
	expect_eq "$(ls "$SINK_DIR" | wc -l)" 1 "one copy for all three recipients"
	expect_eq "$(sink_rcpts "$f" | sort | tr '\n' ' ')" \
		"colleague@example.org guest@gmail.com $bcc " "all three envelope recipients"
	check_invitation "$f" 2 guest@gmail.com colleague@example.org
	expect_rc 0 "inspect --email the Bcc guest" inspect "$CHECKED_LINK" --email "$bcc"
	expect_rc 0 "inspect --email is case-insensitive in the domain" \
		inspect "$CHECKED_LINK" --email guest@GMAIL.com
	expect_rc 1 "inspect --email the sender" inspect "$CHECKED_LINK" --email staff@example.org
	# Everything that was delivered, minus smtp-sink's own envelope records.
	sink_message "$f" >"$T_DIR/delivered.eml"
	expect_no_match "$(cat "$T_DIR/delivered.eml")" 'hidden\.guest|outlook\.example\.net' \
		"the Bcc address is nowhere in the delivered message"
	expect_no_match "$(mime "$f" text)" 'hidden\.guest' "nor in the decoded text"
	token=${CHECKED_LINK#"$ACCEPT_PREFIX"}
	expect_no_match "$(printf '%s' "$token" | tr '_-' '/+' | base64 -d 2>/dev/null | tr -c '[:print:]' '.')" \
		'hidden|outlook|gmail' "no address in clear inside the token"
	expect_eq "$(header_value "$(sink_headers "$f")" To)" \
		"Colleague <colleague@example.org>, Guest <guest@gmail.com>" "To: as written"
	len=${#CHECKED_LINK}
	if [ "$len" -lt 600 ]; then ok "link for 2 guests is $len characters"; else fail "link for 2 guests is $len characters"; fi
else
	fail "nothing with Message-ID <$id> reached the sink"
fi
expect_no_match "$(milter_logs)" 'hidden\.guest' "the milter log does not name the Bcc guest"
t_done
