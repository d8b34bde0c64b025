# lib.sh - helpers for otpd integration scenarios (sourced by t-*.sh).
#
# Each scenario gets its own temp dir with keys, an LMDB directory, a real
# smtp-sink catching code mails, and a real otpd on a free loopback port.
# Processes started here are ended by their PID in cleanup.
set -u

BUILD=${BUILD:-.}
OTPD=$BUILD/otpd/otpd
OTPCTL=$BUILD/otpd/otpctl
MKTOKEN=$BUILD/tests/otpd/mktoken
RESOURCE=https://teams.example.org/team/42
INVITER=staff@example.org

T=$(mktemp -d /tmp/otpd-test.XXXXXX)
chmod 0755 "$T"
SINK_PID=
OTPD_PID=

fail() { echo "FAIL: $*" >&2; [ -f "$T/otpd.log" ] && tail -20 "$T/otpd.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cleanup() {
	rc=$?
	[ -n "$OTPD_PID" ] && kill "$OTPD_PID" 2>/dev/null && wait "$OTPD_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	# Under SAN=1 a sanitizer report in otpd's log fails the scenario.
	if [ -f "$T/otpd.log" ] && grep -q 'Sanitizer' "$T/otpd.log"; then
		cat "$T/otpd.log" >&2
		rc=1
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# setup [extra [otpd] lines...]
setup() {
	"$OTPCTL" keygen "$T/keys" >/dev/null || fail "keygen"
	SIGNING_KEY=$T/keys/link.key
	HTTP_PORT=$(free_port)
	SMTP_PORT=$(free_port)
	mkdir -p "$T/sink"
	chown postfix "$T/sink" 2>/dev/null || chmod 0777 "$T/sink"
	cat >"$T/otpd.conf" <<EOC
[guestlink]
public_url = http://127.0.0.1:$HTTP_PORT
org_name = Example University
internal_domains = example.org
[keys]
verify_keys = $T/keys/
secret = $T/keys/otpd.secret
[otpd]
listen = 127.0.0.1:$HTTP_PORT
user = nobody
database = $T/db
smtp_url = smtp://127.0.0.1:$SMTP_PORT
mail_from = Example University <no-reply@example.org>
cookie_secure = no
EOC
	for line in "$@"; do echo "$line" >>"$T/otpd.conf"; done
	BASE=http://127.0.0.1:$HTTP_PORT
}

start_sink() {
	smtp-sink -u postfix -d "$T/sink/%H%M%S." "127.0.0.1:$SMTP_PORT" 100 &
	SINK_PID=$!
	sleep 0.3
}

stop_sink() {
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}

start_otpd() {
	"$OTPD" -f -c "$T/otpd.conf" >>"$T/otpd.log" 2>&1 &
	OTPD_PID=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "$BASE/healthz" && return 0
		sleep 0.1
	done
	fail "otpd did not start"
}

kill_otpd() { # kill_otpd [SIGNAL]
	kill "-${1:-TERM}" "$OTPD_PID" 2>/dev/null
	wait "$OTPD_PID" 2>/dev/null
	OTPD_PID=
}

token() { # token GUEST... (ttl 1 day, issued now)
	"$MKTOKEN" "$SIGNING_KEY" "$INVITER" "$RESOURCE" 0 86400 "$@"
}

# api POST_PATH JSON -> prints "STATUS BODY"; headers in $T/h
api() {
	curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' --data "$2" "$BASE$1" >"$T/s"
	echo "$(cat "$T/s") $(cat "$T/b")"
}

mail_count() { find "$T/sink" -type f | wc -l; }

wait_mails() { # wait_mails N [SECONDS]
	for _ in $(seq $((${2:-10} * 10))); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# latest_code - the 8-digit line of the newest mail
latest_code() {
	f=$(ls -t "$T/sink"/* 2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1
}
