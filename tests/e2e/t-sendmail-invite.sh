#!/bin/bash
# t-sendmail-invite.sh - a tagged invitation handed to the local sendmail
# command (Postfix's non_smtpd_milters) is rewritten like one sent by SMTP.
# Twice: with 127.0.0.1 in trusted_networks, and with trusted_networks not
# covering loopback at all, so that only "it came through sendmail" from a
# sender in local_submitters makes the sender staff. Then a sender not in
# local_submitters: refused (5.7.1, as a bounce), even from trusted loopback.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

# send_and_check WHAT - one invitation through sendmail, all the checks
send_and_check() {
	local what=$1 id f rc=0
	id=$(unique_id)
	make_invite "$T_DIR/in.eml" "[Invite] Join our research lab" "guest@gmail.com" "$id"
	pf_sendmail "$PF_DIR" -i -f staff@example.org -- guest@gmail.com <"$T_DIR/in.eml" || rc=$?
	expect_eq "$rc" 0 "$what: sendmail accepted the mail"
	pf_flush "$PF_DIR" 2>/dev/null || true
	if f=$(sink_wait "$id" 15); then
		ok "$what: delivered to the sink"
		check_invitation "$f" 1 guest@gmail.com someone@gmail.com
		expect_eq "$(header_value "$(sink_headers "$f")" X-Test-Marker)" "keep me exactly" "$what: other headers stay"
		expect_match "$(milter_logs | grep "invitation=$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)")" \
			'staff=local' "$what: the milter saw a local submission (staff=local)"
	else
		fail "$what: nothing with Message-ID <$id> reached the sink"
		tail -20 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
	fi
	check "$what: nothing left in the queue" pf_queue_empty "$PF_DIR"
}

e2e_setup
send_and_check "trusted loopback"

# Now loopback is not trusted: an SMTP client there is no longer staff, but the
# sendmail command still is (staff@example.org is in the test config's
# local_submitters).
milter_stop
sed -i 's|^trusted_networks = .*|trusted_networks = 192.0.2.0/24|' "$CONF"
milter_start "$CONF"
send_and_check "sendmail only"

# A local account not in local_submitters (a web app on the mail host): its
# invitation is refused with 5.7.1 and the reason, which comes back to the
# sender as a bounce; the guest gets nothing. Its ordinary mail still goes.
id=$(unique_id)
make_invite "$T_DIR/web.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
sed -i 's/^From: .*/From: Web App <webapp@example.org>/' "$T_DIR/web.eml"
rc=0
pf_sendmail "$PF_DIR" -i -f webapp@example.org -- guest@gmail.com <"$T_DIR/web.eml" || rc=$?
expect_eq "$rc" 0 "unlisted sender: sendmail took the mail (the refusal comes as a bounce)"
pf_flush "$PF_DIR" 2>/dev/null || true
_bounced() { grep -l -F "$id" "$SINK_DIR"/* 2>/dev/null | xargs -r grep -l '^X-Rcpt-Args: <webapp@example.org>' >/dev/null 2>&1; }
if wait_until 15 _bounced; then
	b=$(grep -l -F "$id" "$SINK_DIR"/* | xargs grep -l '^X-Rcpt-Args: <webapp@example.org>' | head -1)
	ok "unlisted sender: a bounce went back to webapp@example.org"
	expect_match "$(grep '^Status: ' "$b")" '^Status: 5\.7\.1' "unlisted sender: the bounce has status 5.7.1"
	expect_match "$(tr -d '\r' <"$b" | tr '\n' ' ' | tr -s ' ')" \
		'Diagnostic-Code: X-Postfix; Invitations cannot be sent with the sendmail command on the mail server from this account: only the senders in local_submitters' \
		"unlisted sender: the bounce says why"
else
	fail "unlisted sender: no bounce came back"
	tail -5 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
fi
expect_eq "$(grep -l -F "$id" "$SINK_DIR"/* | xargs -r grep -l '^X-Rcpt-Args: <guest@gmail.com>' | wc -l)" 0 \
	"unlisted sender: nothing reached the guest"
expect_match "$(milter_logs)" 'event=refused .*inviter=<> verdict=reject_local' "unlisted sender: the milter logged reject_local"
id=$(unique_id)
make_invite "$T_DIR/web2.eml" "Your report is ready" "guest@gmail.com" "$id"
pf_sendmail "$PF_DIR" -i -f webapp@example.org -- guest@gmail.com <"$T_DIR/web2.eml" || fail "sendmail failed"
pf_flush "$PF_DIR" 2>/dev/null || true
if f=$(sink_wait "$id" 15); then
	expect_eq "$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)" "" \
		"unlisted sender, untagged: delivered, not an invitation"
else
	fail "unlisted sender, untagged: not delivered"
fi
check "nothing left in the queue" pf_queue_empty "$PF_DIR"

t_done
