#!/bin/bash
# scripts/demo.sh - the whole guest path on loopback, left running (make demo).
#
# Builds a demo directory (DEMO_DIR, default /tmp/guestlink-demo; an earlier
# demo there is stopped and replaced) with keys from otpctl keygen, one config
# for both daemons, guestlink-milter, an smtp-sink that writes every delivered
# mail to DEMO_DIR/mail/, a private Postfix on 127.0.0.1 whose submission
# service (port 587 if free: STARTTLS, SMTP AUTH by a private auth-only
# Dovecot, self-signed certificate), test listener and sendmail go through the
# milter, otpd (its code mails go through that
# Postfix too), and nginx on 127.0.0.1 in front of otpd and a sample resource
# (http://127.0.0.1:PORT/resource/, auth_request to otpd's /auth; plain http on
# loopback, so cookie_secure = no). Sends one invitation on the submission
# service as staff@example.org (password staff-secret), prints the accept
# link to open in a browser and where code mails land, starts a watcher that
# prints each code mail's code as it arrives (and appends it to
# DEMO_DIR/codes.log), says how to get a TOTP code without a phone (oathtool),
# and how to stop it all: DEMO_DIR/stop.sh kills only what this script started,
# by PID, and stops the private Postfix.
#
# Needs root (postfix start), nginx and oathtool (scripts/deps.sh demo) and the
# binaries built by make (BUILD, default .).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
DEMO_DIR=${DEMO_DIR:-/tmp/guestlink-demo}
case "$DEMO_DIR" in /*) ;; *) DEMO_DIR="$PWD/$DEMO_DIR" ;; esac

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root: it starts a private Postfix ('postfix start')" >&2
	exit 1
fi

# An earlier demo in the same place: stop it first.
if [ -x "$DEMO_DIR/stop.sh" ]; then
	echo "demo: stopping the earlier demo in $DEMO_DIR"
	"$DEMO_DIR/stop.sh" || true
fi
rm -rf "$DEMO_DIR"

T_NAME=demo T_PERSIST=1 T_DIR=$DEMO_DIR
. "$src/tests/lib/common.sh"
. "$src/tests/lib/postfix.sh"
. "$src/tests/lib/submission.sh"
. "$src/tests/lib/otpd.sh"
. "$src/tests/lib/nginx.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN" "$OTPD_BIN"
for tool in nginx oathtool swaks smtp-sink curl dovecot openssl; do
	command -v "$tool" >/dev/null || die "$tool is missing: run scripts/deps.sh demo"
done

# Until stop.sh is written, a failure stops what was started.
_demo_fail() {
	local p
	echo "demo: failed; stopping what was started (logs kept in $DEMO_DIR)" >&2
	for p in $T_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	pf_stop "$DEMO_DIR/postfix" 2>/dev/null || true
}
trap '[ $? -eq 0 ] || _demo_fail' EXIT

# --- ports ---------------------------------------------------------------------
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
OTPD_PORT=$(free_port)
NGINX_PORT=$(free_port)
# Submission (STARTTLS + SMTP AUTH, as a mail client sends): 587 when nothing
# listens there, else a free port (printed).
if (exec 3<>/dev/tcp/127.0.0.1/587) 2>/dev/null; then
	SUB_PORT=$(free_port)
else
	SUB_PORT=587
fi
_dup_ports() { printf '%s\n' "$SMTP_PORT" "$SINK_PORT" "$OTPD_PORT" "$NGINX_PORT" "$SUB_PORT" | sort | uniq -d; }
while [ -n "$(_dup_ports)" ]; do
	SINK_PORT=$(free_port)
	OTPD_PORT=$(free_port)
	NGINX_PORT=$(free_port)
done
DEMO_USER=staff@example.org
DEMO_PASS=staff-secret
# Guests reach otpd and the resource through nginx, on one host: the session
# cookie otpd sets is then the one nginx's auth_request passes on to /auth.
PUBLIC=http://127.0.0.1:$NGINX_PORT
RESOURCE=$PUBLIC/resource/lab/

# --- keys and config -----------------------------------------------------------
"$OTPCTL_BIN" keygen "$DEMO_DIR/keys" >"$DEMO_DIR/keygen.out"
kid=$(sed -n 's/^; key id //p' "$DEMO_DIR/keygen.out")
CONF="$DEMO_DIR/guestlink.conf"
MILTER_LOG="$DEMO_DIR/milter.log"
# The milter reports each invitation to otpd directly (not through nginx).
milter_config "$CONF" "$DEMO_DIR/keys" "$DEMO_DIR/run" "otpd_url = http://127.0.0.1:$OTPD_PORT"
sed -i -e "s|^public_url = .*|public_url = $PUBLIC|" \
	-e "s|^resources = .*|resources = $PUBLIC/resource/ https://teams.example.org/ https://wiki.example.org/space/|" \
	"$CONF"

# --- otpd ----------------------------------------------------------------------
# The same config file with an [otpd] section: code mails go to the private
# Postfix's listener (through Postfix and the milter to the sink), LMDB in
# DEMO_DIR/db, plain-http cookies (loopback only). nginx in front of otpd and
# the sample resource.
OTPD_LOG="$DEMO_DIR/otpd.log"
otpd_config "$CONF" "$OTPD_PORT" "$SMTP_PORT" "$DEMO_DIR/db"
out=$("$OTPD_BIN" -c "$CONF" -n 2>&1) || die "otpd -n refused the demo config: $out"
otpd_start "$CONF"
nginx_start "$DEMO_DIR/nginx" "$NGINX_PORT" "127.0.0.1:$OTPD_PORT"
# --- end of the otpd place -------------------------------------------------------

# --- sink, milter, postfix ---------------------------------------------------------
sink_start "$DEMO_DIR/mail" "$SINK_PORT"
milter_start "$CONF"
pf_create "$DEMO_DIR/postfix" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
sub_add "$DEMO_DIR/postfix" "$SUB_PORT"
pf_start "$DEMO_DIR/postfix"
wait_for_port "$SMTP_PORT" 10 || die "postfix did not listen on 127.0.0.1:$SMTP_PORT"
dovecot_start "$DEMO_DIR/postfix"
wait_for_port "$SUB_PORT" 10 || die "the submission service did not listen on 127.0.0.1:$SUB_PORT"

# --- the code watcher ----------------------------------------------------------------
# Prints the code of every code mail the sink receives, so nobody has to open
# the mail files; also appends it to codes.log.
cat >"$DEMO_DIR/code-watcher.sh" <<'WATCHER'
#!/bin/bash
# code-watcher.sh MAILDIR LOG - "code for ADDR: NNNNNNNN" for each new code mail
trap '' PIPE
trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM INT
declare -A seen
sleeper=
while :; do
	for f in "$1"/*; do
		[ -f "$f" ] && [ -z "${seen[$f]:-}" ] || continue
		seen[$f]=1
		grep -qE '^Subject: (Your code|Je code) ' "$f" 2>/dev/null || continue
		rcpt=$(sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$f" | head -1)
		code=$(tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1)
		line="$(date +%H:%M:%S) code for $rcpt: $code  ($f)"
		echo "$line" >>"$2"
		echo "guestlink demo: $line" 2>/dev/null || true
	done
	# sleep in the background and wait: SIGTERM then ends the loop at once
	sleep 1 &
	sleeper=$!
	wait "$sleeper"
done
WATCHER
chmod 0755 "$DEMO_DIR/code-watcher.sh"
: >"$DEMO_DIR/codes.log"
"$DEMO_DIR/code-watcher.sh" "$DEMO_DIR/mail" "$DEMO_DIR/codes.log" </dev/null &
WATCHER_PID=$!
T_PIDS="$T_PIDS $WATCHER_PID"

cat >"$DEMO_DIR/stop.sh" <<EOF
#!/bin/sh
# stop.sh - stop the guestlink demo in $DEMO_DIR: only the processes the demo
# started (by PID) and its private Postfix.
# alive PID - running (a zombie waiting for init to reap it has gone)
alive() { kill -0 "\$1" 2>/dev/null && [ "\$(sed 's/.*) //' "/proc/\$1/stat" 2>/dev/null | cut -c1)" != Z ]; }
postfix -c "$DEMO_DIR/postfix/etc" stop 2>/dev/null || true
for pid in $WATCHER_PID $NGINX_PID $OTPD_PID $MILTER_PID $SINK_PID $DOVECOT_PID; do
	kill -TERM "\$pid" 2>/dev/null || continue
	# libmilter can take ~5 s to exit after SIGTERM
	i=0
	while alive "\$pid" && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
	alive "\$pid" && kill -KILL "\$pid" 2>/dev/null
done
# "postfix stop" returns before the master has gone: wait for it.
pid=\$(tr -dc 0-9 <"$DEMO_DIR/postfix/spool/pid/master.pid" 2>/dev/null)
i=0
while [ -n "\$pid" ] && alive "\$pid" && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
rm -f "$DEMO_DIR/stop.sh"
echo "guestlink demo stopped (files left in $DEMO_DIR)"
EOF
chmod 0755 "$DEMO_DIR/stop.sh"
trap - EXIT

# --- one invitation --------------------------------------------------------------
msgid="demo.$$.$(date +%s)@example.org"
# Sent as a mail client does: submission, STARTTLS, SMTP AUTH (Dovecot checks the password).
swaks --server "127.0.0.1:$SUB_PORT" --helo client.example.org --tls \
	--auth PLAIN --auth-user "$DEMO_USER" --auth-password "$DEMO_PASS" \
	--from staff@example.org --to guest@gmail.com --data - >"$DEMO_DIR/swaks.out" 2>&1 <<EOF || true
From: Staff Member <staff@example.org>
To: Guest <guest@gmail.com>
Subject: [invite] Join our research lab
Message-ID: <$msgid>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="demo-boundary"

--demo-boundary
Content-Type: text/plain; charset=utf-8

Hello,

I would like to invite you to our research lab's shared files:
$RESOURCE

See you there,
A. Staff Member

--demo-boundary
Content-Type: text/html; charset=utf-8

<html><body>
<p>Hello,</p>
<p>I would like to invite you to <a href="$RESOURCE">our research lab's shared files</a>.</p>
<p>See you there,<br>A. Staff Member</p>
</body></html>

--demo-boundary--
EOF
reply=$(grep -E '^<[-~]  250 .*queued|^<(\*\*|~\*) ' "$DEMO_DIR/swaks.out" | tail -1 | cut -c5-)
echo "sent an invitation from $DEMO_USER (logged in on 127.0.0.1:$SUB_PORT) to guest@gmail.com: $reply"

_demo_delivered() { grep -l -F "<$msgid>" "$DEMO_DIR"/mail/* >/dev/null 2>&1; }
if ! wait_until 15 _demo_delivered; then
	echo "demo: the invitation did not arrive; see $DEMO_DIR/postfix/log/maillog and $MILTER_LOG" >&2
	echo "demo: everything is still running; stop it with $DEMO_DIR/stop.sh" >&2
	exit 1
fi
mail=$(grep -l -F "<$msgid>" "$DEMO_DIR"/mail/* | head -1)
# Undo quoted-printable soft line breaks before looking for the link.
link=$(sed -e :a -e '/=$/{N;s/=\n//;ba}' "$mail" |
	grep -Eo "$PUBLIC/accept/[A-Za-z0-9_-]+" | awk '{ print length($0), $0 }' |
	sort -rn | head -1 | cut -d' ' -f2)

cat <<EOF

guestlink demo running in $DEMO_DIR
  keys        $DEMO_DIR/keys (key id $kid)
  config      $CONF (both daemons)
  milter      pid $MILTER_PID, socket $MILTER_SOCK, log $MILTER_LOG
  postfix     submission on 127.0.0.1:$SUB_PORT (STARTTLS, then SMTP AUTH: user $DEMO_USER,
              password $DEMO_PASS; self-signed certificate $DEMO_DIR/postfix/tls/cert.pem),
              plain SMTP on 127.0.0.1:$SMTP_PORT for otpd's code mails, both through the milter;
              instance $DEMO_DIR/postfix, log $DEMO_DIR/postfix/log/maillog
  dovecot     pid $DOVECOT_PID, SMTP AUTH only (users in $DEMO_DIR/postfix/dovecot/users),
              log $DEMO_DIR/postfix/dovecot/dovecot.log
  otpd        pid $OTPD_PID, 127.0.0.1:$OTPD_PORT, log $OTPD_LOG, database $DEMO_DIR/db
  nginx       pid $NGINX_PID, $PUBLIC: otpd's pages, and the sample resource $RESOURCE
              (auth_request to otpd's /auth), config $DEMO_DIR/nginx/nginx.conf
  mail lands  in $DEMO_DIR/mail/ (smtp-sink, pid $SINK_PID, 127.0.0.1:$SINK_PORT), one file a message:
              invitations and the code mails otpd sends (through the same Postfix)
  code mails  watched (pid $WATCHER_PID): each code is printed here as it arrives, and in $DEMO_DIR/codes.log

delivered:    $mail
  $(grep -m1 '^Subject:' "$mail")
  $(grep -m1 '^X-Guestlink-Invitation:' "$mail")

Open the accept link in a browser on this machine (it is on 127.0.0.1):

  $link

  1. type guest@gmail.com (the invited address) and press "Send me a code"
  2. the code appears below ("code for guest@gmail.com: ...") within a few seconds
  3. type it and press "Sign in"; then set up an authenticator app: scan the QR code,
     or without a phone take the key shown under the QR code and run
       oathtool --totp -b KEY        (KEY without the spaces; a new code every 30 s)
  4. press "Confirm", keep the recovery codes, press "I saved them, continue":
     you are at the sample resource, which names you.
  Later sign-ins: open $RESOURCE and follow the pages.

$OTPCTL_BIN -c $CONF inspect <link>:
EOF
"$OTPCTL_BIN" -c "$CONF" inspect "$link" || true
cat <<EOF
$OTPCTL_BIN -c $CONF invitations   (the milter reported it to otpd):
EOF
_demo_reported() { [ -n "$("$OTPCTL_BIN" -c "$CONF" invitations 2>/dev/null)" ]; }
wait_until 5 _demo_reported || true
"$OTPCTL_BIN" -c "$CONF" invitations || true
cat <<EOF

send another the way a mail client does (STARTTLS, then AUTH; the login is the inviter):
  swaks --server 127.0.0.1:$SUB_PORT --tls --auth PLAIN --auth-user $DEMO_USER --auth-password $DEMO_PASS \\
        --from $DEMO_USER --to someone@gmail.com \\
        --header 'Subject: [invite] Lab files' --body 'See $RESOURCE'
  or: sendmail -C $DEMO_DIR/postfix/etc -f staff@example.org someone@gmail.com < mail.eml
      (staff@example.org is in local_submitters)
or from Thunderbird on this machine: Account Settings > Outgoing Server (SMTP) > Add:
  server 127.0.0.1, port $SUB_PORT, connection security STARTTLS, authentication
  "Normal password", user name $DEMO_USER (password $DEMO_PASS); an identity with
  the address $DEMO_USER using it. At the first send Thunderbird warns about the
  self-signed certificate: "Confirm Security Exception" (the demo's own, CN
  mx.guestlink-test.invalid). Write to someone@gmail.com, subject "[invite] ...",
  with a link under $PUBLIC/resource/; the rewritten mail lands in $DEMO_DIR/mail/.
stop it all:
  $DEMO_DIR/stop.sh
EOF
