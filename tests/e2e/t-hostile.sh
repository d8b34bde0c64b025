#!/bin/bash
# t-hostile.sh - oversized and hostile invitations through a real Postfix:
# whatever happens to each, it is never delivered unrewritten, and the milter
# stays up and keeps working.
#   1. 10,000 header fields before the MIME headers (Subject first), and the
#      same with the Subject after the 10,000. Postfix passes them all on (it
#      has no header count limit); the milter keeps no MIME headers past
#      CAP_HEADER_COUNT (1,000), so a tagged mail with more is refused 552
#      5.3.4 (too big). The HTML part is base64: a rewrite that missed the MIME
#      headers would have left its link as it was (it did, before the fix);
#   2. multipart nested 100 deep: the message's own fault, so a permanent
#      550 5.6.0 whose text names the depth (it was 451 4.7.1 before, which the
#      client retried forever), the milter alive and rewriting the next
#      invitation; 20 deep is fine;
#   3. envelope recipients with quotes, a comma, angle brackets, a backslash,
#      a source route, a "Bcc:" inside quotes, beside a plain guest: Postfix
#      refuses some RCPTs itself (then the mail goes to the plain guest only,
#      rewritten, one guest in the token); the milter refuses a tagged mail
#      with any other odd outside address, 550 5.1.3 (before the fix it went
#      out with the odd address silently left out - or, when it was the only
#      guest, unrewritten with its tag). An odd internal address is a
#      colleague: the mail goes out, rewritten. The delivered headers are the
#      ones sent but the Subject and the added X-Guestlink-Invitation.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

HARD="$T_SRC/tests/hardening"
e2e_setup
log=$(pf_log "$PF_DIR")

# raw_send FILE MAIL_ARG RCPT_ARG... - smtpraw.py; its transcript in $RAW
raw_send() {
	local file=$1
	shift
	RAW=$(python3 "$HARD/smtpraw.py" "$SMTP_PORT" "$@" <"$file" 2>&1) || true
}

# never_unrewritten WHAT MSGID - after raw_send: accepted (250 to the data)
# and delivered with every link rewritten, or refused (4xx/5xx) and nothing
# delivered (a refused mail was never queued, so there is nothing to wait
# for); sets OUTCOME (delivered/refused) and DELIVERED (the capture file)
never_unrewritten() {
	local what=$1 id=$2 f last
	last=$(printf '%s\n' "$RAW" | tail -1)
	DELIVERED=
	if printf '%s\n' "$last" | grep -q '^data 250 '; then
		OUTCOME=delivered
		if ! f=$(sink_wait "$id" 15); then
			fail "$what: accepted but never delivered"
			return 0
		fi
		expect_match "$(sink_headers "$f")" '^X-Guestlink-Invitation: [0-9a-f]{32}$' "$what: delivered with X-Guestlink-Invitation"
		expect_no_match "$(sink_message "$f")" 'teams\.example\.org' "$what: no raw resource URL anywhere in the message"
		expect_no_match "$(mime "$f" text)" 'teams\.example\.org' "$what: no raw resource URL in any decoded part"
		expect_eq "$(mime "$f" links | sort -u | wc -l)" 1 "$what: the accept link is there"
		expect_no_match "$(sink_headers "$f")" '^Subject: \[invite\]' "$what: the tag is gone"
		DELIVERED=$f
	else
		OUTCOME=refused
		expect_match "$last" '^(data|mail|rcpt) [45][0-9][0-9] ' "$what: refused with 4xx/5xx"
		expect_eq "$(sink_find "$id")" "" "$what: nothing delivered"
	fi
	note "$what: $OUTCOME ($last)"
}

# --- 1. 10,000 header fields ---------------------------------------------------
for kind in headers headers-late; do
	id=$(unique_id)
	python3 "$HARD/mkhostile.py" "$kind" 10000 "$id" "$RESOURCE_URL" >"$T_DIR/$kind.eml"
	raw_send "$T_DIR/$kind.eml" "<staff@example.org>" "<guest@gmail.com>"
	expect_match "$RAW" '^data 552 5\.3\.4 ' "10,000 headers ($kind): refused, 552 5.3.4"
	never_unrewritten "10,000 headers ($kind)" "$id"
	check "10,000 headers ($kind): the milter is still running" pid_alive "$MILTER_PID"
done

# --- 2. 100-deep nesting ------------------------------------------------------------
id=$(unique_id)
python3 "$HARD/mkhostile.py" nested 100 "$id" "$RESOURCE_URL" >"$T_DIR/deep.eml"
raw_send "$T_DIR/deep.eml" "<staff@example.org>" "<guest@gmail.com>"
expect_match "$RAW" '^data 550 5\.6\.0 .*nested' "100-deep nesting: 550 5.6.0 naming the nesting at the end of data"
expect_match "$RAW" 'new message' "100-deep nesting: the reply says what to do"
never_unrewritten "100-deep nesting" "$id"
expect_match "$(milter_logs)" 'event=refused .*verdict=reject_malformed rewrite=malformed .*why="[^"]*nested' \
	"100-deep nesting: the milter logged a malformed refusal and why"
check "100-deep nesting: the milter is still running" pid_alive "$MILTER_PID"
# Nesting within CAP_MIME_DEPTH is fine.
id=$(unique_id)
python3 "$HARD/mkhostile.py" nested 20 "$id" "$RESOURCE_URL" >"$T_DIR/deep20.eml"
raw_send "$T_DIR/deep20.eml" "<staff@example.org>" "<guest@gmail.com>"
expect_match "$RAW" '^data 250 ' "20-deep nesting: accepted"
if f=$(sink_wait "$id" 15); then
	expect_eq "$(mime "$f" links | wc -l)" 1 "20-deep nesting: the innermost link rewritten"
	expect_no_match "$(sink_message "$f")" 'teams\.example\.org' "20-deep nesting: no raw resource URL"
else
	fail "20-deep nesting: not delivered"
fi

# --- 3. odd envelope recipients -----------------------------------------------------
# delivered_clean WHAT FILE EML - headers as sent (but Subject and
# X-Guestlink-Invitation), one guest in the token: guest@gmail.com
delivered_clean() {
	local what=$1 f=$2 eml=$3 link
	awk '/^$/ { exit } { print }' "$eml" | sed 's/^Subject: \[invite\] /Subject: /' >"$eml.want"
	strip_received "$(sink_headers "$f")" | grep -v '^X-Guestlink-Invitation: ' >"$eml.got"
	expect_file_eq "$eml.got" "$eml.want" "$what: headers as sent but the Subject"
	link=$(mime "$f" links 2>/dev/null | head -1)
	inspect "$link" || true
	expect_eq "$(jfield guests)" 1 "$what: one guest in the token (the plain one)"
	expect_rc 0 "$what: guest@gmail.com is invited" inspect "$link" --email guest@gmail.com
	expect_rc 1 "$what: evil@y.net is not" inspect "$link" --email evil@y.net
}

n=0
for odd in '<"a\"b"@x.net>' '<"a b"@x.net>' '<"a,evil@y.net"@x.net>' '<a@x.net>,evil@y.net' \
	'<<a@x.net>,evil@y.net>' '<a\b@x.net>' '<"<script>"@x.net>' '<"Bcc: evil@y.net"@x.net>' \
	'<"a;b=c"@x.net>' '<@relay.net:a@x.net>'; do
	n=$((n + 1))
	id=$(unique_id)
	make_invite "$T_DIR/odd$n.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
	raw_send "$T_DIR/odd$n.eml" "<staff@example.org>" "<guest@gmail.com>" "$odd"
	rcpt_odd=$(printf '%s\n' "$RAW" | sed -n '/^rcpt /p' | sed -n 2p | cut -d' ' -f2)
	note "odd rcpt $odd: RCPT $rcpt_odd, $(printf '%s\n' "$RAW" | tail -1)"
	case "$rcpt_odd" in
	5*)	# Postfix refused the address: the mail goes to the plain guest only.
		never_unrewritten "odd rcpt $odd (refused by Postfix)" "$id"
		expect_eq "$OUTCOME" delivered "odd rcpt $odd: delivered to the plain guest"
		[ "$OUTCOME" = delivered ] && delivered_clean "odd rcpt $odd" "$DELIVERED" "$T_DIR/odd$n.eml"
		;;
	*)	expect_match "$RAW" '^data 550 5\.1\.3 .*plain address' "odd rcpt $odd: the milter refuses it, 550 5.1.3"
		never_unrewritten "odd rcpt $odd" "$id"
		;;
	esac
done
# The odd address alone: refused, never sent on with its tag.
id=$(unique_id)
make_invite "$T_DIR/odd-alone.eml" "[invite] Join our research lab" '"a b"@x.net' "$id"
raw_send "$T_DIR/odd-alone.eml" "<staff@example.org>" '<"a b"@x.net>'
expect_match "$RAW" '^data 550 5\.1\.3 ' "odd rcpt alone: 550 5.1.3"
never_unrewritten "odd rcpt alone" "$id"
# An odd internal address is a colleague, not a guest.
id=$(unique_id)
make_invite "$T_DIR/odd-internal.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
raw_send "$T_DIR/odd-internal.eml" "<staff@example.org>" "<guest@gmail.com>" '<"john smith"@example.org>'
expect_match "$RAW" '^data 250 ' "odd internal rcpt: accepted"
never_unrewritten "odd internal rcpt" "$id"
[ "$OUTCOME" = delivered ] && delivered_clean "odd internal rcpt" "$DELIVERED" "$T_DIR/odd-internal.eml"
expect_match "$(milter_logs)" 'event=refused .*verdict=reject_bad_address' "the milter logged the bad-address refusals"
check "after all: the milter is still running" pid_alive "$MILTER_PID"
expect_no_match "$(milter_logs)" 'level=(fatal|panic)' "no fatal or panic line in the milter log"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
