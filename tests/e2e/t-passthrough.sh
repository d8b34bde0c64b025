#!/bin/bash
# t-passthrough.sh - mail that is not an invitation passes the milter
# untouched: the headers we sent (Postfix and smtp-sink only prepend
# Received:) and the body, byte for byte. Cases: no tag (to a guest, with a
# resource link); tagged but to internal recipients only (subdomains too);
# no tag through sendmail; tagged from a client that is neither trusted nor
# authenticated.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

# make_plain FILE SUBJECT TO MSGID - a mixed message with awkward bytes:
# trailing blanks, a tab, a leading dot, a long line, 8-bit text, base64.
make_plain() {
	cat >"$1" <<EOF2
From: Staff Member <staff@example.org>
To: $3
Subject: $2
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <$4>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="mixed-boundary-42"
X-Test-Marker:   odd   spacing	kept

This is a multi-part message in MIME format.
--mixed-boundary-42
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hi,   
the lab is at $RESOURCE_URL and
	the wiki at https://wiki.example.org/space/lab?x=1&y=2.
.a line that starts with a dot
Café naïve € $(printf 'x%.0s' $(seq 1 180))

--mixed-boundary-42
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="data.bin"
Content-Transfer-Encoding: base64

$(head -c 300 /dev/urandom | base64 -w 76)
--mixed-boundary-42--
EOF2
}

# check_unchanged WHAT SENT_FILE MSGID - delivered exactly as sent
check_unchanged() {
	local what=$1 sent=$2 id=$3 f
	if ! f=$(sink_wait "$id" 15); then
		fail "$what: nothing with Message-ID <$id> reached the sink"
		tail -20 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
		return
	fi
	ok "$what: delivered"
	awk '/^$/ { exit } { print }' "$sent" >"$T_DIR/want.hdr"
	awk 'b { print } /^$/ && !b { b = 1 }' "$sent" >"$T_DIR/want.body"
	strip_received "$(sink_headers "$f")" >"$T_DIR/got.hdr"
	sink_message "$f" | awk 'b { print } /^$/ && !b { b = 1 }' >"$T_DIR/got.body"
	expect_file_eq "$T_DIR/got.hdr" "$T_DIR/want.hdr" "$what: headers as sent (Received: aside)"
	expect_file_eq "$T_DIR/got.body" "$T_DIR/want.body" "$what: body byte-identical"
	expect_no_match "$(sink_headers "$f")" '^X-Guestlink-Invitation:' "$what: no invitation header"
}

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
