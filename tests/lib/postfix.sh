# tests/lib/postfix.sh - a private Postfix, an smtp-sink and the milter, on
# loopback, for the end-to-end tests and the demo (bash, sourced after
# common.sh). See /work/shared/POSTFIX-TESTING.md for why each setting is here.
#
#   pf_create DIR SMTP_PORT SINK_PORT [MILTER_SOCKET]
#       builds an instance under DIR (etc/ spool/ data/ log/): a listener on
#       127.0.0.1:SMTP_PORT that stands for the submission service (milter
#       attached with -o smtpd_milters), non_smtpd_milters for sendmail, all
#       mail relayed to [127.0.0.1]:SINK_PORT, milter_default_action=tempfail.
#       MILTER_SOCKET is "unix:/path" (empty: no milter).
#   pf_start DIR / pf_stop DIR  (pf_start registers pf_stop for cleanup)
#   pf_sendmail DIR ARGS...     sendmail -C DIR/etc ARGS... (message on stdin)
#   pf_flush DIR                postqueue -f: retry deferred mail and maildrop
#   pf_queue_count DIR          messages in maildrop, incoming, active, deferred, hold
#   pf_queue_empty DIR
#   pf_log DIR                  path of the maillog
#   sink_start DIR PORT         smtp-sink writing one file per message into DIR
#   sink_body FILE / sink_headers FILE  parts of a captured message, without
#                               smtp-sink's own X-* records
#   milter_config FILE KEYDIR SOCKDIR [EXTRA_MILTER_LINES]
#   milter_start CONF           guestlink-milter -f, PID in MILTER_PID, log in
#                               MILTER_LOG; waits for the socket. MILTER_WRAPPER
#                               (word-split) goes before the binary, e.g.
#                               "valgrind --log-file=... " (tests/hardening/valgrind.sh);
#                               MILTER_START_WAIT / MILTER_STOP_WAIT seconds
#                               (default 10) for a slow wrapper
#   milter_stop / milter_kill   SIGTERM and wait (10 s) / SIGKILL

PF_BIN=/usr/sbin/postfix

pf_create() {
	local dir=$1 smtp_port=$2 sink_port=$3 sock=${4:-}
	local milt_opt=""

	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/log"
	chown postfix "$dir/data"
	: >"$dir/etc/main.cf"
	[ -n "$sock" ] && milt_opt=" -o smtpd_milters=$sock"

	postconf -c "$dir/etc" -e \
		"compatibility_level=3.6" \
		"queue_directory=$dir/spool" \
		"data_directory=$dir/data" \
		"maillog_file=$dir/log/maillog" \
		"maillog_file_prefixes=$dir" \
		"myhostname=mx.guestlink-test.invalid" \
		"mydomain=guestlink-test.invalid" \
		"myorigin=\$myhostname" \
		"inet_interfaces=127.0.0.1" \
		"inet_protocols=ipv4" \
		"mydestination=" \
		"local_recipient_maps=" \
		"relay_domains=" \
		"alias_maps=" \
		"alias_database=" \
		"mynetworks=127.0.0.0/8" \
		"relayhost=[127.0.0.1]:$sink_port" \
		"smtpd_relay_restrictions=permit_mynetworks, reject" \
		"smtp_tls_security_level=none" \
		"smtpd_milters=" \
		"non_smtpd_milters=$sock" \
		"milter_default_action=tempfail" \
		"milter_macro_daemon_name=ORIGINATING" \
		"queue_run_delay=60s" \
		"minimal_backoff_time=60s" \
		"maximal_backoff_time=120s" \
		"biff=no" \
		"append_dot_mydomain=no" \
		"smtputf8_enable=no" \
		"message_size_limit=40000000"

	# chroot n everywhere: no jail, so absolute unix socket paths work as is.
	cat >"$dir/etc/master.cf" <<EOF
# private test instance; service type private unpriv chroot wakeup maxproc command
127.0.0.1:$smtp_port inet n - n - - smtpd$milt_opt
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

pf_start() {
	local dir=$1
	"$PF_BIN" -c "$dir/etc" start >"$dir/log/start.out" 2>&1 ||
		die "postfix start failed: $(cat "$dir/log/start.out")"
	on_exit pf_stop "$dir"
	wait_for_file "$dir/data/master.lock" 10 || die "postfix master did not start"
}

pf_stop() {
	local dir=$1
	[ -e "$dir/spool/pid/master.pid" ] || return 0
	"$PF_BIN" -c "$dir/etc" stop >/dev/null 2>&1 || true
	# "postfix stop" returns before the master has gone: wait for its PID.
	local pid
	pid=$(tr -dc 0-9 <"$dir/spool/pid/master.pid" 2>/dev/null || true)
	[ -n "$pid" ] && wait_until 10 _pf_master_gone "$pid" || true
}

_pf_master_gone() { ! kill -0 "$1" 2>/dev/null; }

pf_log() { echo "$1/log/maillog"; }

pf_sendmail() {
	local dir=$1
	shift
	/usr/sbin/sendmail -C "$dir/etc" "$@"
}

pf_flush() { postqueue -c "$1/etc" -f; }

pf_queue_count() {
	local dir=$1
	find "$dir/spool/maildrop" "$dir/spool/incoming" "$dir/spool/active" \
		"$dir/spool/deferred" "$dir/spool/hold" -type f 2>/dev/null | wc -l
}

pf_queue_empty() { [ "$(pf_queue_count "$1")" -eq 0 ]; }

# --- the sink ----------------------------------------------------------------

# sink_start DIR PORT - every message Postfix relays lands in DIR as one file.
sink_start() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postfix "$dir"
	bg_start smtp-sink "$dir.log" smtp-sink -u postfix -h sink.guestlink-test.invalid \
		-d "$dir/%H%M%S." "127.0.0.1:$port" 128
	SINK_PID=$BG_PID
	wait_for_port "$port" 10 || die "smtp-sink did not listen on $port"
}

# The capture file: smtp-sink's X-Client-Addr/X-Mail-Args/X-Rcpt-Args... and
# its Received: line, then the message as Postfix sent it (LF line ends).
_sink_strip_records() {
	awk 'BEGIN { rec = 1 }
	     rec && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
	     { rec = 0; print }' "$1"
}

# sink_message FILE - the message without smtp-sink's records, its Received:
# and the empty line smtp-sink writes after the end of the data.
sink_message() {
	_sink_strip_records "$1" | awk '
	     NR == 1 && /^Received: / { skip = 1; next }
	     skip && /^[ \t]/ { next }
	     { skip = 0; if (held) print last; last = $0; held = 1 }
	     END { if (held && last != "") print last }'
}

# sink_headers FILE - the header block (up to the empty line, not included)
sink_headers() { sink_message "$1" | awk '/^$/ { exit } { print }'; }

# sink_body FILE - everything after the first empty line
sink_body() { sink_message "$1" | awk 'b { print } /^$/ && !b { b = 1 }'; }

# sink_rcpts FILE - envelope recipients, one a line
sink_rcpts() { sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1"; }

# header_value HEADERS NAME - unfolded value of the first NAME: header
header_value() {
	printf '%s\n' "$1" | awk -v name="$2" '
	     BEGIN { want = tolower(name) ":" }
	     found && /^[ \t]/ { sub(/^[ \t]+/, " "); v = v $0; next }
	     found { exit }
	     tolower(substr($0, 1, length(want))) == want { found = 1; v = substr($0, length(want) + 1); sub(/^[ \t]+/, "", v) }
	     END { if (found) print v }'
}

# strip_received HEADERS - headers without Received: (and its continuation lines)
strip_received() {
	printf '%s\n' "$1" | awk '/^Received: / { skip = 1; next } skip && /^[ \t]/ { next } { skip = 0; print }'
}

# --- the milter --------------------------------------------------------------

# make_keys DIR - otpctl keygen into DIR (quietly)
make_keys() {
	"$OTPCTL_BIN" keygen "$1" >"$1.keygen.out" 2>&1 || die "otpctl keygen failed: $(cat "$1.keygen.out")"
}

# milter_config FILE KEYDIR SOCKDIR [EXTRA] - the test configuration. The
# socket directory belongs to postfix: as root the milter drops to that user.
# EXTRA: more [milter] lines (a key given twice is an error: use sed for those).
# SASL logins without @ are named login@example.org (login_domain); only
# staff@example.org may invite with the sendmail command (local_submitters).
milter_config() {
	local conf=$1 keys=$2 sockdir=$3 extra=${4:-}
	mkdir -p "$sockdir"
	[ "$(id -u)" -ne 0 ] || chown postfix "$sockdir"
	MILTER_SOCK_PATH="$sockdir/milter.sock"
	MILTER_SOCK="unix:$MILTER_SOCK_PATH"
	cat >"$conf" <<EOF
; guestlink test configuration
[guestlink]
public_url = https://guest.example.org
org_name = Example University
internal_domains = example.org
[keys]
signing_key = $keys/link.key
verify_keys = $keys/
secret = $keys/otpd.secret
guest_key = $keys/guest.key
[milter]
socket = $MILTER_SOCK
user = postfix
trusted_networks = 127.0.0.1/32
login_domain = example.org
local_submitters = staff@example.org
resources = https://teams.example.org/ https://wiki.example.org/space/
$extra
EOF
	# Not root: nobody to switch to (the milter refuses "user" then).
	[ "$(id -u)" -eq 0 ] || sed -i '/^user = /d' "$conf"
}

# milter_start CONF - run the milter in the foreground (as a background job);
# its log (every run, appended) is $MILTER_LOG
milter_start() {
	local conf=$1
	local sock
	sock=$(sed -n 's/^socket *= *unix://p' "$conf" | head -1)
	MILTER_LOG=${MILTER_LOG:-$T_DIR/milter.log}
	rm -f "$sock"
	# shellcheck disable=SC2086 # MILTER_WRAPPER is a command line on purpose
	bg_start guestlink-milter "$MILTER_LOG" ${MILTER_WRAPPER:-} "$MILTER_BIN" -c "$conf" -f
	MILTER_PID=$BG_PID
	if ! wait_for_socket "$sock" "${MILTER_START_WAIT:-10}"; then
		cat "$MILTER_LOG" >&2
		die "guestlink-milter did not create $sock"
	fi
}

# milter_stop - SIGTERM, and wait for the PID (libmilter takes up to ~5 s)
milter_stop() {
	[ -n "${MILTER_PID:-}" ] || return 0
	bg_stop "$MILTER_PID" "${MILTER_STOP_WAIT:-10}"
	MILTER_PID=
}

milter_kill() {
	[ -n "${MILTER_PID:-}" ] || return 0
	kill -KILL "$MILTER_PID" 2>/dev/null || true
	wait_until 5 _pid_gone "$MILTER_PID" || true
	wait "$MILTER_PID" 2>/dev/null || true
	bg_forget "$MILTER_PID"
	MILTER_PID=
}

# milter_logs - everything the milter wrote so far (all runs)
milter_logs() {
	cat "$MILTER_LOG" 2>/dev/null || true
}
