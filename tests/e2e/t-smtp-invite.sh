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
	expect_match "$(milter_logs | grep "invitation=$(header_value "$hdrs" X-Guestlink-Invitation)")" \
		'staff=network guests=1' "the milter logged the invitation (staff=network, 1 guest)"
	expect_no_match "$(milter_logs)" "${CHECKED_LINK#"$ACCEPT_PREFIX"}" "the milter log holds no token"
	# One character changed in the middle of the token: the signature fails.
	token=${CHECKED_LINK#"$ACCEPT_PREFIX"}
	mid=$((${#token} / 2))
	c=${token:$mid:1}
	[ "$c" = A ] && r=B || r=A
	rc=0
	inspect "$ACCEPT_PREFIX${token:0:$mid}$r${token:$((mid + 1))}" || rc=$?
	expect_eq "$rc" 1 "a tampered link: inspect exits 1"
	expect_eq "$(jfield valid)" false "a tampered link: valid false"
else
	fail "nothing with Message-ID <$id> reached the sink"
	tail -20 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
fi
# An invitation with an attachment: only the text parts change. The headers
# are those sent except the Subject (tag removed) and the added
# X-Guestlink-Invitation; from the attachment's boundary on, every byte stays.
id=$(unique_id)
{
	cat <<EOF2
From: Staff Member <staff@example.org>
To: guest@gmail.com
Cc: colleague@example.org
Subject: [invite] Join our research lab
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <$id>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-1"
X-Mailer: Test Client 1.0
Received-SPF: none (fake, and must stay)

Preamble text.
--outer-1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Beste gast, doe mee: $RESOURCE_URL
Caf=C3=A9 om 10:00. A long line that is soft-broken by quoted-printable enc=
oding right here.

--outer-1
Content-Type: application/pdf; name="agenda.pdf"
Content-Disposition: attachment; filename="agenda.pdf"
Content-Transfer-Encoding: base64

EOF2
	printf '%%PDF-1.4 %s\n' "$RESOURCE_URL" | cat - /dev/urandom | head -c 2000 | base64 -w 76
	printf '\n--outer-1--\nEpilogue text.\n'
} >"$T_DIR/att.eml"
smtp_send "$T_DIR/att.eml" staff@example.org guest@gmail.com colleague@example.org || true
expect_match "$SMTP_REPLY" '^250 ' "with attachment: accepted"
if f=$(sink_wait "$id" 15); then
	ok "with attachment: delivered"
	awk '/^$/ { exit } { print }' "$T_DIR/att.eml" |
		sed 's/^Subject: \[invite\] /Subject: /' >"$T_DIR/att.want.hdr"
	strip_received "$(sink_headers "$f")" | grep -v '^X-Guestlink-Invitation: ' >"$T_DIR/att.got.hdr"
	expect_file_eq "$T_DIR/att.got.hdr" "$T_DIR/att.want.hdr" \
		"with attachment: headers as sent but the Subject"
	expect_eq "$(sink_headers "$f" | grep -c '^X-Guestlink-Invitation: ')" 1 "with attachment: one invitation header"
	sed -n '/^Content-Type: application\/pdf/,$p' "$T_DIR/att.eml" >"$T_DIR/att.want.tail"
	sink_message "$f" | sed -n '/^Content-Type: application\/pdf/,$p' >"$T_DIR/att.got.tail"
	expect_file_eq "$T_DIR/att.got.tail" "$T_DIR/att.want.tail" \
		"with attachment: the attachment (with the resource URL inside) and the epilogue are byte-identical"
	sink_message "$f" | awk '/^--outer-1$/ { exit } { print }' >"$T_DIR/att.got.pre"
	expect_match "$(cat "$T_DIR/att.got.pre")" '^Preamble text\.$' "with attachment: preamble stays"
	expect_eq "$(mime "$f" links | wc -l)" 1 "with attachment: the text part has the accept link"
	expect_match "$(mime "$f" part text/plain)" 'Café om 10:00\. A long line that is soft-broken by quoted-printable encoding right here\.' \
		"with attachment: the rest of the QP text decodes as before"
	link=$(mime "$f" links | head -1)
	inspect "$link" || true
	expect_eq "$(jfield guests)" 1 "with attachment: one guest (the Cc colleague is internal)"
else
	fail "with attachment: not delivered"
fi

check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
