#!/bin/bash
# t-sendmail-invite.sh - a tagged invitation handed to the local sendmail
# command (Postfix's non_smtpd_milters) is rewritten like one sent by SMTP.
# Twice: with 127.0.0.1 in trusted_networks, and with trusted_networks not
# covering loopback at all, so that only "it came through sendmail" makes the
# sender staff.
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
# sendmail command still is.
milter_stop
sed -i 's|^trusted_networks = .*|trusted_networks = 192.0.2.0/24|' "$CONF"
milter_start "$CONF"
send_and_check "sendmail only"

t_done
