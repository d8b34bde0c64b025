#!/bin/bash
# t-submission-invite.sh - staff send the way their mail client does: the
# submission service of contrib/postfix/master.cf.snippet (STARTTLS, then SMTP
# AUTH PLAIN checked by a real Dovecot, a self-signed certificate made by the
# test), swaks --tls --auth PLAIN as the client. trusted_networks does not
# cover loopback here, so only the login makes the sender staff.
#   - an invitation is rewritten and its token names the login (otpctl
#     inspect), for a login that is an address and for a bare login
#     (carol -> carol@example.org by login_domain);
#   - after AUTH the EHLO answer offers AUTH, and the milter logged staff=auth;
#   - ordinary mail from an authenticated user passes byte-identical.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

E2E_SUBMISSION=1 e2e_setup
milter_stop
sed -i 's|^trusted_networks = .*|trusted_networks = 192.0.2.0/24|' "$CONF"
milter_start "$CONF"

# invite_as USER PASS FROM WANT - one invitation through submission; its token names WANT
invite_as() {
	local user=$1 pass=$2 from=$3 want=$4 id f inv
	id=$(unique_id)
	make_invite "$T_DIR/in.eml" "[invite] Join our research lab" "Guest <guest@gmail.com>" "$id"
	if submit "$T_DIR/in.eml" "$user" "$pass" "$from" guest@gmail.com; then
		ok "$user: swaks --tls --auth PLAIN: accepted ($SMTP_REPLY)"
	else
		fail "$user: swaks exit status $?: $SMTP_REPLY"
		sed 's/^/#   /' "$SMTP_OUT"
		return
	fi
	expect_match "$(grep -E '^<~ +235 ' "$SMTP_OUT")" '235 2\.7\.0' "$user: authenticated (235) over TLS"
	if ! f=$(sink_wait "$id" 15); then
		fail "$user: nothing with Message-ID <$id> reached the sink"
		tail -20 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
		return
	fi
	if [ "$user" = alice@example.org ]; then
		check_invitation "$f" 1 guest@gmail.com other@gmail.com "$want"
	else
		inspect "$(mime "$f" links | head -1)" || true
		expect_eq "$(jfield valid)" true "$user: the accept link is valid"
	fi
	expect_eq "$(jfield inviter)" "$want" "$user: the token names the login ($want)"
	inv=$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)
	expect_match "$(milter_logs | grep "invitation=$inv")" "inviter=$want staff=auth guests=1" \
		"$user: the milter logged inviter=$want staff=auth"
}

invite_as alice@example.org alice-secret alice@example.org alice@example.org
invite_as carol carol-secret carol@example.org carol@example.org
# The From: header says staff@example.org; the token still names who logged in.
invite_as bob@example.org bob-secret bob@example.org bob@example.org
expect_match "$(grep -E '^<~ +250-AUTH ' "$SMTP_OUT")" 'AUTH PLAIN' "after STARTTLS the EHLO answer offers AUTH PLAIN"

# Ordinary mail from an authenticated user: through the milter, unchanged.
id=$(unique_id)
make_plain "$T_DIR/plain.eml" "Lab meeting notes" "guest@gmail.com" "$id"
submit "$T_DIR/plain.eml" alice@example.org alice-secret alice@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^250 ' "ordinary mail: accepted"
check_unchanged "ordinary mail from alice" "$T_DIR/plain.eml" "$id"

check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
