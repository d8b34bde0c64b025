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
# OTPD_WRAPPER: a command otpd runs under (valgrind, tests/hardening/valgrind.sh); word-split on purpose.
OTPD_WRAPPER=${OTPD_WRAPPER:-}
OTPD_START_WAIT=${OTPD_START_WAIT:-5}

# OTPD_TEST_PG=1 (tests/pg/run.sh, which runs a private PostgreSQL and exports PG_*): each scenario gets a
# fresh PostgreSQL database instead of an LMDB directory; DB_LINES are the [otpd] lines naming it.
[ "${OTPD_TEST_PG:-0}" = 1 ] && . tests/lib/pg.sh

# settle_revocation - after otpctl revoke / revoke-sessions: on PostgreSQL a host may answer /auth from its
# read cache for up to 0.5 s, so a revocation holds within 1 s there (otpd/store_pg.c; tests/pg/t-revoke.sh
# measures it on two hosts). LMDB has no cache: nothing to wait for.
settle_revocation() { [ "${OTPD_TEST_PG:-0}" = 1 ] && sleep 1; return 0; }

fail() { echo "FAIL: $*" >&2; [ -f "$T/otpd.log" ] && tail -20 "$T/otpd.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# curl - every curl of a scenario goes through here: it notes each Location header and each page's
# meta-refresh and resource or button links ($T/locations, checked at cleanup: no open redirect anywhere in the run)
# and each Set-Cookie value, TOTP secret and recovery code ($T/never-logged.txt: none may be in the log).
curl() {
	_hdr= _out= _prev=
	for _a in "$@"; do
		case $_prev in -D) _hdr=$_a ;; -o) _out=$_a ;; esac
		_prev=$_a
	done
	if [ -z "$_hdr" ]; then
		_hdr=$T/.curl-headers
		set -- -D "$_hdr" "$@"
	fi
	command curl "$@"
	_rc=$?
	if [ -f "$_hdr" ]; then
		tr -d '\r' <"$_hdr" | sed -n 's/^[Ll]ocation: //p' >>"$T/locations"
		tr -d '\r' <"$_hdr" | sed -n 's/^[Ss]et-[Cc]ookie: [^=]*=\([^;][^;]*\);.*/\1/p' >>"$T/never-logged.txt"
	fi
	case $_out in
	"" | /dev/null) ;;
	*)
		if [ -f "$_out" ]; then
			sed -n 's/.*http-equiv="refresh" content="[0-9]*;url=\([^"]*\)".*/\1/p; s/.*class="resource" href="\([^"]*\)".*/\1/p; s/.*class="button" href="\([^"]*\)".*/\1/p' \
				"$_out" >>"$T/locations"
			sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p; s/.*<li><code>\([^<]*\)<.*/\1/p' "$_out" | tr -d ' ' \
				>>"$T/never-logged.txt"
		fi
		;;
	esac
	return $_rc
}

# never_logged STRING - a secret the scenario saw; cleanup checks otpd's log for it
never_logged() { printf '%s\n' "$1" >>"$T/never-logged.txt"; }

# check_locations - every redirect otpd sent (Location, meta refresh, the resource link) stays relative
# (not //host or /\host), under public_url, under the invitation's resource, or is one of LOCATION_ALLOW.
check_locations() {
	[ -s "$T/locations" ] || return 0
	_pub=$(sed -n 's/^public_url = //p' "$T/otpd.conf" 2>/dev/null | head -1)
	sed 's/&amp;/\&/g' "$T/locations" | sort -u | while IFS= read -r _l; do
		case $_l in
		//* | /\\*) ;;
		/*) continue ;;
		"$_pub"/* | "$_pub") continue ;;
		"$RESOURCE" | "$RESOURCE"/* | "$RESOURCE"\?* | "$RESOURCE"\#*) continue ;;
		esac
		for _ok in ${LOCATION_ALLOW:-}; do
			case $_l in "$_ok"*) continue 2 ;; esac
		done
		echo "redirect outside public_url and the resource: $_l"
	done
}

cleanup() {
	rc=$?
	[ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	[ -n "$OTPD_PID" ] && kill "$OTPD_PID" 2>/dev/null && wait "$OTPD_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	# A scenario's own undo (t-store-faults.sh unmounts its tmpfs), after its processes are gone.
	[ -n "${CLEANUP_HOOK:-}" ] && eval "$CLEANUP_HOOK"
	# Under SAN=1 a sanitizer report in otpd's log fails the scenario.
	if [ -f "$T/otpd.log" ] && grep -q 'Sanitizer' "$T/otpd.log"; then
		cat "$T/otpd.log" >&2
		rc=1
	fi
	# Every scenario: no secret it saw in otpd's log, no redirect off our sites (OTPD_TEST_CHECKS=0: not
	# a test, e.g. bench/otpd.sh).
	if [ "${OTPD_TEST_CHECKS:-1}" = 1 ] && [ -f "$T/otpd.log" ] && ! sh tests/otpd/logscan.sh "$T" "$T/otpd.log" >&2; then
		rc=1
	fi
	[ "${OTPD_TEST_CHECKS:-1}" = 1 ] && _bad=$(check_locations) || _bad=
	if [ -n "$_bad" ]; then
		echo "FAIL: $_bad" >&2
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
	if [ "${OTPD_TEST_PG:-0}" = 1 ]; then
		_db=t_$(basename "$T" | tr 'A-Z.' 'a-z_')_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
		DB_URI=$(pg_createdb "$_db") || fail "CREATE DATABASE $_db"
		cp "$PG_PASSWORD_FILE" "$T/pgpass" && chmod 0600 "$T/pgpass"
		DB_LINES="database = $DB_URI
database_password_file = $T/pgpass"
	else
		DB_LINES="database = $T/db"
	fi
	cat >"$T/otpd.conf" <<EOC
[guestlink]
public_url = http://127.0.0.1:$HTTP_PORT
org_name = Example University
internal_domains = example.org
[keys]
verify_keys = $T/keys/
secret = $T/keys/otpd.secret
guest_key = $T/keys/guest.key
[otpd]
listen = 127.0.0.1:$HTTP_PORT
user = nobody
$DB_LINES
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
	# shellcheck disable=SC2086
	$OTPD_WRAPPER "$OTPD" -f -c "$T/otpd.conf" >>"$T/otpd.log" 2>&1 &
	OTPD_PID=$!
	for _ in $(seq $((OTPD_START_WAIT * 10))); do
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
	_tok=$("$MKTOKEN" "$SIGNING_KEY" "$INVITER" "$RESOURCE" 0 86400 "$@") || return 1
	never_logged "$_tok"
	echo "$_tok"
}

# api POST_PATH JSON -> prints "STATUS BODY"; headers in $T/h
api() {
	curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' --data "$2" "$BASE$1" >"$T/s"
	echo "$(cat "$T/s") $(cat "$T/b")"
}

# mail_count - mails to guests (code mails); the inviter's notices (notice_files) are not counted
mail_count() { find "$T/sink" -type f -exec grep -L "^To: <$INVITER>" {} + 2>/dev/null | wc -l; }
# notice_files - the mails to the inviter (otpd/notice.h), oldest first
notice_files() { ls -tr "$T/sink"/* 2>/dev/null | xargs -r grep -l "^To: <$INVITER>"; }

wait_mails() { # wait_mails N [SECONDS]
	for _ in $(seq $((${2:-10} * 10))); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# latest_code - the 8-digit line of the newest mail
latest_code() {
	f=$(ls -t "$T/sink"/* 2>/dev/null | xargs -r grep -L "^To: <$INVITER>" | head -1)
	[ -n "$f" ] || return 1
	tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1
}

# latest_link - the link of the newest code mail (the mail key: …/accept/<token>?k=… or …/login?k=…)
latest_link() {
	f=$(ls -t "$T/sink"/* 2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	python3 -c 'import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        t = p.get_payload(decode=True).decode()
        u = re.findall(r"https?://\S+[?]k=[A-Za-z0-9_-]+", t)
        if u:
            print(u[0])
            break' "$f"
}

# html_link EMAIL LINK - a guest opens the link of a code mail (the confirm page: a GET spends nothing),
# types the address and posts the form; prints the POST's status
html_link() {
	[ "$(page "$2")" = 200 ] || { echo "confirm page $(head -c 300 "$T/pg")"; return; }
	_csrf=$(csrf_of "$T/pg")
	_key=$(sed -n 's/.*name="code" value="\([^"]*\)".*/\1/p' "$T/pg" | head -1)
	_action=$(sed -n 's/.*<form method="post" action="\([^"]*\/code\)".*/\1/p' "$T/pg" | head -1)
	[ -n "$_key" ] && [ -n "$_action" ] || { echo "no key form"; return; }
	page --data-urlencode "email=$1" --data "code=$_key&csrf=$_csrf" "$BASE$_action"
}

# --- pages with a cookie jar ($T/jar): the accept flow, /login, MFA ---

# csrf_of FILE - the form's CSRF value on a page
csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$1" | head -1; }

# page METHOD_ARGS... - curl with the jar; page body in $T/pg, headers in $T/ph; prints the status
page() { curl -s -c "$T/jar" -b "$T/jar" -D "$T/ph" -o "$T/pg" -w '%{http_code}' "$@"; }

# html_accept TOKEN EMAIL - accept an invitation in the pages; ends with an emailed-code session in the jar
html_accept() {
	_s=$(page "$BASE/accept/$1"); [ "$_s" = 200 ] || fail "accept page: $_s $(tail -3 "$T/nginx/error.log" 2>/dev/null)"
	_csrf=$(csrf_of "$T/pg")
	_n=$(mail_count)
	[ "$(page --data-urlencode "email=$2" --data "csrf=$_csrf" "$BASE/accept/$1/email")" = 200 ] || fail "email step"
	wait_mails $((_n + 1)) 10 || fail "no code mail"
	_code=$(latest_code)
	[ "$(page --data-urlencode "email=$2" --data "code=$_code&csrf=$_csrf" "$BASE/accept/$1/code")" = 200 ] ||
		fail "code step"
}

# html_login EMAIL [RD] - /login up to the emailed code; prints the code step's status
html_login() {
	if [ -n "${2:-}" ]; then
		page -G --data-urlencode "rd=$2" "$BASE/login" >/dev/null
	else
		page "$BASE/login" >/dev/null
	fi
	_csrf=$(csrf_of "$T/pg")
	_n=$(mail_count)
	[ "$(page --data-urlencode "email=$1" --data-urlencode "rd=${2:-}" --data "csrf=$_csrf" "$BASE/login/email")" = 200 ] ||
		fail "login email step"
	wait_mails $((_n + 1)) 10 || { echo 000; return; }
	_code=$(latest_code)
	page --data-urlencode "email=$1" --data-urlencode "rd=${2:-}" --data "code=$_code&csrf=$_csrf" "$BASE/login/code"
}

# accept_privacy - the privacy page (a first sign-in meets it before the MFA step, privacy.h): accept it
accept_privacy() {
	[ "$(page "$BASE/privacy")" = 200 ] || fail "privacy page: $(head -5 "$T/pg")"
	[ "$(page --data "csrf=$(csrf_of "$T/pg")" "$BASE/privacy")" = 303 ] || fail "accepting the privacy page"
}

# restart_with KEY VALUE - otpd stopped, "KEY = VALUE" set in its config, started again (the lifecycle
# scenarios move the clock by configuration)
restart_with() {
	kill_otpd
	sed -i "s/^$1 = .*/$1 = $2/" "$T/otpd.conf"
	start_otpd
}

# verify_page - GET /mfa/verify (accepting the privacy page first if it comes up: a guest who enrolled before
# the page existed accepts it once, at the next sign-in); prints the status
verify_page() {
	_s=$(page "$BASE/mfa/verify")
	if [ "$_s" = 303 ] && tr -d '\r' <"$T/ph" | grep -q '^Location: /privacy'; then
		accept_privacy
		_s=$(page "$BASE/mfa/verify")
	fi
	echo "$_s"
}

# setup_page - GET /mfa/setup (accepting the privacy page first if it comes up); SECRET (no spaces) and
# SETUP_CSRF from it
setup_page() {
	_s=$(page "$BASE/mfa/setup")
	if [ "$_s" = 303 ] && tr -d '\r' <"$T/ph" | grep -q '^Location: /privacy'; then
		accept_privacy
		_s=$(page "$BASE/mfa/setup")
	fi
	[ "$_s" = 200 ] || fail "setup page: $(cat "$T/pg" | head -5)"
	SECRET=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T/pg" | tr -d ' ')
	SETUP_CSRF=$(csrf_of "$T/pg")
	[ ${#SECRET} -eq 32 ] || fail "secret not 32 base32 characters: '$SECRET'"
}

# totp SECRET [UNIX_TIME] - the code an authenticator app shows (oathtool, an independent implementation)
totp() { oathtool --totp -b -N "@${2:-$(date +%s)}" "$1"; }

# wrong_totp SECRET [OFFSET] - a 6-digit code that is none of the window's around now + OFFSET seconds
# (otpd's clock, when it runs shifted)
wrong_totp() {
	_n=$(( $(date +%s) + ${2:-0} ))
	_w=123456
	while [ "$_w" = "$(totp "$1" $((_n - 30)))" ] || [ "$_w" = "$(totp "$1" "$_n")" ] ||
		[ "$_w" = "$(totp "$1" $((_n + 30)))" ] || [ "$_w" = "$(totp "$1" $((_n + 60)))" ]; do
		_w=$(printf "%06d" $(( (1$_w + 111111) % 1000000 )))
	done
	echo "$_w"
}

# enrolled_guest ADDR - a link for ADDR (TOK), its emailed code, the authenticator enrolled (SECRET)
enrolled_guest() {
	TOK=$(token "$1") || fail mktoken
	html_accept "$TOK" "$1"
	setup_page
	[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment of $1"
}

# mfa_post PATH CODE - POST a code to /mfa/setup or /mfa/verify; prints the status
mfa_post() {
	page --data-urlencode "code=$2" --data "csrf=$(csrf_of "$T/pg")" "$BASE$1"
}

# auth URL [COOKIEJAR] - ask /auth as nginx would; prints the status, headers in $T/ah
auth() { curl -s -b "${2:-$T/jar}" -D "$T/ah" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $1" "$BASE/auth"; }

# --- a private nginx in front of otpd and a sample resource (t-nginx*.sh) ---
NGINX_PID=

# start_nginx - nginx on a free loopback port, its own prefix, config, pid file and logs under $T/nginx;
# /team/42/ and /team/43/ are protected resources (static files), everything else goes to otpd.
start_nginx() {
	NGX_PORT=$(free_port)
	NGX=http://127.0.0.1:$NGX_PORT
	mkdir -p "$T/nginx/tmp" "$T/www/team/42" "$T/www/team/43"
	echo "sample resource 42" >"$T/www/team/42/index.html"
	echo "sample resource 43" >"$T/www/team/43/index.html"
	# NGINX_UPSTREAMS (two-host tests): "SERVER,SERVER...", nginx upstream servers, round-robin; default: the one otpd.
	_ups=$(echo "${NGINX_UPSTREAMS:-127.0.0.1:$HTTP_PORT}" | sed 's/,/; server /g')
	# NGINX_APP: HOST:PORT of the application behind /app/ (t-app-cookie.sh); default a port nothing listens on.
	sed "s|@T@|$T|g; s|@PORT@|$NGX_PORT|g; s|@OTPD@|$_ups|g; s|@SRC@|$PWD|g; s|@APP@|${NGINX_APP:-127.0.0.1:9}|g" \
		tests/otpd/nginx.conf.in >"$T/nginx/nginx.conf"
	nginx -p "$T/nginx/" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" -t >"$T/nginx/t.log" 2>&1 ||
		fail "nginx config: $(cat "$T/nginx/t.log")"
	nginx -p "$T/nginx/" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" &
	NGINX_PID=$!
	for _ in $(seq 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$NGX/team/")" != 000 ] && return 0
		sleep 0.1
	done
	fail "nginx did not start: $(cat "$T/nginx/error.log")"
}

stop_nginx() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}
