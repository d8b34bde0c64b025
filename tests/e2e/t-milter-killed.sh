#!/bin/bash
# t-milter-killed.sh - a dead milter loses nothing and lets nothing through
# unrewritten (milter_default_action = tempfail):
#   - killed before the session: SMTP gets 451, nothing is queued;
#   - killed in the middle of a session (after RCPT): end of DATA gets 451;
#   - sendmail: the mail waits in the maildrop; once the milter is back and
#     the queue is flushed it is delivered rewritten.
# The SMTP client then retries (as a real client does after 4xx) and every
# mail arrives exactly once, rewritten.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup
milter_kill
check "the milter socket is dead" test -S "$MILTER_SOCK_PATH"

# 1. SMTP while the milter is dead.
id1=$(unique_id)
make_invite "$T_DIR/k1.eml" "[invite] Join our research lab" "guest@gmail.com" "$id1"
rc=0
smtp_send "$T_DIR/k1.eml" staff@example.org guest@gmail.com || rc=$?
if [ "$rc" -ne 0 ]; then ok "SMTP, milter dead: swaks reports a failure (exit $rc)"; else fail "SMTP, milter dead: swaks exit 0"; fi
expect_match "$SMTP_REPLY" '^451 4\.7\.1' "SMTP, milter dead: 451 4.7.1"

# 2. sendmail while the milter is dead: accepted locally, kept in the maildrop.
id2=$(unique_id)
make_invite "$T_DIR/k2.eml" "[invite] Join our research lab" "guest2@gmail.com" "$id2"
rc=0
pf_sendmail "$PF_DIR" -i -f staff@example.org -- guest2@gmail.com <"$T_DIR/k2.eml" || rc=$?
expect_eq "$rc" 0 "sendmail, milter dead: sendmail accepted the mail"
log=$(pf_log "$PF_DIR")
if wait_for_log "$log" 'pickup.*(milter|Milter)|cleanup.*milter.*(connect|refused|No such)' 15; then
	ok "sendmail, milter dead: Postfix tried the milter"
else
	fail "sendmail, milter dead: no milter error in the maillog"
fi
sleep 1
expect_eq "$(pf_queue_count "$PF_DIR")" 1 "sendmail, milter dead: the mail waits in the queue"
expect_eq "$(count_files "$SINK_DIR")" 0 "milter dead: nothing delivered"

# 3. Milter alive at RCPT, killed before DATA ends.
milter_start "$CONF"
id3=$(unique_id)
make_invite "$T_DIR/k3.eml" "[invite] Join our research lab" "guest3@gmail.com" "$id3"
reply=$(python3 - "$SMTP_PORT" "$MILTER_PID" "$T_DIR/k3.eml" <<'PY' 2>&1 || true
import os, signal, smtplib, sys, time
port, pid, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.example.org")
s.mail("staff@example.org")
code, _ = s.rcpt("guest3@gmail.com")
print("rcpt", code)
os.kill(pid, signal.SIGKILL)      # the milter's PID, which the test started
time.sleep(0.5)
try:
    code, msg = s.data(open(path, "rb").read())
except smtplib.SMTPResponseException as e:     # refused at the DATA command itself
    code, msg = e.smtp_code, e.smtp_error
print("data", code, msg.decode())
s.close()
PY
)
milter_kill
expect_match "$reply" '^rcpt 250' "killed mid-session: RCPT accepted while the milter ran"
expect_match "$reply" '^data 451 4\.7\.1' "killed mid-session: DATA gets 451 4.7.1"

# 4. Milter back: flush, and the clients retry.
milter_start "$CONF"
pf_flush "$PF_DIR" || true
rc=0
smtp_send "$T_DIR/k1.eml" staff@example.org guest@gmail.com || rc=$?
expect_match "$SMTP_REPLY" '^250 ' "SMTP retry: accepted"
smtp_send "$T_DIR/k3.eml" staff@example.org guest3@gmail.com || rc=$?
expect_match "$SMTP_REPLY" '^250 ' "SMTP retry after mid-session kill: accepted"

n=1
for pair in "$id1 guest@gmail.com" "$id2 guest2@gmail.com" "$id3 guest3@gmail.com"; do
	set -- $pair
	if f=$(sink_wait "$1" 20); then
		ok "mail $n delivered after the milter came back"
		check_invitation "$f" 1 "$2" nobody@gmail.com
		expect_eq "$(grep -l -F -- "<$1>" "$SINK_DIR"/* | wc -l)" 1 "mail $n delivered exactly once"
	else
		fail "mail $n (<$1>) never delivered"
		tail -20 "$log" | sed 's/^/#   /'
	fi
	n=$((n + 1))
done
expect_eq "$(count_files "$SINK_DIR")" 3 "three mails sent, three delivered: nothing lost"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
