# tests/lib/otpd.sh - otpd beside the private Postfix (bash, sourced after
# common.sh): the end-to-end journey, the browser test and the demo run otpd
# on the same config file as the milter, with an [otpd] section of its own.
#
#   otpd_config CONF PORT SMTP_PORT DBDIR [EXTRA_OTPD_LINES]
#       appends [otpd] to CONF: listen on 127.0.0.1:PORT, the LMDB
#       environment in DBDIR (created, and owned by the user otpd drops to),
#       code mails to smtp://127.0.0.1:SMTP_PORT (the private Postfix's
#       listener, so they go through Postfix and the milter), plain-http
#       cookies. EXTRA: more [otpd] lines.
#   otpd_start CONF    otpd -f in the background (PID in OTPD_PID, log in
#                      OTPD_LOG, default $T_DIR/otpd.log); waits for /healthz
#   otpd_stop          SIGTERM and wait
#   OTPD_WRAPPER       a command otpd runs under (valgrind: tests/hardening/valgrind.sh), word-split;
#                      OTPD_START_WAIT seconds for /healthz (default 10)

OTPD_BIN="$BUILD/otpd/otpd"
# As root otpd must drop to a user; nobody owns nothing else here.
OTPD_USER=${OTPD_USER:-nobody}

otpd_config() {
	local conf=$1 port=$2 smtp_port=$3 db=$4 extra=${5:-}
	mkdir -p "$db"
	[ "$(id -u)" -ne 0 ] || chown "$OTPD_USER" "$db"
	cat >>"$conf" <<EOF
[otpd]
listen = 127.0.0.1:$port
user = $OTPD_USER
database = $db
smtp_url = smtp://127.0.0.1:$smtp_port
mail_from = Example University <no-reply@example.org>
cookie_secure = no
$extra
EOF
	# Not root: nobody to switch to (otpd refuses "user" then).
	[ "$(id -u)" -eq 0 ] || sed -i "/^user = $OTPD_USER\$/d" "$conf"
}

_otpd_healthy() { curl -s -o /dev/null --max-time 2 "$1/healthz"; }

otpd_start() {
	local conf=$1 listen
	listen=$(sed -n '/^\[otpd\]/,/^\[/s/^listen = //p' "$conf" | head -1)
	OTPD_LOG=${OTPD_LOG:-$T_DIR/otpd.log}
	# shellcheck disable=SC2086
	bg_start otpd "$OTPD_LOG" ${OTPD_WRAPPER:-} "$OTPD_BIN" -c "$conf" -f
	OTPD_PID=$BG_PID
	if ! wait_until "${OTPD_START_WAIT:-10}" _otpd_healthy "http://$listen"; then
		tail -20 "$OTPD_LOG" >&2
		die "otpd did not answer on http://$listen/healthz"
	fi
}

otpd_stop() {
	[ -n "${OTPD_PID:-}" ] || return 0
	bg_stop "$OTPD_PID" "${OTPD_STOP_WAIT:-10}"
	OTPD_PID=
}
