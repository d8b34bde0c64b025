#!/bin/bash
# tests/browser/run.sh - the guest's whole journey in headless Chromium, at a
# desktop (1280x800) and a phone (360x740) viewport.
#
# Sets up, on loopback: a private Postfix with guestlink-milter (its test
# listener stands for submission), an smtp-sink catching what Postfix
# delivers, otpd on the same config file (code mails go through the private
# Postfix), and nginx in front of otpd and a static sample resource
# (auth_request to otpd's /auth). public_url is nginx's address, the
# resource http://127.0.0.1:PORT/resource/. For each viewport one invitation
# to a new guest is sent by SMTP through Postfix and the milter; then
# journey.mjs (playwright-core driving Debian's Chromium) clicks through it:
# see that file for the steps and the checks.
#
# Screenshots of every page: build/artifacts/browser/<viewport>/NN-name.png
# (ARTIFACTS to put them elsewhere), kept after the run; the path is printed.
# Runs `npm ci` in tests/browser when node_modules is missing. Needs root
# (postfix start), the binaries built by make (BUILD, default .), chromium,
# node and npm, nginx, oathtool (scripts/deps.sh check).
# Prints each viewport's checks and, last, exactly
#   browser: N passed, N failed
# (N counts checks over both viewports). Exit status 1 when any failed.
# Usage: tests/browser/run.sh [desktop|phone ...]
set -eu
T_NAME=browser
. "$(dirname "$0")/../lib/e2e.sh"
. "$T_SRC/tests/lib/otpd.sh"
. "$T_SRC/tests/lib/nginx.sh"

here="$T_SRC/tests/browser"
viewports=${*:-desktop phone}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ARTIFACTS=${ARTIFACTS:-$T_SRC/build/artifacts/browser}
t0=$(date +%s)

_summary() { echo "browser: $T_PASS passed, $T_FAIL failed"; }
# A fatal setup error still ends with the summary line.
die() {
	printf '%s: FATAL: %s\n' "$T_NAME" "$*" >&2
	T_FAIL=$((T_FAIL + 1))
	_summary
	exit 1
}
if [ "$(id -u)" -ne 0 ]; then
	echo "browser: needs root (a private Postfix is started with 'postfix start')" >&2
	T_FAIL=1
	_summary
	exit 1
fi
for tool in node npm nginx oathtool swaks smtp-sink "$CHROMIUM"; do
	command -v "$tool" >/dev/null || { T_FAIL=1; echo "browser: $tool missing (scripts/deps.sh check)" >&2; _summary; exit 1; }
done
need_bins "$MILTER_BIN" "$OTPCTL_BIN" "$OTPD_BIN"

if [ ! -d "$here/node_modules/playwright-core" ]; then
	note "npm ci in tests/browser"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$T_DIR/npm.log" 2>&1 ||
		die "npm ci failed: $(tail -5 "$T_DIR/npm.log")"
fi

# --- Postfix + milter + otpd + nginx + sink -----------------------------------
OTPD_PORT=$(free_port)
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
NGINX_PORT=$(free_port)
ports() { printf '%s\n' "$OTPD_PORT" "$SMTP_PORT" "$SINK_PORT" "$NGINX_PORT" | sort | uniq -d; }
while [ -n "$(ports)" ]; do SINK_PORT=$(free_port); NGINX_PORT=$(free_port); done
PUBLIC=http://127.0.0.1:$NGINX_PORT
KEY_DIR="$T_DIR/keys"
make_keys "$KEY_DIR"
CONF="$T_DIR/guestlink.conf"
milter_config "$CONF" "$KEY_DIR" "$T_DIR/run" "otpd_url = http://127.0.0.1:$OTPD_PORT"
sed -i -e "s|^public_url = .*|public_url = $PUBLIC|" -e "s|^resources = .*|resources = $PUBLIC/resource/|" "$CONF"
# A returning guest asks for a second code within the minute: no wait between code mails.
otpd_config "$CONF" "$OTPD_PORT" "$SMTP_PORT" "$T_DIR/db" "mail_interval = 0s"
out=$("$OTPD_BIN" -c "$CONF" -n 2>&1) || die "otpd -n: $out"

SINK_DIR="$T_DIR/sink"
PF_DIR="$T_DIR/pf"
sink_start "$SINK_DIR" "$SINK_PORT"
otpd_start "$CONF"
milter_start "$CONF"
nginx_start "$T_DIR/nginx" "$NGINX_PORT" "127.0.0.1:$OTPD_PORT"
pf_create "$PF_DIR" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
pf_start "$PF_DIR"
wait_for_port "$SMTP_PORT" 10 || die "postfix smtpd did not listen on $SMTP_PORT"
note "set up in $(($(date +%s) - t0)) s: nginx $PUBLIC, otpd 127.0.0.1:$OTPD_PORT, postfix 127.0.0.1:$SMTP_PORT"

# --- one invitation and one browser journey per viewport -------------------------
rm -rf "$ARTIFACTS"
for vp in $viewports; do
	guest="guest-$vp@example.net"
	id=$(unique_id)
	make_invite "$T_DIR/$vp.eml" "[invite] Join our research lab" "Guest <$guest>" "$id" "$NGINX_RESOURCE"
	if ! smtp_send "$T_DIR/$vp.eml" staff@example.org "$guest"; then
		fail "$vp: the invitation was refused: $SMTP_REPLY"
		continue
	fi
	if ! f=$(sink_wait "$id" 15); then
		fail "$vp: the invitation did not reach the sink"
		continue
	fi
	ok "$vp: the invitation went through Postfix and the milter ($SMTP_REPLY)"
	mime "$f" part text/html >"$T_DIR/$vp-mail.html"
	rc=0
	VIEWPORT=$vp MAIL_HTML="$T_DIR/$vp-mail.html" GUEST=$guest SINK_DIR=$SINK_DIR RESOURCE=$NGINX_RESOURCE \
		OUT="$ARTIFACTS/$vp" CHROMIUM=$CHROMIUM node "$here/journey.mjs" >"$T_DIR/$vp.out" 2>&1 || rc=$?
	cat "$T_DIR/$vp.out"
	summary=$(grep -E "^journey-$vp: [0-9]+ passed, [0-9]+ failed\$" "$T_DIR/$vp.out" || true)
	if [ -z "$summary" ]; then
		fail "$vp: journey.mjs ended without a summary (exit $rc)"
		continue
	fi
	p=$(echo "$summary" | sed 's/.*: \([0-9]*\) passed.*/\1/')
	n=$(echo "$summary" | sed 's/.* \([0-9]*\) failed$/\1/')
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + n))
	[ "$rc" -eq 0 ] || [ "$n" -gt 0 ] || fail "$vp: journey.mjs exit status $rc"
done

# The daemons saw nothing go wrong: no sanitizer report, nobody died.
expect_no_match "$(cat "$OTPD_LOG" "$MILTER_LOG")" 'Sanitizer|level=(panic|fatal|error)' "no sanitizer report, panic, fatal or error in the daemons' logs"
check "otpd still running" pid_alive "$OTPD_PID"
check "nginx still running" pid_alive "$NGINX_PID"
echo "# screenshots: $ARTIFACTS"
echo "# browser test took $(($(date +%s) - t0)) s"
_summary
[ "$T_FAIL" -eq 0 ]
