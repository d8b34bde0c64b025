#!/bin/bash
# t-max-recipients.sh - the default limit (max_recipients = 50) through a
# real Postfix: 50 guests (and a colleague) make one invitation for all 50;
# 51 guests are refused with 550 5.5.3 that names the limit.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup

# guests N - guest1@gmail.com ... guestN@gmail.com, one a word (split on purpose)
guests() { local i; for i in $(seq 1 "$1"); do echo "guest$i@gmail.com"; done; }

id=$(unique_id)
make_invite "$T_DIR/m50.eml" "[invite] Join our research lab" "Research guests <undisclosed-recipients:;>" "$id"
smtp_send "$T_DIR/m50.eml" staff@example.org $(guests 50) colleague@example.org || true
expect_match "$SMTP_REPLY" '^250 ' "50 guests + 1 colleague: accepted"
if [ "${SMTP_REPLY%% *}" = 250 ] && f=$(sink_wait "$id" 20); then
	ok "50 guests: delivered"
	sleep 1
	expect_eq "$(for g in $(sink_find_all "$id"); do sink_rcpts "$g"; done | sort -u | wc -l)" 51 \
		"50 guests: all 51 envelope recipients got it"
	expect_eq "$(for g in $(sink_find_all "$id"); do header_value "$(sink_headers "$g")" X-Guestlink-Invitation; done | sort -u | wc -l)" 1 \
		"50 guests: one invitation id in every copy"
	check_invitation "$f" 50 guest50@gmail.com colleague@example.org
	expect_rc 0 "50 guests: the first guest is invited" inspect "$CHECKED_LINK" --email guest1@gmail.com
	note "link for 50 guests: ${#CHECKED_LINK} characters"
else
	fail "50 guests: not delivered"
	milter_logs | tail -5 | sed 's/^/#   /'
fi

# The same 50 guests with the simplest mail there is: one text/plain part,
# no Content-Transfer-Encoding (7bit). The accept link for 50 guests is longer
# than the 998 characters a 7bit line may have.
id=$(unique_id)
cat >"$T_DIR/p50.eml" <<EOF2
From: staff@example.org
To: undisclosed-recipients:;
Subject: [invite] Join our research lab
Message-ID: <$id>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Please join us: $RESOURCE_URL
EOF2
smtp_send "$T_DIR/p50.eml" staff@example.org $(guests 50) || true
expect_match "$SMTP_REPLY" '^250 ' "50 guests, single text/plain part: accepted"
if [ "${SMTP_REPLY%% *}" = 250 ] && f=$(sink_wait "$id" 20); then
	link=$(mime "$f" links | head -1)
	inspect "$link" || true
	expect_eq "$(jfield guests)" 50 "50 guests, single text/plain part: inspect guests"
	expect_eq "$(sink_body "$f" | awk 'length($0) > 998' | wc -l)" 0 "50 guests, single part: no line over 998 characters"
else
	fail "50 guests, single text/plain part: not delivered"
fi

id=$(unique_id)
make_invite "$T_DIR/m51.eml" "[invite] Join our research lab" "Research guests <undisclosed-recipients:;>" "$id"
smtp_send "$T_DIR/m51.eml" staff@example.org $(guests 51) || true
expect_match "$SMTP_REPLY" '^550 5\.5\.3 ' "51 guests: 550 5.5.3"
expect_match "$SMTP_REPLY" '50' "51 guests: the reply names the limit"
expect_eq "$(sink_find "$id")" "" "51 guests: nothing delivered"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
