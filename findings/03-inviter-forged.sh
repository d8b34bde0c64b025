#!/bin/bash
# 03 - the signed "inviter" of an invitation is whatever envelope sender the submitter chose.
# The milter puts MAIL FROM (sendmail -f) into the token as the inviter, never the identity that made the
# mail staff mail ({auth_authen}, the local user); contrib/postfix sets no reject_sender_login_mismatch.
# So any staff member (and any local user of the mail host: sendmail -f, counted as staff) mints links
# that otpd shows as "president@example.org invited you" - or an address outside the organisation.
# Exit 1: the attack works (a token signed with a forged inviter); 0: refused.
set -u
. "$(dirname "$0")/../tests/lib/e2e.sh"
e2e_setup
trap '_t_cleanup; rm -rf "$T_DIR"' EXIT
forged=0
# a staff client (trusted network; an authenticated one is no different: {auth_authen} is not used)
# naming an outside "inviter"
id=$(unique_id)
make_invite "$T_DIR/in2.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
smtp_send "$T_DIR/in2.eml" security-team@bank.example guest@gmail.com || note "smtp: $SMTP_REPLY"
if f=$(sink_wait "$id" 15); then
	link=$(mime "$f" links | sed -n 1p)
	inspect "$link" || true
	note "staff SMTP client: inviter in the signed token = $(jfield inviter)"
	[ "$(jfield valid)" = true ] && [ "$(jfield inviter)" = security-team@bank.example ] && forged=$((forged + 1))
else
	note "(b) nothing delivered"
fi
if [ "$forged" -gt 0 ]; then
	echo "VULNERABLE: $forged invitation(s) signed with an inviter the submitter made up"
	exit 1
fi
echo "refused"
exit 0
