#!/bin/bash
# t-passthrough.sh - mail that is not an invitation passes the milter
# untouched: the headers we sent (Postfix and smtp-sink only prepend
# Received:) and the body, byte for byte. Cases: no tag (to a guest, with a
# resource link); tagged but to internal recipients only (subdomains too);
# no tag through sendmail; tagged from a client that is neither trusted nor
# authenticated.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup

# 1. No tag, to a guest, with resource links in the text.
id=$(unique_id)
make_plain "$T_DIR/p1.eml" "Join our research lab" "guest@gmail.com" "$id"
smtp_send "$T_DIR/p1.eml" staff@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^250 ' "no tag: accepted"
check_unchanged "no tag" "$T_DIR/p1.eml" "$id"

# 2. Tagged, but every recipient is internal (a subdomain counts as internal).
id=$(unique_id)
make_plain "$T_DIR/p2.eml" "[invite] Join our research lab" "colleague@example.org, x@lab.example.org" "$id"
smtp_send "$T_DIR/p2.eml" staff@example.org colleague@example.org x@lab.example.org || true
expect_match "$SMTP_REPLY" '^250 ' "internal only: accepted"
check_unchanged "internal only" "$T_DIR/p2.eml" "$id"

# 3. No tag, through sendmail.
id=$(unique_id)
make_plain "$T_DIR/p3.eml" "Lab news" "guest@gmail.com" "$id"
if pf_sendmail "$PF_DIR" -i -f staff@example.org -- guest@gmail.com <"$T_DIR/p3.eml"; then
	ok "sendmail no tag: accepted"
else
	fail "sendmail no tag: sendmail failed"
fi
check_unchanged "sendmail no tag" "$T_DIR/p3.eml" "$id"

# 4. Tagged, to a guest, from a client that is not trusted and did not
# authenticate: not staff, so not an invitation.
milter_stop
sed -i 's|^trusted_networks = .*|trusted_networks = 192.0.2.0/24|' "$CONF"
milter_start "$CONF"
id=$(unique_id)
make_invite "$T_DIR/p4.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
smtp_send "$T_DIR/p4.eml" staff@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^250 ' "untrusted, no AUTH: accepted"
check_unchanged "untrusted, no AUTH" "$T_DIR/p4.eml" "$id"

check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
