#!/bin/bash
# tests/browser/run.sh - the guest's whole journey in headless Chromium, at a
# desktop (1280x800) and a phone (360x740) viewport.
#
# Sets up, on loopback: a private Postfix with guestlink-milter and its
# submission service (Dovecot SASL; otpd's code mails use the plain test
# listener), an smtp-sink catching what Postfix
# delivers, otpd on the same config file (code mails go through the private
# Postfix), and nginx in front of otpd and a static sample resource
# (auth_request to otpd's /auth). public_url is nginx's address, the
# resource http://127.0.0.1:PORT/resource/.
# The guests' own organisation, partner.example, has an OpenID Connect
# provider: a private glewlwyd (tests/oidc/provider.sh: users alice, bob,
# carol @partner.example), one process, ended by its PID. Its public origin
# is http://localhost:IDP_PORT (another site than otpd's 127.0.0.1, so
# neither sees the other's cookies): a second server block of the same nginx
# that serves the login page tests/browser/provider-login.html (a stand-in for
# glewlwyd's login webapp, which Debian does not package: see README.md) at
# /login.html and proxies everything else to glewlwyd. otpd has
# [oidc partner] for partner.example with mfa_amr = password (glewlwyd's
# password sign-in counts as MFA: no TOTP for those guests); the client
# "otpd" is registered with redirect URI <public_url>/oidc/callback.
# For each viewport two invitations are sent the way a mail client does, on
# the submission service (STARTTLS, SMTP AUTH as staff@example.org checked by
# a private Dovecot: tests/lib/submission.sh), through Postfix and the milter: one to a new guest of another domain (code flow), one to
# alice@partner.example (her provider); then journey.mjs (playwright-core
# driving Debian's Chromium) clicks through both, and a refusal (bob, not
# invited): see that file for the steps and the checks. Last, per viewport an
# idle guest redeems a third invitation by code (curl, JSON API), otpd
# restarts with guest_inactive_disable = 2s, and journey.mjs (STAGE=disabled)
# meets the disabled page at /login in English and Dutch.
#
# Screenshots of every page: build/artifacts/browser/<viewport>/NN-name.png
# (ARTIFACTS to put them elsewhere), kept after the run; the path is printed.
# Runs `npm ci` in tests/browser when node_modules is missing. Needs root
# (postfix start), the binaries built by make (BUILD, default .), chromium,
# node and npm, nginx, oathtool, glewlwyd (scripts/deps.sh check).
# Prints each viewport's checks and, last, exactly
#   browser: N passed, N failed
# (N counts checks over both viewports). Exit status 1 when any failed.
# Usage: tests/browser/run.sh [desktop|phone ...]
set -eu
T_NAME=browser
. "$(dirname "$0")/../lib/e2e.sh"
. "$T_SRC/tests/lib/otpd.sh"
. "$T_SRC/tests/lib/nginx.sh"
# shellcheck source=../oidc/provider.sh
. "$T_SRC/tests/oidc/provider.sh"

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
for tool in node npm nginx oathtool swaks smtp-sink glewlwyd sqlite3 openssl dovecot "$CHROMIUM"; do
	command -v "$tool" >/dev/null || { T_FAIL=1; echo "browser: $tool missing (scripts/deps.sh check)" >&2; _summary; exit 1; }
done
need_bins "$MILTER_BIN" "$OTPCTL_BIN" "$OTPD_BIN"

if [ ! -d "$here/node_modules/playwright-core" ]; then
	note "npm ci in tests/browser"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$T_DIR/npm.log" 2>&1 ||
		die "npm ci failed: $(tail -5 "$T_DIR/npm.log")"
fi

# --- Postfix + milter + otpd + nginx + sink + provider ---------------------------
OTPD_PORT=$(free_port)
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
NGINX_PORT=$(free_port)
IDP_PORT=$(free_port)
GW_PORT=$(free_port)
SUB_PORT=$(free_port)
ports() { printf '%s\n' "$OTPD_PORT" "$SMTP_PORT" "$SINK_PORT" "$NGINX_PORT" "$IDP_PORT" "$GW_PORT" "$SUB_PORT" | sort | uniq -d; }
while [ -n "$(ports)" ]; do
	SUB_PORT=$(free_port)
	SINK_PORT=$(free_port)
	NGINX_PORT=$(free_port)
	IDP_PORT=$(free_port)
	GW_PORT=$(free_port)
done
PUBLIC=http://127.0.0.1:$NGINX_PORT
PROVIDER=http://localhost:$IDP_PORT
PARTNER=alice@partner.example

# The provider first: glewlwyd behind nginx at $PROVIDER, the client otpd's redirect URI on public_url.
gw_fail() { die "glewlwyd: $*"; }
GW_DIR="$T_DIR/gw"
GW_PUBLIC=$PROVIDER
GW_REDIRECT_URI=$PUBLIC/oidc/callback
gw_start
T_PIDS="$T_PIDS $GW_PID"
note "started glewlwyd (pid $GW_PID), issuer $GW_ISSUER"
mkdir -p "$T_DIR/nginx/conf.d" "$T_DIR/nginx/idp"
cp "$here/provider-login.html" "$T_DIR/nginx/idp/login.html"
chmod 0644 "$T_DIR/nginx/idp/login.html"
# The provider's front: its login page, and glewlwyd for everything else (API, OIDC endpoints).
cat >"$T_DIR/nginx/conf.d/provider.conf" <<EOF
server {
    listen 127.0.0.1:$IDP_PORT;
    server_name localhost;
    location = /login.html { root $T_DIR/nginx/idp; }
    location / {
        proxy_pass http://127.0.0.1:$GW_PORT;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-For \$remote_addr;
    }
}
EOF
KEY_DIR="$T_DIR/keys"
make_keys "$KEY_DIR"
CONF="$T_DIR/guestlink.conf"
milter_config "$CONF" "$KEY_DIR" "$T_DIR/run" "otpd_url = http://127.0.0.1:$OTPD_PORT"
sed -i -e "s|^public_url = .*|public_url = $PUBLIC|" -e "s|^resources = .*|resources = $PUBLIC/resource/|" "$CONF"
# The privacy page before the first enrolment (issue 15) is part of the journey.
sed -i '/^\[guestlink\]$/a privacy_url = https://www.example.org/privacy' "$CONF"
# A returning guest asks for a second code within the minute: no wait between code mails.
otpd_config "$CONF" "$OTPD_PORT" "$SMTP_PORT" "$T_DIR/db" "mail_interval = 0s"
printf 'secret-of-otpd\n' >"$T_DIR/client.secret"
chmod 0600 "$T_DIR/client.secret"
# partner.example signs in at its own provider; its password sign-in (amr "password") counts as MFA.
cat >>"$CONF" <<EOF
[oidc partner]
issuer = $GW_ISSUER
client_id = otpd
client_secret_file = $T_DIR/client.secret
domains = partner.example
mfa_amr = password
EOF
out=$("$OTPD_BIN" -c "$CONF" -n 2>&1) || die "otpd -n: $out"

SINK_DIR="$T_DIR/sink"
PF_DIR="$T_DIR/pf"
sink_start "$SINK_DIR" "$SINK_PORT"
otpd_start "$CONF"
milter_start "$CONF"
nginx_start "$T_DIR/nginx" "$NGINX_PORT" "127.0.0.1:$OTPD_PORT"
pf_create "$PF_DIR" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
# Invitations come the way staff send them: submission, STARTTLS, SMTP AUTH (Dovecot).
sub_add "$PF_DIR" "$SUB_PORT"
pf_start "$PF_DIR"
wait_for_port "$SMTP_PORT" 10 || die "postfix smtpd did not listen on $SMTP_PORT"
dovecot_start "$PF_DIR"
wait_for_port "$SUB_PORT" 10 || die "the submission service did not listen on $SUB_PORT"
wait_for_port "$IDP_PORT" 10 || die "nginx did not listen on $IDP_PORT"
note "set up in $(($(date +%s) - t0)) s: nginx $PUBLIC, otpd 127.0.0.1:$OTPD_PORT, postfix 127.0.0.1:$SMTP_PORT, provider $PROVIDER"

# --- one invitation and one browser journey per viewport -------------------------
rm -rf "$ARTIFACTS"
for vp in $viewports; do
	guest="guest-$vp@example.net"
	# invite ADDR FILE - one invitation for ADDR through Postfix and the milter; its HTML part in FILE
	invite() {
		local id
		id=$(unique_id)
		make_invite "$T_DIR/$vp-$1.eml" "[invite] Join our research lab" "Guest <$1>" "$id" "$NGINX_RESOURCE"
		if ! submit "$T_DIR/$vp-$1.eml" staff@example.org staff-secret staff@example.org "$1"; then
			fail "$vp: the invitation to $1 was refused: $SMTP_REPLY"
			return 1
		fi
		if ! f=$(sink_wait "$id" 15); then
			fail "$vp: the invitation to $1 did not reach the sink"
			return 1
		fi
		ok "$vp: the invitation to $1 went through submission (STARTTLS, AUTH) and the milter ($SMTP_REPLY)"
		mime "$f" part text/html >"$2"
	}
	invite "$guest" "$T_DIR/$vp-mail.html" || continue
	invite "$PARTNER" "$T_DIR/$vp-partner-mail.html" || continue
	rc=0
	VIEWPORT=$vp MAIL_HTML="$T_DIR/$vp-mail.html" GUEST=$guest SINK_DIR=$SINK_DIR RESOURCE=$NGINX_RESOURCE \
		PARTNER_MAIL_HTML="$T_DIR/$vp-partner-mail.html" PARTNER=$PARTNER PROVIDER=$PROVIDER \
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

# --- the disabled page (issue 15), per viewport ------------------------------------
# An idle guest per viewport redeems an invitation with the emailed code (the JSON API, curl); then the
# clock moves by configuration: otpd restarts with guest_inactive_disable = 2s, the sweeper disables
# them, and journey.mjs (STAGE=disabled) meets the disabled page at /login, in English and Dutch.
# code_for ADDR - the 8-digit code of the newest code mail to ADDR in the sink (waits up to 20 s)
code_for() {
	local f
	for _ in $(seq 200); do
		f=$(grep -l "X-Rcpt-Args: <$1>" "$SINK_DIR"/* 2>/dev/null | xargs -r grep -lE '^Subject: (Your code|Je code) ' |
			xargs -r ls -t | head -1)
		[ -n "$f" ] && { tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1; return 0; }
		sleep 0.1
	done
	return 1
}
idle_ok=
for vp in $viewports; do
	idle="idle-$vp@example.net"
	invite "$idle" "$T_DIR/$vp-idle-mail.html" || continue
	tok=$(sed -n 's|.*href="[^"]*/accept/\([A-Za-z0-9_-]*\)".*|\1|p' "$T_DIR/$vp-idle-mail.html" | head -1)
	api="$PUBLIC/api/v1/accept/$tok"
	s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data "{\"email\":\"$idle\"}" "$api/email")
	code=$(code_for "$idle") || { fail "$vp: no code mail for $idle (email step $s)"; continue; }
	s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data "{\"email\":\"$idle\",\"code\":\"$code\"}" "$api/code")
	[ "$s" = 200 ] || { fail "$vp: $idle could not redeem the invitation ($s)"; continue; }
	idle_ok="$idle_ok $vp"
done
if [ -n "$idle_ok" ]; then
	otpd_stop
	sed -i '/^\[otpd\]$/a guest_inactive_disable = 2s' "$CONF"
	otpd_start "$CONF"
	disabled_all() {
		for vp in $idle_ok; do
			"$OTPCTL_BIN" -c "$CONF" guests | grep "\"email\":\"idle-$vp@example.net\"" | grep -q '"state":"disabled"' || return 1
		done
	}
	if wait_until 20 disabled_all; then
		ok "the idle guests are disabled after 2s without a sign-in (otpctl guests)"
	else
		fail "the idle guests were not disabled: $("$OTPCTL_BIN" -c "$CONF" guests | grep idle-)"
		idle_ok=
	fi
fi
for vp in $idle_ok; do
	rc=0
	STAGE=disabled DISABLED="idle-$vp@example.net" SHOT_FROM=50 VIEWPORT=$vp MAIL_HTML=/dev/null GUEST=- \
		SINK_DIR=$SINK_DIR RESOURCE=$NGINX_RESOURCE PARTNER_MAIL_HTML=/dev/null PARTNER=- PROVIDER=$PROVIDER \
		OUT="$ARTIFACTS/$vp" CHROMIUM=$CHROMIUM node "$here/journey.mjs" >"$T_DIR/$vp-disabled.out" 2>&1 || rc=$?
	cat "$T_DIR/$vp-disabled.out"
	summary=$(grep -E "^journey-$vp: [0-9]+ passed, [0-9]+ failed\$" "$T_DIR/$vp-disabled.out" || true)
	if [ -z "$summary" ]; then
		fail "$vp: journey.mjs (disabled) ended without a summary (exit $rc)"
		continue
	fi
	p=$(echo "$summary" | sed 's/.*: \([0-9]*\) passed.*/\1/')
	n=$(echo "$summary" | sed 's/.* \([0-9]*\) failed$/\1/')
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + n))
	[ "$rc" -eq 0 ] || [ "$n" -gt 0 ] || fail "$vp: journey.mjs (disabled) exit status $rc"
done

# The daemons saw nothing go wrong: no sanitizer report, nobody died.
expect_no_match "$(cat "$OTPD_LOG" "$MILTER_LOG")" 'Sanitizer|level=(panic|fatal|error)' "no sanitizer report, panic, fatal or error in the daemons' logs"
check "otpd still running" pid_alive "$OTPD_PID"
check "nginx still running" pid_alive "$NGINX_PID"
check "glewlwyd still running" pid_alive "$GW_PID"
echo "# screenshots: $ARTIFACTS"
echo "# browser test took $(($(date +%s) - t0)) s"
_summary
[ "$T_FAIL" -eq 0 ]
