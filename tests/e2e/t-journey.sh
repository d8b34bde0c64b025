#!/bin/bash
# t-journey.sh - the whole way, for real: a private Postfix with the milter,
# otpd on the same config file (plus [otpd]), code mails sent by otpd THROUGH
# that Postfix to the sink. Staff send an invitation by SMTP; the guest takes
# the accept link from the delivered mail, sees who invited them to what,
# asks for a code (HTML form with the page's CSRF token), reads the code from
# the mail Postfix delivered, types it in, is sent on to /mfa/setup (after the
# privacy page, accepted), enrols
# with oathtool (an independent TOTP), and then /auth lets the session through
# to the resource with X-Guest-Email. otpctl invitations shows the invitation
# the milter reported (inviter, resource, queue id) redeemed by the guest.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

. "$(dirname "$0")/../lib/otpd.sh"
need_bins "$MILTER_BIN" "$OTPCTL_BIN" "$OTPD_BIN"
command -v oathtool >/dev/null || die "oathtool missing (scripts/deps.sh check)"
GUEST=guest@example.net

# --- the setting: one config for the milter and otpd ---------------------------
OTPD_PORT=$(free_port)
SMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
while [ "$SMTP_PORT" = "$OTPD_PORT" ]; do SMTP_PORT=$(free_port); done
while [ "$SINK_PORT" = "$SMTP_PORT" ] || [ "$SINK_PORT" = "$OTPD_PORT" ]; do SINK_PORT=$(free_port); done
BASE=http://127.0.0.1:$OTPD_PORT
ACCEPT_PREFIX=$BASE/accept/
KEY_DIR="$T_DIR/keys"
make_keys "$KEY_DIR"
CONF="$T_DIR/guestlink.conf"
milter_config "$CONF" "$KEY_DIR" "$T_DIR/run" "otpd_url = $BASE"
sed -i "s|^public_url = .*|public_url = $BASE|" "$CONF"
otpd_config "$CONF" "$OTPD_PORT" "$SMTP_PORT" "$T_DIR/db"

out=$("$MILTER_BIN" -c "$CONF" -n 2>&1) || true
expect_eq "$out" "configuration OK" "the milter accepts the shared config (-n)"
out=$("$OTPD_BIN" -c "$CONF" -n 2>&1) || true
expect_eq "$out" "configuration OK" "otpd accepts the shared config (-n)"

SINK_DIR="$T_DIR/sink"
PF_DIR="$T_DIR/pf"
sink_start "$SINK_DIR" "$SINK_PORT"
otpd_start "$CONF"
milter_start "$CONF"
pf_create "$PF_DIR" "$SMTP_PORT" "$SINK_PORT" "$MILTER_SOCK"
pf_start "$PF_DIR"
wait_for_port "$SMTP_PORT" 10 || die "postfix smtpd did not listen on $SMTP_PORT"

# --- curl as the guest's browser: one cookie jar -------------------------------
JAR="$T_DIR/jar"
: >"$JAR"
# page ARGS... - body in $T_DIR/pg, headers in $T_DIR/ph; prints the status
page() { curl -s -c "$JAR" -b "$JAR" -D "$T_DIR/ph" -o "$T_DIR/pg" -w '%{http_code}' "$@"; }
csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T_DIR/pg" | head -1; }
h1_of() { sed -n 's/.*<h1>\(.*\)<\/h1>.*/\1/p' "$T_DIR/pg" | head -1; }
# ms - milliseconds since the epoch (for the time budget below)
ms() { date +%s%3N; }
t_start=$(ms)

# --- 1. staff send the invitation by SMTP --------------------------------------
id=$(unique_id)
make_invite "$T_DIR/in.eml" "[invite] Join our research lab" "Guest <$GUEST>" "$id"
if smtp_send "$T_DIR/in.eml" staff@example.org "$GUEST"; then
	ok "swaks: the invitation was accepted ($SMTP_REPLY)"
else
	fail "swaks: $SMTP_REPLY"
	sed 's/^/#   /' "$SMTP_OUT"
fi
f=$(sink_wait "$id" 15) || die "the invitation did not reach the sink: $(tail -5 "$(pf_log "$PF_DIR")")"
ok "the invitation was delivered"
inv_id=$(header_value "$(sink_headers "$f")" X-Guestlink-Invitation)
expect_match "$inv_id" '^[0-9a-f]{32}$' "X-Guestlink-Invitation is 32 hex digits"
inv_qid=${SMTP_REPLY##*queued as }
expect_match "$(grep -F " $inv_qid: message-id=<$id>" "$(pf_log "$PF_DIR")" || true)" cleanup \
	"the invitation's queue id ($inv_qid) is in the maillog"

link=$(mime "$f" hrefs | grep -F "$ACCEPT_PREFIX" | head -1 || true)
expect_match "$link" "^${ACCEPT_PREFIX//./\\.}[A-Za-z0-9_-]+\$" "the HTML part links to <public_url>/accept/<token>"
expect_eq "$(mime "$f" plain | grep -F "$ACCEPT_PREFIX" | head -1)" "$link" "the plain-text part has the same link"
token=${link#"$ACCEPT_PREFIX"}
[ -n "$token" ] || die "no accept link in the delivered invitation"

# The milter reported the invitation to otpd (best effort, off the mail path).
_reported() { grep -q "event=reported invitation=$inv_id" "$MILTER_LOG"; }
if wait_until 10 _reported; then ok "the milter reported the invitation to otpd"; else
	fail "no report in the milter log: $(grep -E 'report' "$MILTER_LOG" | tail -3)"; fi

# --- 2. the accept page: who invited you to what --------------------------------
expect_eq "$(page "$link")" 200 "GET /accept/<token>: 200"
expect_eq "$(h1_of)" "Accept your invitation" "accept page: heading"
expect_match "$(cat "$T_DIR/pg")" '<strong>staff@example.org</strong> invited you to <span class="resource">https://teams\.example\.org/t/research-lab</span>' \
	"accept page: names the inviter and the resource"
expect_match "$(cat "$T_DIR/pg")" "<input id=\"email\" type=\"email\" name=\"email\"" "accept page: an email field"
csrf=$(csrf_of)
expect_match "$csrf" '^[A-Za-z0-9_-]{20,}$' "accept page: a CSRF token in the form"
expect_eq "$(find "$SINK_DIR" -type f | wc -l)" 1 "a GET mails nothing (only the invitation in the sink)"

# --- 3. the email address, with the page's CSRF token ------------------------------
expect_eq "$(page --data-urlencode "email=$GUEST" --data "csrf=$csrf" "$link/email")" 200 "POST email: 200"
expect_match "$(cat "$T_DIR/pg")" 'If this address was invited, a code is on its way' "POST email: the code-sent notice"
expect_match "$(cat "$T_DIR/pg")" '<input id="code" class="code" type="text" name="code"' "POST email: a code field"
csrf=$(csrf_of)

# --- 4. the code mail, through the private Postfix ------------------------------------
_code_mail() { grep -l -i '^Subject: Your code for Example University' "$SINK_DIR"/* 2>/dev/null | head -1; }
_has_code_mail() { [ -n "$(_code_mail)" ]; }
wait_until 20 _has_code_mail || die "no code mail in the sink: $(tail -5 "$(pf_log "$PF_DIR")"; tail -5 "$OTPD_LOG")"
cm=$(_code_mail)
ok "the code mail reached the sink"
expect_eq "$(sink_rcpts "$cm")" "$GUEST" "code mail: envelope recipient is the guest"
cm_hdrs=$(sink_headers "$cm")
expect_match "$cm_hdrs" '^Received: from .*127\.0\.0\.1' "code mail: Received from otpd's SMTP client on 127.0.0.1"
expect_match "$(printf '%s\n' "$cm_hdrs" | awk '/^Received: /{r=1} r&&/^[^ \t]/&&!/^Received: /{r=0} r')" \
	'by mx\.guestlink-test\.invalid \(Postfix\) with E?SMTP' "code mail: Received by the private Postfix"
expect_eq "$(header_value "$cm_hdrs" From)" "Example University <no-reply@example.org>" "code mail: From is mail_from"
expect_match "$(header_value "$cm_hdrs" To)" "^<?$GUEST>?\$" "code mail: To is the guest"
code_qid=$(printf '%s\n' "$cm_hdrs" | sed -n 's/.*(Postfix) with E\{0,1\}SMTP id \([0-9A-F]*\).*/\1/p' | head -1)
expect_match "$(grep -F " $code_qid: " "$(pf_log "$PF_DIR")" || true)" "to=<$GUEST>.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$SINK_PORT.*status=sent" \
	"maillog: Postfix relayed the code mail ($code_qid) to the sink"
expect_no_match "$cm_hdrs" '^X-Guestlink-Invitation:' "code mail: the milter left it alone (no invitation header)"
code=$(tr -d '\r' <"$cm" | grep -E '^[0-9]{8}$' | head -1 || true)
expect_match "$code" '^[0-9]{8}$' "code mail: an 8-digit code on a line of its own"

# --- 5. the code typed in: on to /mfa/setup ----------------------------------------
expect_eq "$(page --data-urlencode "email=$GUEST" --data "code=$code&csrf=$csrf" "$link/code")" 200 "POST code: 200"
expect_match "$(cat "$T_DIR/pg")" 'Code accepted\. Next, set up an authenticator app' "POST code: accepted, set up the app next"
expect_match "$(cat "$T_DIR/pg")" '<a class="button" href="/mfa/setup\?lang=en">' "POST code: next is /mfa/setup in the chosen language (button)"
expect_match "$(cat "$T_DIR/pg")" 'http-equiv="refresh" content="1;url=/mfa/setup\?lang=en"' "POST code: next is /mfa/setup in the chosen language (refresh)"
expect_match "$(grep -i '^Set-Cookie: guestlink_session=' "$T_DIR/ph" || true)" 'HttpOnly' "POST code: a session cookie, HttpOnly"
auth() { curl -s -b "$JAR" -D "$T_DIR/ah" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $1" "$BASE/auth"; }
expect_eq "$(auth "$RESOURCE_URL")" 401 "/auth refuses a session that has only the emailed code"

# --- 5a. the privacy page, before the first sign-in finishes -----------------------------
expect_eq "$(page "$BASE/mfa/setup")" 303 "GET /mfa/setup before the privacy page: 303"
expect_match "$(tr -d '\r' <"$T_DIR/ph")" '^Location: /privacy\?lang=en$' "GET /mfa/setup: on to /privacy first"
expect_eq "$(page "$BASE/privacy")" 200 "GET /privacy: 200"
expect_eq "$(h1_of)" "What we keep about you" "privacy page: heading"
expect_eq "$(page --data "csrf=$(csrf_of)" "$BASE/privacy")" 303 "POST /privacy (accept): 303"
expect_match "$("$OTPCTL_BIN" -c "$CONF" guests)" '"privacy_accepted_at":[0-9]+' "otpctl guests: the acceptance time"
expect_eq "$(auth "$RESOURCE_URL")" 401 "/auth still refuses before the enrolment"

# --- 6. enrolment with oathtool --------------------------------------------------------
expect_eq "$(page "$BASE/mfa/setup")" 200 "GET /mfa/setup: 200"
expect_eq "$(h1_of)" "Set up your authenticator app" "setup page: heading"
secret=$(sed -n 's/.*id="secret">\([^<]*\)<.*/\1/p' "$T_DIR/pg" | tr -d ' ')
expect_match "$secret" '^[A-Z2-7]{32}$' "setup page: a base32 key"
expect_match "$(cat "$T_DIR/pg")" '<svg class="qr"' "setup page: a QR code"
csrf=$(csrf_of)
totp=$(oathtool --totp -b "$secret")
expect_eq "$(page --data-urlencode "code=$totp" --data "csrf=$csrf" "$BASE/mfa/setup")" 200 "POST /mfa/setup with oathtool's code: 200"
expect_eq "$(h1_of)" "Save your recovery codes" "recovery codes page: heading"
expect_eq "$(grep -Ec '<li><code>[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}</code></li>' "$T_DIR/pg")" 10 "10 recovery codes shown"
expect_match "$(cat "$T_DIR/pg")" "<a class=\"button\" href=\"$RESOURCE_URL\">" "recovery codes page: a way on to the resource"

# --- 7. the resource -----------------------------------------------------------------------
expect_eq "$(auth "$RESOURCE_URL/files?x=1")" 200 "/auth for the resource with the session cookie: 200"
expect_match "$(tr -d '\r' <"$T_DIR/ah")" "^X-Guest-Email: $GUEST\$" "/auth: X-Guest-Email names the guest"
expect_eq "$(auth "https://teams.example.org/t/other-team")" 401 "/auth refuses a resource the guest was not invited to"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Original-URL: $RESOURCE_URL" "$BASE/auth")" 401 \
	"/auth without the cookie: 401"

# --- 8. otpctl invitations: reported by the milter, redeemed by the guest --------------------
inv=$("$OTPCTL_BIN" -c "$CONF" invitations 2>"$T_DIR/otpctl.err") || fail "otpctl invitations: $(cat "$T_DIR/otpctl.err")"
line=$(printf '%s\n' "$inv" | grep -F "\"invitation\":\"$inv_id\"" || true)
expect_eq "$(printf '%s\n' "$inv" | grep -c .)" 1 "otpctl invitations: one invitation"
jf() { printf '%s' "$line" | python3 -c 'import json,sys; o=json.load(sys.stdin); v=eval("o"+sys.argv[1]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" 2>/dev/null || true; }
expect_eq "$(jf '["inviter"]')" staff@example.org "invitations: inviter"
expect_eq "$(jf '["resources"]')" "[\"$RESOURCE_URL\"]" "invitations: resource"
expect_eq "$(jf '["queue_id"]')" "$inv_qid" "invitations: the queue id the milter reported (so it came from the milter's report)"
expect_eq "$(jf '["guests"]')" 1 "invitations: one guest"
expect_eq "$(jf '["state"]')" redeemed "invitations: state redeemed"
expect_eq "$(jf '["redeemed"][0]["email"]')" "$GUEST" "invitations: redeemed by the guest"

# --- nothing secret in the logs ----------------------------------------------------------------
# (The 6-digit TOTP code is left out: six digits turn up in any log by chance.)
logs=$(cat "$OTPD_LOG" "$MILTER_LOG" "$(pf_log "$PF_DIR")")
expect_no_match "$logs" "$token" "no accept token in any log"
expect_no_match "$logs" "(^|[^0-9])$code([^0-9]|\$)" "no emailed code in any log"
expect_no_match "$logs" "$secret" "no TOTP key in any log"
# For t-zz-logs.sh (tests/e2e/run.sh): the TOTP key and the session id must
# turn up in no log of any scenario either.
sess=$(awk '$6 == "guestlink_session" { print $7 }' "$JAR" | tail -1)
printf '%s\n' "$secret" ${sess:+"$sess"} >"$T_DIR/never-logged.txt"
t_ms=$(($(ms) - t_start))
note "the journey took ${t_ms} ms"
check "otpd still running" pid_alive "$OTPD_PID"
t_done
