#!/bin/sh
# t-otpd-relay-outage.sh - the SMTP relay is down for RELAY_OUTAGE seconds (default 20; the retry
# schedule for a minute and longer is tests/unit/test_otpd_outbox.c) while guests ask for codes at its
# start, middle and end: each gets 202 at once, its mail waits in the outbox, and goes out within
# OUTBOX_MAX_BACKOFF (15 s) of the relay's return; every code then works.
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
OUTAGE=${RELAY_OUTAGE:-20}
setup "mail_interval = 0s"
start_otpd
tok=$(token g1@example.net g2@example.net g3@example.net)
t0=$(date +%s)
ask() {
	r=$(api "/api/v1/accept/$tok/email" "{\"email\":\"$1\"}")
	[ "$r" = '202 {"status":"accepted"}' ] || fail "$1 during the outage: $r"
}
ask g1@example.net
sleep $((OUTAGE / 2))
ask g2@example.net
sleep $((OUTAGE - OUTAGE / 2 - 1))
ask g3@example.net
sleep 1
[ "$(grep -c 'event=code_mail_deferred' "$T/otpd.log")" -ge 3 ] || fail "no deferred attempts logged"
ok "relay down ${OUTAGE}s: 3 guests answered 202 at once, their mails deferred"
back=$(date +%s)
start_sink
wait_mails 3 20 || fail "only $(mail_count) of 3 mails after the relay came back"
late=$(($(date +%s) - back))
[ "$late" -le 17 ] || fail "mails went out ${late}s after the relay came back (want <= 15 + 2)"
ok "all 3 mails out ${late}s after the relay came back (outage $((back - t0))s)"
for g in g1 g2 g3; do
	f=$(grep -l "^To: <$g@example.net>" "$T/sink"/* | head -1)
	code=$(tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1)
	r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$g@example.net\",\"code\":\"$code\"}")
	[ "${r%% *}" = 200 ] || fail "$g's code: $r"
done
ok "every code works"
