#!/bin/bash
# t-concurrent.sh - 200 SMTP sessions with an invitation each, all at once:
# Postfix holds 200 milter connections at the same moment (counted as the
# milter's open sockets; libmilter serves them from a pool of workers), then all 200 send their data together. Every one is
# answered 250 and delivered rewritten with its own invitation id, and the
# milter's peak resident set stays under RSS_MAX_KB (100 MB).
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

N=${CONCURRENT_SESSIONS:-200}
RSS_MAX_KB=${RSS_MAX_KB:-102400}

e2e_setup
# Room for N smtpd processes at once (the default is 100); 127.0.0.0/8 is
# already exempt from the per-client connection limits (mynetworks).
postconf -c "$PF_DIR/etc" -e "default_process_limit=$((N + 50))"
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1 || die "postfix reload failed"
sleep 1

make_invite "$T_DIR/inv.eml" "[invite] Join our research lab" "guest@gmail.com" "placeholder@test"
prefix="$T_NAME.$$"
rc=0
out=$(python3 "$T_SRC/tests/hardening/smtpflood.py" "$SMTP_PORT" "$N" "$T_DIR/inv.eml" "$MILTER_PID" "$prefix" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
expect_eq "$rc" 0 "smtpflood: every session got 250"
expect_eq "$(printf '%s\n' "$out" | sed -n 's/^sessions_open //p')" "$N" "$N sessions open at once (through RCPT)"
socks=$(printf '%s\n' "$out" | sed -n 's/^milter_sockets //p')
if [ "${socks:-0}" -ge "$N" ]; then
	ok "the milter held $socks sockets with all sessions open (a connection per session)"
else
	fail "the milter had ${socks:-?} sockets with $N sessions open: they were not concurrent"
fi
expect_eq "$(printf '%s\n' "$out" | sed -n 's/^reply 250 //p')" "$N" "$N replies 250 to the data"
hwm=$(printf '%s\n' "$out" | sed -n 's/^milter_vmhwm_kb //p')
if [ "${hwm:-999999999}" -le "$RSS_MAX_KB" ]; then
	ok "milter peak RSS ${hwm} kB <= $RSS_MAX_KB kB"
else
	fail "milter peak RSS ${hwm:-?} kB > $RSS_MAX_KB kB"
fi

if wait_for_files "$SINK_DIR" "$N" 60; then ok "$N messages delivered"; else fail "only $(count_files "$SINK_DIR") of $N delivered"; fi
expect_eq "$(count_files "$SINK_DIR")" "$N" "exactly $N messages in the sink"
expect_eq "$(grep -L '^X-Guestlink-Invitation: [0-9a-f]\{32\}$' "$SINK_DIR"/* | wc -l)" 0 \
	"every one has X-Guestlink-Invitation"
expect_eq "$(grep -h '^X-Guestlink-Invitation: ' "$SINK_DIR"/* | sort -u | wc -l)" "$N" "$N distinct invitation ids"
expect_eq "$(grep -l 'teams\.example\.org' "$SINK_DIR"/* | wc -l)" 0 "no raw resource URL in any of them"
expect_eq "$(grep -h '^Message-ID: <' "$SINK_DIR"/* | sort -u | wc -l)" "$N" "each session's own message arrived once"
# Each token names its own guest (guestK@gmail.com) and no other.
f=$(grep -l -F "<$prefix.7@test.example.org>" "$SINK_DIR"/* | head -1)
link=$(mime "$f" links 2>/dev/null | head -1)
expect_rc 0 "session 7's link is for guest7@gmail.com" inspect "$link" --email guest7@gmail.com
expect_rc 1 "session 7's link is not for guest8@gmail.com" inspect "$link" --email guest8@gmail.com
check "the milter is still running" pid_alive "$MILTER_PID"
expect_no_match "$(milter_logs)" 'level=(error|fatal|panic)' "no error in the milter log"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
