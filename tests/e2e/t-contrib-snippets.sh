#!/bin/bash
# t-contrib-snippets.sh - contrib/postfix/*.snippet as documented, on a
# Postfix that runs smtpd and cleanup chrooted (Debian's default, option (a)):
# the main.cf lines are taken from main.cf.snippet as they stand (with no DKIM
# milter), the listener carries the snippet's -o lines, the milter listens
# inside the jail and Postfix names the socket unix:/run/guestlink/milter.sock.
# An invitation by SMTP and one by sendmail are both rewritten; a dead
# milter gives 451 4.7.1.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN"
snip="$T_SRC/contrib/postfix"
KEY_DIR="$T_DIR/keys"
make_keys "$KEY_DIR"
PF_DIR="$T_DIR/pf"
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
SINK_DIR="$T_DIR/sink"
CONF="$T_DIR/guestlink.conf"

# The milter's socket inside the jail (queue_directory).
milter_config "$CONF" "$KEY_DIR" "$PF_DIR/spool/run/guestlink"
sed -i "s|^socket = .*|socket = unix:$PF_DIR/spool/run/guestlink/milter.sock|" "$CONF"

pf_create "$PF_DIR" "$SMTP_PORT" "$SINK_PORT" ""
# main.cf: every setting of the snippet, as written; then no DKIM milter here.
grep -Ev '^[[:space:]]*(#|$)' "$snip/main.cf.snippet" >"$T_DIR/snippet.cf"
# shellcheck disable=SC2046 # one word per parameter name
postconf -c "$PF_DIR/etc" -X $(sed 's/ *=.*//' "$T_DIR/snippet.cf")
cat "$T_DIR/snippet.cf" >>"$PF_DIR/etc/main.cf"
postconf -c "$PF_DIR/etc" -e "dkim_milters="
# master.cf: the listener with the snippet's submission -o lines that need no
# TLS or SASL, chroot y; cleanup chrooted too.
opts=$(sed -n '/^submission inet/,/^[^ ]/p' "$snip/master.cf.snippet" |
	grep -E '^  -o (milter_macro_daemon_name|\{ smtpd_milters)' | tr '\n' ' ')
expect_match "$opts" 'smtpd_milters = \$guestlink_milter, \$dkim_milters' "master.cf.snippet attaches guestlink then DKIM"
sed -i "s|^127.0.0.1:$SMTP_PORT inet .*|127.0.0.1:$SMTP_PORT inet n - y - - smtpd $opts|; s|^cleanup .*|cleanup unix n - y - 0 cleanup|" \
	"$PF_DIR/etc/master.cf"
out=$(postfix -c "$PF_DIR/etc" check 2>&1) || true
expect_eq "$out" "" "postfix check is silent"
expect_eq "$(postconf -c "$PF_DIR/etc" -h milter_default_action)" tempfail "milter_default_action = tempfail"
expect_match "$(postconf -c "$PF_DIR/etc" -x -h non_smtpd_milters)" 'unix:/run/guestlink/milter.sock, default_action=tempfail' \
	"non_smtpd_milters has guestlink with default_action = tempfail"
expect_match "$(postconf -c "$PF_DIR/etc" -d -h milter_mail_macros)" '\{auth_authen\}' \
	"Postfix's default milter_mail_macros sends {auth_authen}"

sink_start "$SINK_DIR" "$SINK_PORT"
milter_start "$CONF"
pf_start "$PF_DIR"
wait_for_port "$SMTP_PORT" 10 || die "smtpd did not listen"

id=$(unique_id)
make_invite "$T_DIR/a.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
smtp_send "$T_DIR/a.eml" staff@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^250 ' "chrooted smtpd: accepted"
if [ "${SMTP_REPLY%% *}" = 250 ] && f=$(sink_wait "$id" 15); then
	expect_match "$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)" '^[0-9a-f]{32}$' \
		"chrooted smtpd: rewritten (X-Guestlink-Invitation)"
	expect_eq "$(mime "$f" links | wc -l)" 2 "chrooted smtpd: accept links"
else
	fail "chrooted smtpd: not delivered"
	tail -5 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
fi

id=$(unique_id)
make_invite "$T_DIR/b.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
pf_sendmail "$PF_DIR" -i -f staff@example.org -- guest@gmail.com <"$T_DIR/b.eml" || fail "sendmail failed"
if f=$(sink_wait "$id" 15); then
	expect_match "$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)" '^[0-9a-f]{32}$' \
		"chrooted cleanup (sendmail): rewritten"
else
	fail "chrooted cleanup (sendmail): not delivered"
	tail -5 "$(pf_log "$PF_DIR")" | sed 's/^/#   /'
fi

milter_kill
id=$(unique_id)
make_invite "$T_DIR/c.eml" "[invite] Join our research lab" "guest@gmail.com" "$id"
smtp_send "$T_DIR/c.eml" staff@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^451 4\.7\.1' "milter dead: 451 4.7.1"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
