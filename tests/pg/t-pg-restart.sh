# Two hosts, one PostgreSQL, and PostgreSQL goes away mid-run: while it is down both hosts answer 503
# (healthz, /auth, the email step), never 401 or a 2xx they cannot keep; once it is back both reconnect
# by themselves, the session from before still opens the resource, and every code request that got 202
# (before, during and after the outage, from a load running throughout) gets its mail.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_mails_per_hour = 100000"
start_sink
start_hosts
G=guest@example.net
tok=$(token $G)
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
auth_on() { command curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $RESOURCE/index.html" "$1/auth"; }
[ "$(auth_on "$H1")" = 200 ] && [ "$(auth_on "$H2")" = 200 ] || fail "/auth before"
base_mails=$(mail_count)

# The load: 60 guests, one code request each, alternating hosts, through the outage (bounded: 60 requests).
guests=$(seq -f 'l%g@example.net' 60 | tr '\n' ' ')
# shellcheck disable=SC2086
ltok=$(token $guests)
(
	i=0
	for g in $guests; do
		i=$((i + 1))
		h=$H1
		[ $((i % 2)) = 0 ] && h=$H2
		s=$(command curl -s -m 10 -w '%{http_code}' -o /dev/null -H 'Content-Type: application/json' \
			--data "{\"email\":\"$g\"}" "$h/api/v1/accept/$ltok/email")
		echo "$g $s" >>"$T/load"
		sleep 0.15
	done
) &
LOAD_PID=$!
CLEANUP_HOOK="$CLEANUP_HOOK; kill $LOAD_PID 2>/dev/null; wait $LOAD_PID 2>/dev/null"
sleep 2
PG_STOPPED=1
# Whatever happens, the cluster is up again for the scenarios after this one.
CLEANUP_HOOK="$CLEANUP_HOOK; [ \"\$PG_STOPPED\" = 1 ] && pg_start_again"
pg_stop_only || fail "pg_ctl stop"
sleep 1.5
for h in "$H1" "$H2"; do
	s=$(command curl -s -o /dev/null -w '%{http_code}' "$h/healthz")
	[ "$s" = 503 ] || fail "$h/healthz with PostgreSQL down: $s, want 503"
	s=$(auth_on "$h")
	[ "$s" = 503 ] || fail "$h/auth with PostgreSQL down: $s, want 503"
	s=$(command curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data "{\"email\":\"$G\"}" "$h/api/v1/accept/$tok/email")
	[ "$s" = 503 ] || fail "$h email step with PostgreSQL down: $s, want 503"
done
ok "PostgreSQL down: both hosts answer 503 (healthz, /auth, email step)"
sleep 1
pg_start_again || fail "pg_ctl start"
PG_STOPPED=0
t0=$(date +%s)
for h in "$H1" "$H2"; do
	for _ in $(seq 100); do
		[ "$(command curl -s -o /dev/null -w '%{http_code}' "$h/healthz")" = 200 ] && break
		sleep 0.1
	done
	[ "$(command curl -s -o /dev/null -w '%{http_code}' "$h/healthz")" = 200 ] || fail "$h did not reconnect"
done
ok "PostgreSQL back: both hosts reconnected by themselves within $(($(date +%s) - t0)) s"
[ "$(auth_on "$H1")" = 200 ] && [ "$(auth_on "$H2")" = 200 ] || fail "the session from before the outage is gone"
wait "$LOAD_PID"
accepted=$(grep -c ' 202$' "$T/load")
refused=$(grep -c ' 503$' "$T/load")
[ $((accepted + refused)) = 60 ] || fail "load answers other than 202/503: $(grep -v -e ' 202$' -e ' 503$' "$T/load" | head -3)"
[ "$refused" -gt 0 ] || fail "no request of the load met the outage"
wait_mails $((base_mails + accepted)) 30 || fail "$(( $(mail_count) - base_mails )) mails for $accepted accepted requests"
for g in $(grep ' 202$' "$T/load" | cut -d' ' -f1); do
	grep -qli "$g" "$T"/sink/* || fail "no mail for $g, whose request got 202"
done
ok "load through the outage: $accepted got 202 and every one its mail, $refused got 503"
grep -q 'event=store_unavailable' "$T/otpd.log" || fail "no store_unavailable log line"
grep -q 'event=store_reconnected' "$T/otpd.log" || fail "no store_reconnected log line"
