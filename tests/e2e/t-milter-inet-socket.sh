#!/bin/bash
# t-milter-inet-socket.sh - the milter refuses a TCP socket (red team 2, finding 02).
#   The milter believes every macro its peer sends ({auth_authen}, {client_addr}), so whoever can
#   connect to its socket speaks the milter protocol as "staff" and gets the signed accept link back
#   in the replaced body. A unix socket (0660, the guestlink group) keeps local users out; an
#   `inet:PORT@HOST` or `inet6:PORT@HOST` socket lets every local user of the mail host mint
#   invitations as any staff member (findings/02-milter-inet-socket-mint.sh did it as `nobody`).
#   So, for `socket = inet:…` and `socket = inet6:…`:
#     - `guestlink-milter -n` exits non-zero with a message naming FILE:LINE of the socket line,
#       the key `socket`, and saying to use unix:/path;
#     - a real start exits non-zero the same way, and nothing listens on the port.
#   A unix: socket still passes -n ("configuration OK").
# No Postfix here: only the milter binary and its config check (a few seconds).
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN"
KEYS="$T_DIR/keys"
make_keys "$KEYS"
CONF="$T_DIR/guestlink.conf"
milter_config "$CONF" "$KEYS" "$T_DIR/run"

# The unix socket the harness writes: accepted.
expect_eq "$("$MILTER_BIN" -c "$CONF" -n 2>&1)" "configuration OK" "socket = unix:/path: -n accepts it"

# exited PID - the process is gone or a zombie (its status still to be collected by wait)
exited() { [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]; }
# tcp_open HOST PORT - something accepts a connection there
tcp_open() { python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.5)' "$1" "$2" 2>/dev/null; }

for fam in inet inet6; do
	port=$(free_port)
	case $fam in
	inet) host=127.0.0.1 sock="inet:$port@127.0.0.1" ;;
	inet6) host=::1 sock="inet6:$port@::1" ;;
	esac
	sed -i "s|^socket = .*|socket = $sock|" "$CONF"
	line=$(grep -n '^socket = ' "$CONF" | cut -d: -f1)

	rc=0
	out=$("$MILTER_BIN" -c "$CONF" -n 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then ok "socket = $sock: -n exits non-zero ($rc)"; else fail "socket = $sock: -n exit 0 ($out)"; fi
	expect_match "$out" "$CONF:$line:" "socket = $sock: -n names the file and line ($CONF:$line)"
	expect_match "$out" "socket" "socket = $sock: -n names the key socket"
	expect_match "$out" "unix:/" "socket = $sock: -n says to use unix:/path"
	expect_no_match "$out" "^configuration OK" "socket = $sock: -n does not say configuration OK"

	# A real start: it must exit by itself, before anything listens on the port.
	log="$T_DIR/start-$fam.log"
	bg_start guestlink-milter "$log" "$MILTER_BIN" -c "$CONF" -f
	pid=$BG_PID
	listened=no
	for _ in $(seq 50); do
		exited "$pid" && break
		if tcp_open "$host" "$port"; then listened=yes; break; fi
		sleep 0.1
	done
	if exited "$pid"; then
		rc=0
		wait "$pid" || rc=$?
		bg_forget "$pid"
		if [ "$rc" -ne 0 ]; then ok "socket = $sock: a real start exits non-zero ($rc)"; else fail "socket = $sock: a real start exit 0"; fi
	else
		fail "socket = $sock: a real start keeps running (listening on $sock: $listened)"
		bg_stop "$pid"
	fi
	expect_eq "$listened" no "socket = $sock: the start never listened on $host port $port"
	out=$(cat "$log")
	expect_match "$out" "$CONF:$line:.*socket" "socket = $sock: the start names file:line and the key socket"
	expect_match "$out" "unix:/" "socket = $sock: the start says to use unix:/path"
done
t_done
