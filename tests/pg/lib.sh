# lib.sh - two otpd hosts on one PostgreSQL database behind nginx round-robin (sourced by tests/pg/t-*.sh,
# after tests/otpd/lib.sh with OTPD_TEST_PG=1, which tests/pg/run.sh sets).
#
#   start_hosts [extra [otpd] lines for host 2...]
#       host 1 is tests/otpd/lib.sh's otpd ($HTTP_PORT, $T/otpd.conf), host 2 the same config on $HTTP_PORT2
#       ($T/otpd2.conf; both log to $T/otpd.log); nginx in front of both (upstream round-robin), public_url is
#       nginx; BASE becomes nginx. H1 and H2 are the hosts' own base URLs.
#       HOST1_EDIT, if set, is a sed script applied to host 1's config only.
#   kill_host2 [SIGNAL]
#   upstreams_used   how many requests each upstream served (from nginx's access log)
[ "${OTPD_TEST_PG:-0}" = 1 ] || { echo "FAIL: tests/pg needs OTPD_TEST_PG=1 (run it through tests/pg/run.sh)" >&2; exit 1; }
OTPD2_PID=
CLEANUP_HOOK='[ -n "$OTPD2_PID" ] && kill "$OTPD2_PID" 2>/dev/null && wait "$OTPD2_PID" 2>/dev/null'

start_otpd2() {
	# shellcheck disable=SC2086
	$OTPD_WRAPPER "$OTPD" -f -c "$T/otpd2.conf" >>"$T/otpd.log" 2>&1 &
	OTPD2_PID=$!
	for _ in $(seq $((OTPD_START_WAIT * 10))); do
		curl -s -o /dev/null "$H2/healthz" && return 0
		sleep 0.1
	done
	fail "otpd host 2 did not start"
}

kill_host2() {
	kill "-${1:-TERM}" "$OTPD2_PID" 2>/dev/null
	wait "$OTPD2_PID" 2>/dev/null
	OTPD2_PID=
}

start_hosts() {
	HTTP_PORT2=$(free_port)
	H1=http://127.0.0.1:$HTTP_PORT
	H2=http://127.0.0.1:$HTTP_PORT2
	# max_fails=0: a host that is down (killed, restarting) is tried again at once, not shunned for 10 s.
	NGINX_UPSTREAMS="127.0.0.1:$HTTP_PORT max_fails=0,127.0.0.1:$HTTP_PORT2 max_fails=0"
	start_nginx
	sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
	sed "s|^listen = .*|listen = 127.0.0.1:$HTTP_PORT2|" "$T/otpd.conf" >"$T/otpd2.conf"
	for line in "$@"; do echo "$line" >>"$T/otpd2.conf"; done
	# HOST1_EDIT: a sed script for host 1's config only (t-outbox-kill.sh gives it a relay that hangs).
	[ -n "${HOST1_EDIT:-}" ] && sed -i "$HOST1_EDIT" "$T/otpd.conf"
	BASE=$H1
	start_otpd
	start_otpd2
	: >"$T/nginx/access.log"	# nginx's start-up probe found no otpd yet: count from here
	BASE=$NGX
	RESOURCE=$NGX/team/42
}

upstreams_used() { awk '{print $4}' "$T/nginx/access.log" | grep -v '^-$' | sort | uniq -c; }

# alternating - true when consecutive otpd requests in nginx's log went to different hosts, for all of them
alternating() {
	awk '$4 != "-" { if (prev != "" && prev == $4) bad++; prev = $4 } END { exit bad ? 1 : 0 }' "$T/nginx/access.log"
}
