# tests/lib/e2e.sh - the setting every end-to-end scenario shares (bash,
# sourced by tests/e2e/t-*.sh after common.sh and postfix.sh).
#
#   e2e_setup [EXTRA_MILTER_LINES]
#       keys (otpctl keygen), a test config ($CONF), the milter ($MILTER_PID),
#       an smtp-sink ($SINK_DIR) and a private Postfix ($PF_DIR) whose test
#       listener on 127.0.0.1:$SMTP_PORT and whose sendmail both go through
#       the milter. Everything is torn down at exit. With E2E_SUBMISSION=1
#       also the submission service on 127.0.0.1:$SUB_PORT (STARTTLS, SMTP
#       AUTH by Dovecot: tests/lib/submission.sh; send with submit).
#   make_invite FILE SUBJECT TO MSGID [URL]
#       a multipart/alternative mail from staff@example.org: text/plain 7bit
#       and text/html quoted-printable, both with a link to URL (default
#       https://teams.example.org/t/research-lab).
#   smtp_send FILE FROM RCPT...   swaks to the test listener; the transcript
#       is in $SMTP_OUT, the final reply to the data (or the first refusal)
#       in $SMTP_REPLY; returns swaks' exit status.
#   make_plain FILE SUBJECT TO MSGID  ordinary mail with awkward bytes
#   check_unchanged WHAT SENT_FILE MSGID  delivered exactly as sent (Received: aside)
#   sink_wait MSGID [SECS]         prints the capture file holding that Message-ID
#   inspect LINK [ARGS...]         otpctl inspect; JSON in $INSPECT_JSON, status returned
#   jfield FIELD                   a field of $INSPECT_JSON

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=postfix.sh
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"
# shellcheck source=submission.sh
. "$(dirname "${BASH_SOURCE[0]}")/submission.sh"

MIME_PY="$T_SRC/tests/lib/mime.py"
RESOURCE_URL=https://teams.example.org/t/research-lab
ACCEPT_PREFIX=https://guest.example.org/accept/

e2e_setup() {
	local extra=${1:-} out
	need_bins "$MILTER_BIN" "$OTPCTL_BIN"
	KEY_DIR="$T_DIR/keys"
	make_keys "$KEY_DIR"
	CONF="$T_DIR/guestlink.conf"
	milter_config "$CONF" "$KEY_DIR" "$T_DIR/run" "$extra"
	out=$("$MILTER_BIN" -c "$CONF" -n 2>&1) || die "milter -n refused the test config: $out"
	[ "$out" = "configuration OK" ] || die "milter -n said '$out', want 'configuration OK'"

	SMTP_PORT=$(free_port)
	SINK_PORT=$(free_port)
	SINK_DIR="$T_DIR/sink"
	PF_DIR="$T_DIR/pf"
	sink_start "$SINK_DIR" "$SINK_PORT"
	milter_start "$CONF"
	pf_create "$PF_DIR" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
	if [ "${E2E_SUBMISSION:-0}" = 1 ]; then
		SUB_PORT=$(free_port)
		while [ "$SUB_PORT" = "$SMTP_PORT" ] || [ "$SUB_PORT" = "$SINK_PORT" ]; do SUB_PORT=$(free_port); done
		sub_add "$PF_DIR" "$SUB_PORT"
	fi
	pf_start "$PF_DIR"
	wait_for_port "$SMTP_PORT" 10 || die "postfix smtpd did not listen on $SMTP_PORT"
	if [ "${E2E_SUBMISSION:-0}" = 1 ]; then
		dovecot_start "$PF_DIR"
		wait_for_port "$SUB_PORT" 10 || die "the submission service did not listen on $SUB_PORT"
	fi
}

# unique_id - a Message-ID local part nobody else uses
unique_id() { echo "$T_NAME.$$.$RANDOM$RANDOM@test.example.org"; }

make_invite() {
	local file=$1 subject=$2 to=$3 msgid=$4 url=${5:-$RESOURCE_URL}
	cat >"$file" <<EOF
From: Staff Member <staff@example.org>
To: $to
Subject: $subject
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <$msgid>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1-guestlink-test"
X-Test-Marker: keep me exactly

--b1-guestlink-test
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Hello,

please join our research lab on Teams:
$url

Kind regards,
Staff

--b1-guestlink-test
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Hello,</p>
<p>please join <a href=3D"$url">our research lab</a> =
on Teams.</p>
<p>Kind regards,<br>Staff</p></body></html>

--b1-guestlink-test--
EOF
}

# smtp_send FILE FROM RCPT... - swaks sends FILE as the DATA. swaks adds
# "CRLF ." after the data, so the last newline of FILE is left off: what
# Postfix receives is then exactly FILE (with CRLF line ends).
smtp_send() {
	local file=$1 from=$2 rc=0
	shift 2
	local to
	to=$(IFS=,; echo "$*")
	SMTP_OUT="$T_DIR/swaks.$RANDOM.out"
	head -c -1 "$file" | swaks --server "127.0.0.1:$SMTP_PORT" --helo client.example.org \
		--from "$from" --to "$to" --data - --timeout 60 >"$SMTP_OUT" 2>&1 || rc=$?
	# Replies from the server are "<~ " lines, refusals "<** ".
	SMTP_REPLY=$(grep -E '^<\*\* ' "$SMTP_OUT" | head -1 | cut -c5-)
	if [ -z "$SMTP_REPLY" ]; then
		SMTP_REPLY=$(grep -E '^<[-~] +250 .*queued' "$SMTP_OUT" | tail -1 | sed 's/^<[-~] *//')
	fi
	return "$rc"
}

# sink_find MSGID - the capture file with that Message-ID (none: empty)
sink_find() {
	grep -l -F -- "<$1>" "$SINK_DIR"/* 2>/dev/null | head -1
}

# sink_find_all MSGID - every capture file with that Message-ID (Postfix
# splits a delivery at smtp_destination_recipient_limit, 50)
sink_find_all() {
	grep -l -F -- "<$1>" "$SINK_DIR"/* 2>/dev/null || true
}

_sink_has() { [ -n "$(sink_find "$1")" ]; }

sink_wait() {
	wait_until "${2:-15}" _sink_has "$1" || return 1
	sink_find "$1"
}

inspect() {
	local link=$1 rc=0
	shift
	INSPECT_JSON=$("$OTPCTL_BIN" -c "$CONF" inspect "$link" "$@" 2>"$T_DIR/inspect.err") || rc=$?
	return "$rc"
}

jfield() { printf '%s' "$INSPECT_JSON" | python3 "$MIME_PY" json "$1" 2>/dev/null || true; }

# mime FILE CMD [ARG] - run mime.py on a capture file
mime() { python3 "$MIME_PY" "$2" "$1" ${3:+"$3"}; }

# check_footer FILE - the bilingual footer in the plain and the HTML part
check_footer() {
	local f=$1 t
	for t in text/plain text/html; do
		local body
		body=$(mime "$f" part "$t")
		expect_match "$body" 'Gasttoegang' "$t: footer title (Guest access / Gasttoegang)"
		expect_match "$body" 'Example University' "$t: footer names org_name"
		expect_match "$body" 'personal invitation' "$t: footer in English"
		expect_match "$body" 'persoonlijke uitnodiging' "$t: footer in Dutch"
	done
}

# check_invitation FILE WANT_GUESTS INVITED_ADDR NOT_INVITED_ADDR [INVITER] - the
# checks every delivered invitation must pass (used by several scenarios);
# INVITER (default staff@example.org) is who the token must name.
check_invitation() {
	local f=$1 guests=$2 good=$3 bad=$4 inviter=${5:-staff@example.org} hdrs links link n
	hdrs=$(sink_headers "$f")
	expect_match "$(header_value "$hdrs" Subject)" '^Join our research lab$' "subject without the tag"
	expect_no_match "$hdrs" '\[invite\]' "no [invite] left in any header"
	expect_match "$(header_value "$hdrs" X-Guestlink-Invitation)" '^[0-9a-f]{32}$' \
		"X-Guestlink-Invitation is 32 hex digits"
	links=$(mime "$f" links)
	n=$(printf '%s\n' "$links" | grep -c . || true)
	expect_eq "$n" 2 "two accept links (plain text and HTML)"
	expect_eq "$(mime "$f" hrefs | grep -c "^$ACCEPT_PREFIX" || true)" 1 "the HTML href is an accept link"
	expect_eq "$(mime "$f" plain | grep -c "^$ACCEPT_PREFIX" || true)" 1 "the plain-text URL is an accept link"
	expect_no_match "$(mime "$f" hrefs; mime "$f" plain)" "^https://teams\.example\.org/" \
		"the resource URL is no longer in any href or plain-text URL"
	expect_match "$(mime "$f" text)" 'our research lab' "the visible link text stays"
	check_footer "$f"
	link=$(printf '%s\n' "$links" | head -1)
	expect_eq "$(printf '%s\n' "$links" | sort -u | wc -l)" 1 "plain and HTML carry the same token"
	if inspect "$link"; then ok "otpctl inspect accepts the link"; else fail "otpctl inspect: $INSPECT_JSON $(cat "$T_DIR/inspect.err")"; fi
	expect_eq "$(jfield valid)" true "inspect: valid"
	expect_eq "$(jfield guests)" "$guests" "inspect: guests"
	expect_eq "$(jfield resource)" "$RESOURCE_URL" "inspect: resource"
	expect_eq "$(jfield inviter)" "$inviter" "inspect: inviter"
	expect_eq "$(jfield invitation)" "$(header_value "$hdrs" X-Guestlink-Invitation)" \
		"inspect: invitation id is the header's"
	expect_rc 0 "inspect --email $good" inspect "$link" --email "$good"
	expect_rc 1 "inspect --email $bad" inspect "$link" --email "$bad"
	CHECKED_LINK=$link
}

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
