# Two hosts, one PostgreSQL: otpctl revoke-sessions and otpctl revoke take effect on every host within a
# second, though each host keeps what /auth read for under a second (store_pg.c's read cache).
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_hosts
G=guest@example.net
tok=$(token $G)
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
auth_on() { command curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $RESOURCE/index.html" "$1/auth"; }
now_ms() { date +%s%3N; }

# both_denied_within MS - poll both hosts until both answer 401; fail past MS milliseconds
both_denied_within() {
	_t0=$(now_ms)
	while :; do
		_a=$(auth_on "$H1") _b=$(auth_on "$H2")
		_dt=$(($(now_ms) - _t0))
		[ "$_a" = 401 ] && [ "$_b" = 401 ] && break
		[ "$_dt" -gt "$1" ] && fail "$2: still $_a/$_b after ${_dt} ms"
		sleep 0.05
	done
	echo "$_dt"
}

for i in 1 2 3; do
	[ "$(auth_on "$H1")" = 200 ] && [ "$(auth_on "$H2")" = 200 ] || fail "/auth before revoking (round $i)"
done
t0=$(now_ms)
"$OTPCTL" -c "$T/otpd.conf" revoke-sessions $G 2>"$T/ctl.err" || fail "revoke-sessions: $(cat "$T/ctl.err")"
dt=$(both_denied_within 1000 "revoke-sessions") || exit 1
ok "revoke-sessions: both hosts deny within 1 s of otpctl returning (${dt} ms; otpctl itself $(( $(now_ms) - t0 - dt )) ms)"

# A new sign-in (code and TOTP), then the invitation itself is revoked.
: >"$T/jar"
[ "$(html_login $G "$RESOURCE/index.html")" = 200 ] || fail "login"
page "$NGX/mfa/verify" >/dev/null
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP"
for i in 1 2 3; do
	[ "$(auth_on "$H1")" = 200 ] && [ "$(auth_on "$H2")" = 200 ] || fail "/auth after signing in again (round $i)"
done
"$OTPCTL" -c "$T/otpd.conf" revoke "$tok" 2>"$T/ctl.err" || fail "revoke: $(cat "$T/ctl.err")"
dt=$(both_denied_within 1000 "revoke") || exit 1
ok "revoke (the invitation): both hosts deny within 1 s (${dt} ms)"
