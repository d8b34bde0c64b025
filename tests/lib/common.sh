# tests/lib/common.sh - shared helpers for the shell tests (bash, sourced).
#
# Gives a test:
#   T_DIR            a private temporary directory (mode 0755 so that the
#                    postfix user can reach sockets and spool files below it)
#   free_port        a free TCP port on 127.0.0.1
#   bg_start NAME LOG CMD...  run CMD in the background, remember its PID
#   bg_stop PID [SECS]        SIGTERM, wait up to SECS (default 10), then SIGKILL
#   wait_for_file / wait_for_port / wait_for_log / wait_for_files  (with timeouts)
#   ok / fail / expect_eq / expect_match / expect_no_match / expect_rc
#   t_done           prints "<test>: N passed, N failed" and exits 0 or 1
#
# Cleanup (trap on EXIT) kills only the PIDs that bg_start remembered, runs the
# stop hooks that others registered (the private Postfix) and removes T_DIR
# unless a check failed or KEEP=1 is set; then T_DIR is kept and printed.
# With T_LOG_ARCHIVE set (tests/e2e/run.sh sets it), it first copies the
# logs (*.log, *.err, maillog), the accept-link tokens the sink received, the
# key material, and any never-logged.txt a test wrote (one string a line
# that must appear in no log) into T_LOG_ARCHIVE/<test>/, for t-zz-logs.sh.
# With T_PERSIST=1 and T_DIR set (scripts/demo.sh) there is no cleanup at all.
#
# Nothing here starts anything by itself; nothing here kills by name.

set -eu

T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_PASS=0
T_FAIL=0
T_PIDS=""
T_STOP_HOOKS=""
BUILD=${BUILD:-.}
# Binaries are looked up relative to the source tree when BUILD is relative.
T_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$BUILD" in
/*) ;;
*) BUILD=$(cd "$T_SRC/$BUILD" 2>/dev/null && pwd || echo "$T_SRC/$BUILD") ;;
esac
MILTER_BIN="$BUILD/milter/guestlink-milter"
OTPCTL_BIN="$BUILD/otpd/otpctl"

# T_PERSIST=1 (the demo): T_DIR is given, and nothing is stopped at exit.
if [ "${T_PERSIST:-0}" = 1 ]; then
	: "${T_DIR:?T_PERSIST=1 needs T_DIR}"
	mkdir -p "$T_DIR"
else
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/guestlink-$T_NAME.XXXXXX")
fi
chmod 0755 "$T_DIR"

# --- messages --------------------------------------------------------------

note() { printf '# %s\n' "$*"; }
die() {
	printf '%s: FATAL: %s\n' "$T_NAME" "$*" >&2
	T_FAIL=$((T_FAIL + 1))
	exit 1
}

# --- assertions ------------------------------------------------------------

ok() {
	T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s\n' $((T_PASS + T_FAIL)) "$*"
}

fail() {
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok %d - %s\n' $((T_PASS + T_FAIL)) "$*"
}

# check MSG CMD... - ok when CMD succeeds
check() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else fail "$msg"; fi
}

# expect_eq GOT WANT MSG
expect_eq() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		fail "$3: got '$1', want '$2'"
	fi
}

# expect_match TEXT EXTENDED_REGEX MSG - some line of TEXT matches
expect_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		fail "$3: got '$(printf '%s' "$1" | head -c 600)', want a match for /$2/"
	fi
}

# expect_no_match TEXT EXTENDED_REGEX MSG - no line of TEXT matches
expect_no_match() {
	local hit
	if hit=$(printf '%s\n' "$1" | grep -Ee "$2" | head -3) && [ -n "$hit" ]; then
		fail "$3: got '$hit', want no match for /$2/"
	else
		ok "$3"
	fi
}

# expect_rc WANT MSG CMD... - CMD exits with status WANT
expect_rc() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >/dev/null 2>&1 || rc=$?
	expect_eq "$rc" "$want" "$msg (exit status)"
}

# expect_file_eq GOT_FILE WANT_FILE MSG - byte-identical, diff shown otherwise
expect_file_eq() {
	if cmp -s "$1" "$2"; then
		ok "$3"
	else
		fail "$3: $1 differs from $2"
		diff -u "$2" "$1" | head -40 | sed 's/^/#   /' || true
	fi
}

# --- ports and waiting -----------------------------------------------------

# free_port - print a TCP port on 127.0.0.1 that nothing listens on now.
# python3 lets the kernel choose; without it, try random high ports.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
		return
	fi
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}

# port_open PORT - something accepts connections on 127.0.0.1:PORT
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until SECS CMD... - run CMD every 0.1 s until it succeeds; 1 on timeout
wait_until() {
	local secs=$1 i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge $((secs * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

wait_for_file() { wait_until "${2:-10}" test -e "$1"; }
wait_for_socket() { wait_until "${2:-10}" test -S "$1"; }
wait_for_port() { wait_until "${2:-10}" port_open "$1"; }
# wait_for_log FILE EXTENDED_REGEX [SECS]
wait_for_log() { wait_until "${3:-10}" grep -Eq -- "$2" "$1"; }

# count_files DIR - regular files directly in DIR
count_files() {
	find "$1" -maxdepth 1 -type f | wc -l
}

# wait_for_files DIR N [SECS] - at least N regular files in DIR
wait_for_files() {
	_wff() { [ "$(count_files "$1")" -ge "$2" ]; }
	wait_until "${3:-15}" _wff "$1" "$2"
}

# --- background processes ----------------------------------------------------

# bg_start NAME LOGFILE CMD... - start CMD in the background with stdout and
# stderr appended to LOGFILE; sets BG_PID and remembers it for cleanup.
bg_start() {
	local name=$1 log=$2
	shift 2
	"$@" >>"$log" 2>&1 </dev/null &
	BG_PID=$!
	T_PIDS="$T_PIDS $BG_PID"
	note "started $name (pid $BG_PID)"
}

pid_alive() { kill -0 "$1" 2>/dev/null; }

# bg_stop PID [SECS] - SIGTERM one of our PIDs, wait for it to go, then SIGKILL.
bg_stop() {
	local pid=$1 secs=${2:-10}
	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_until "$secs" _pid_gone "$pid"; then
			note "pid $pid still there after ${secs}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			wait_until 5 _pid_gone "$pid" || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
	bg_forget "$pid"
}

# A child that has exited but not been reaped still answers kill -0: reap it.
_pid_gone() {
	if ! pid_alive "$1"; then return 0; fi
	if [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]; then
		wait "$1" 2>/dev/null || true
		return 0
	fi
	return 1
}

bg_forget() {
	local p out=""
	for p in $T_PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	T_PIDS=$out
}

# on_exit CMD - run CMD (a shell word list) at cleanup, before PIDs are killed
on_exit() { T_STOP_HOOKS="$T_STOP_HOOKS
$*"; }

_t_cleanup() {
	local rc=$? hook p
	set +e
	while IFS= read -r hook; do
		[ -n "$hook" ] && eval "$hook" >/dev/null 2>&1
	done <<EOF
$T_STOP_HOOKS
EOF
	# TERM all of ours at once, then wait for all: libmilter may take ~5 s.
	for p in $T_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		if ! wait_until "${T_STOP_WAIT:-10}" _pid_gone "$p"; then
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	[ -n "${T_LOG_ARCHIVE:-}" ] && _t_archive_logs
	if [ "$T_FAIL" -gt 0 ] || [ "$rc" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T_DIR"
	else
		rm -rf "$T_DIR"
	fi
}
# _t_archive_logs - what t-zz-logs.sh needs from this test (see above)
_t_archive_logs() {
	local a="$T_LOG_ARCHIVE/$T_NAME" f
	mkdir -p "$a" || return 0
	find "$T_DIR" -type f \( -name '*.log' -o -name '*.err' -o -name maillog \) \
		! -path '*/sink/*' -print0 2>/dev/null |
		while IFS= read -r -d '' f; do
			cp "$f" "$a/$(printf '%s' "${f#"$T_DIR"/}" | tr / _)"
		done
	# Every token delivered to a sink, and the keys, as strings no log may hold.
	{
		find "$T_DIR" -path '*/sink/*' -type f -exec grep -ohE '/accept/[A-Za-z0-9_-]{20,}' {} + 2>/dev/null |
			sed 's|^/accept/||' | sort -u
		find "$T_DIR" -type f \( -name link.key -o -name otpd.secret -o -name guest.key \) -print0 2>/dev/null |
			while IFS= read -r -d '' f; do
				od -An -tx1 -v "$f" | tr -d ' \n'; echo
				base64 -w0 "$f" | tr -d '='; echo
				base64 -w0 "$f" | tr -d '=' | tr '+/' '-_'; echo
			done
		find "$T_DIR" -type f -name never-logged.txt -exec cat {} + 2>/dev/null
	} | grep -v '^$' | sort -u >"$a/never-logged.txt"
	return 0
}
if [ "${T_PERSIST:-0}" != 1 ]; then
	trap _t_cleanup EXIT
	trap 'exit 130' INT TERM
fi

# t_done - summary line; exit status 1 when anything failed or nothing ran
t_done() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	if [ "$T_FAIL" -gt 0 ] || [ "$T_PASS" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# need_bins - the binaries the tests drive must exist
need_bins() {
	local b
	for b in "$@"; do
		[ -x "$b" ] || die "$b not built (run make)"
	done
}
