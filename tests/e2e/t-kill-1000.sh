#!/bin/bash
# t-kill-1000.sh - the milter killed with SIGKILL in the middle of 1,000
# invitations loses none and lets none through unrewritten.
#
# smtp-source sends 1,000 copies of one tagged invitation (-F, one recipient
# outside the organisation, 4 sessions in parallel, -A: go on after a
# refusal). When ~300 have reached the sink the milter gets SIGKILL and is
# started again at once (milter_default_action = tempfail meanwhile).
#
# How every message is counted (smtp-source reports no per-message outcome,
# so Postfix's maillog is the ledger; each smtp-source session is one
# transaction, one message):
#   accepted  queue ids that qmgr put in the active queue ("QID: from=<...>,
#             ... (queue active)"): smtpd answered 250 to the data;
#   refused   "milter-reject: MAIL|RCPT|DATA|END-OF-MESSAGE ... 4.7.1" lines:
#             one per refused transaction. smtpd logs a refusal at MAIL or
#             RCPT as "NOQUEUE: milter-reject: MAIL from ...: 451 4.7.1";
#             cleanup logs one at the end of the data (the milter died with
#             the message in hand) as "QID: milter-reject: END-OF-MESSAGE
#             ...: 4.7.1" (no 451 in cleanup's line; the client gets 451).
#             A session that met a dead milter also logs CONNECT and HELO
#             milter-rejects: smtpd holds those replies until MAIL, so they
#             are not refusals of a message and are not counted;
#   any other reject (5xx, a lost connection) counts as neither, so the sum
#   then misses 1,000 and the test fails.
# Then: accepted + refused = 1,000; every accepted queue id is in exactly one
# capture file of the sink (the Received: line names it), the sink holds
# exactly the accepted ones, and the queue is empty: nothing lost. Every
# capture file carries X-Guestlink-Invitation and no raw resource URL:
# nothing unrewritten. smtp-source's own "451" warnings are counted as a
# cross-check that the client saw each refusal.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

TOTAL=${KILL_TOTAL:-1000}
KILL_AT=${KILL_AT:-300}
SESSIONS=4

e2e_setup
log=$(pf_log "$PF_DIR")

# The invitation without a Message-ID: Postfix adds a unique one per copy.
make_invite "$T_DIR/inv.eml" "[invite] Join our research lab" "guest@gmail.com" unused
sed -i '/^Message-ID: /d' "$T_DIR/inv.eml"

t0=$(date +%s)
bg_start smtp-source "$T_DIR/source.out" smtp-source -A -s "$SESSIONS" -m "$TOTAL" -M client.example.org \
	-f staff@example.org -t guest@gmail.com -F "$T_DIR/inv.eml" "127.0.0.1:$SMTP_PORT"
SRC_PID=$BG_PID

if wait_for_files "$SINK_DIR" "$KILL_AT" 60; then
	ok "$KILL_AT invitations delivered before the kill"
else
	fail "only $(count_files "$SINK_DIR") delivered after 60 s"
fi
old=$MILTER_PID
milter_kill
note "milter $old killed with SIGKILL after $(count_files "$SINK_DIR") deliveries"
check "the killed milter is gone" test ! -d "/proc/$old"
milter_start "$CONF"
note "milter restarted (pid $MILTER_PID)"

# smtp-source ends when all its sessions are done.
if wait_until 80 _pid_gone "$SRC_PID"; then
	rc=0
	wait "$SRC_PID" || rc=$?
	bg_forget "$SRC_PID"
	expect_eq "$rc" 0 "smtp-source finished (exit status)"
else
	fail "smtp-source still running after 80 s"
fi
note "smtp-source took $(($(date +%s) - t0)) s"

# Let Postfix hand what it accepted to the sink.
accepted_ids() { sed -n 's/.*postfix\/qmgr\[[0-9]*\]: \([0-9A-Z]*\): from=<staff@example.org>.*(queue active)$/\1/p' "$log" | sort -u; }
_all_delivered() { [ "$(count_files "$SINK_DIR")" -ge "$(accepted_ids | wc -l)" ] && pf_queue_empty "$PF_DIR"; }
wait_until 60 _all_delivered || note "still waiting for deliveries: $(count_files "$SINK_DIR") in the sink"

accepted=$(accepted_ids | wc -l)
TEMP_RE='milter-reject: (CONNECT|HELO|MAIL|RCPT|DATA|END-OF-MESSAGE) from [^ ]*: (451 )?4\.7\.1 '
refused=$(grep -E "$TEMP_RE" "$log" | grep -Ec 'milter-reject: (MAIL|RCPT|DATA|END-OF-MESSAGE) ' || true)
other=$(grep -E 'reject: |lost connection after (DATA|END-OF-MESSAGE)' "$log" | grep -Evc "$TEMP_RE" || true)
note "accepted $accepted, refused with 451 $refused, other refusals $other"
expect_eq $((accepted + refused)) "$TOTAL" "every message accounted for: accepted + refused with 4xx"
expect_eq "$other" 0 "no refusal other than 451 4.7.1, no connection lost in the data"
if [ "$refused" -gt 0 ]; then ok "the kill made some messages tempfail ($refused)"; else fail "no refusal at all: the kill hit nothing"; fi
if [ "$accepted" -gt "$KILL_AT" ]; then ok "delivery went on after the restart ($accepted accepted)"; else fail "nothing accepted after the restart"; fi
client_451=$(grep -c 'smtp-source: warning: .* rejected: 451 4\.7\.1' "$T_DIR/source.out" || true)
expect_eq "$client_451" "$refused" "smtp-source saw each 451 that Postfix logged"

# Delivered = accepted, each exactly once.
grep -h -A1 '^Received: from client.example.org' "$SINK_DIR"/* |
	sed -n 's/.*with E\?SMTP id \([0-9A-Z]*\).*/\1/p' | sort >"$T_DIR/delivered.ids"
accepted_ids >"$T_DIR/accepted.ids"
expect_eq "$(count_files "$SINK_DIR")" "$accepted" "the sink holds one message per accepted one: none lost"
expect_eq "$(sort -u "$T_DIR/delivered.ids" | wc -l)" "$(wc -l <"$T_DIR/delivered.ids")" "no queue id delivered twice"
if cmp -s "$T_DIR/delivered.ids" "$T_DIR/accepted.ids"; then
	ok "the delivered queue ids are exactly the accepted ones"
else
	fail "delivered and accepted queue ids differ"
	diff "$T_DIR/accepted.ids" "$T_DIR/delivered.ids" | head -10 | sed 's/^/#   /'
fi
check "nothing left in the queue" pf_queue_empty "$PF_DIR"

# Nothing unrewritten.
expect_eq "$(grep -L '^X-Guestlink-Invitation: [0-9a-f]\{32\}$' "$SINK_DIR"/* | wc -l)" 0 \
	"every delivered message has X-Guestlink-Invitation"
expect_eq "$(grep -l 'teams\.example\.org' "$SINK_DIR"/* | wc -l)" 0 \
	"no delivered message holds the raw resource URL"
expect_eq "$(grep -l -F "$ACCEPT_PREFIX" "$SINK_DIR"/* | wc -l)" "$accepted" "every delivered message has an accept link"
expect_eq "$(grep -l '^Subject: \[invite\]' "$SINK_DIR"/* | wc -l)" 0 "no delivered message kept the tag"
# One sample in full: a link that verifies.
f=$(ls "$SINK_DIR"/* | tail -1)
link=$(mime "$f" links 2>/dev/null | head -1)
if inspect "$link"; then ok "a message delivered after the restart: its link verifies"; else fail "inspect: $INSPECT_JSON"; fi
# A milter killed after its log line but before Postfix read its answer has
# logged an invitation that was then refused at the end of the data.
logged=$(milter_logs | grep -c 'event=invitation ' || true)
eom=$(grep -Ec 'milter-reject: END-OF-MESSAGE ' "$log" || true)
if [ "$logged" -ge "$accepted" ] && [ "$logged" -le $((accepted + eom)) ]; then
	ok "the milters logged an invitation for each delivered message ($logged logged, $accepted delivered)"
else
	fail "the milters logged $logged invitations for $accepted delivered ($eom refused at the end of data)"
fi
check "the restarted milter is still running" pid_alive "$MILTER_PID"
t_done
