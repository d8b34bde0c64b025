#!/bin/bash
# scripts/demo.sh - the whole mail path on loopback, left running (make demo).
#
# Builds a demo directory (DEMO_DIR, default /tmp/guestlink-demo; an earlier
# demo there is stopped and replaced) with keys from otpctl keygen, a config,
# guestlink-milter, an smtp-sink that writes every delivered mail to
# DEMO_DIR/mail/, and a private Postfix on 127.0.0.1 whose test listener and
# sendmail go through the milter. Sends one invitation, shows the accept link
# in the delivered mail and what otpctl inspect says of it, and prints how to
# send more and how to stop it all (DEMO_DIR/stop.sh kills only what this
# script started, by PID, and stops the private Postfix).
#
# Needs root (postfix start) and the binaries built by make (BUILD, default .).
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

need_bins "$MILTER_BIN" "$OTPCTL_BIN"

# Until stop.sh is written, a failure stops what was started.
_demo_fail() {
	local p
	echo "demo: failed; stopping what was started (logs kept in $DEMO_DIR)" >&2
	for p in $T_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	pf_stop "$DEMO_DIR/postfix" 2>/dev/null || true
}
trap '[ $? -eq 0 ] || _demo_fail' EXIT

# --- keys and config -----------------------------------------------------------
"$OTPCTL_BIN" keygen "$DEMO_DIR/keys" >"$DEMO_DIR/keygen.out"
kid=$(sed -n 's/^; key id //p' "$DEMO_DIR/keygen.out")
CONF="$DEMO_DIR/guestlink.conf"
MILTER_LOG="$DEMO_DIR/milter.log"
milter_config "$CONF" "$DEMO_DIR/keys" "$DEMO_DIR/run"

# --- otpd ----------------------------------------------------------------------
# OTPD: start otpd here once it exists (the lead adds it): an [otpd] section in
# $CONF (listen = 127.0.0.1:$(free_port), database = $DEMO_DIR/db,
# smtp_url = smtp://127.0.0.1:$SMTP_PORT, cookie_secure = no), public_url
# pointing at it, bg_start otpd "$DEMO_DIR/otpd.log" "$BUILD/otpd/otpd" -c "$CONF" -f,
# and its PID in stop.sh. Then print the accept link as http://127.0.0.1:PORT/accept/...
# --- end of the otpd place -------------------------------------------------------

# --- sink, milter, postfix ---------------------------------------------------------
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
while [ "$SINK_PORT" = "$SMTP_PORT" ]; do SINK_PORT=$(free_port); done
sink_start "$DEMO_DIR/mail" "$SINK_PORT"
milter_start "$CONF"
pf_create "$DEMO_DIR/postfix" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
pf_start "$DEMO_DIR/postfix"
wait_for_port "$SMTP_PORT" 10 || die "postfix did not listen on 127.0.0.1:$SMTP_PORT"

cat >"$DEMO_DIR/stop.sh" <<EOF
#!/bin/sh
# stop.sh - stop the guestlink demo in $DEMO_DIR: only the processes the demo
# started (by PID) and its private Postfix.
postfix -c "$DEMO_DIR/postfix/etc" stop 2>/dev/null || true
for pid in $MILTER_PID $SINK_PID; do
	kill -TERM "\$pid" 2>/dev/null || continue
	# libmilter can take ~5 s to exit after SIGTERM
	i=0
	while kill -0 "\$pid" 2>/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
	kill -0 "\$pid" 2>/dev/null && kill -KILL "\$pid" 2>/dev/null
done
rm -f "$DEMO_DIR/stop.sh"
echo "guestlink demo stopped (files left in $DEMO_DIR)"
EOF
chmod 0755 "$DEMO_DIR/stop.sh"
trap - EXIT

# --- one invitation --------------------------------------------------------------
msgid="demo.$$.$(date +%s)@example.org"
swaks --server "127.0.0.1:$SMTP_PORT" --helo client.example.org \
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

I would like to invite you to our research lab's team:
https://teams.example.org/t/research-lab

See you there,
A. Staff Member

--demo-boundary
Content-Type: text/html; charset=utf-8

<html><body>
<p>Hello,</p>
<p>I would like to invite you to <a href="https://teams.example.org/t/research-lab">our research lab's team</a>.</p>
<p>See you there,<br>A. Staff Member</p>
</body></html>

--demo-boundary--
EOF
reply=$(grep -E '^<-  250 .*queued|^<\*\* ' "$DEMO_DIR/swaks.out" | tail -1 | cut -c5-)
echo "sent an invitation from staff@example.org to guest@gmail.com: $reply"

_demo_delivered() { grep -l -F "<$msgid>" "$DEMO_DIR"/mail/* >/dev/null 2>&1; }
if ! wait_until 15 _demo_delivered; then
	echo "demo: the invitation did not arrive; see $DEMO_DIR/postfix/log/maillog and $MILTER_LOG" >&2
	exit 1
fi
mail=$(grep -l -F "<$msgid>" "$DEMO_DIR"/mail/* | head -1)
# Undo quoted-printable soft line breaks before looking for the link.
link=$(sed -e :a -e '/=$/{N;s/=\n//;ba}' "$mail" |
	grep -Eo 'https://guest\.example\.org/accept/[A-Za-z0-9_-]+' | awk '{ print length($0), $0 }' |
	sort -rn | head -1 | cut -d' ' -f2)

cat <<EOF

guestlink demo running in $DEMO_DIR
  keys        $DEMO_DIR/keys (key id $kid)
  config      $CONF
  milter      pid $MILTER_PID, socket $MILTER_SOCK, log $MILTER_LOG
  postfix     SMTP on 127.0.0.1:$SMTP_PORT (through the milter), instance $DEMO_DIR/postfix,
              log $DEMO_DIR/postfix/log/maillog
  mail lands  in $DEMO_DIR/mail/ (smtp-sink, pid $SINK_PID, 127.0.0.1:$SINK_PORT), one file a message

delivered:    $mail
  $(grep -m1 '^Subject:' "$mail")
  $(grep -m1 '^X-Guestlink-Invitation:' "$mail")
accept link:  $link

$OTPCTL_BIN -c $CONF inspect <link>:
EOF
"$OTPCTL_BIN" -c "$CONF" inspect "$link" || true
cat <<EOF

send another (staff from 127.0.0.1 counts as trusted):
  swaks --server 127.0.0.1:$SMTP_PORT --from staff@example.org --to someone@gmail.com \\
        --header 'Subject: [invite] Wiki access' --body 'See https://wiki.example.org/space/lab'
  or: sendmail -C $DEMO_DIR/postfix/etc -f staff@example.org someone@gmail.com < mail.eml
stop it all:
  $DEMO_DIR/stop.sh
EOF
