# The inviter hears back (issue 15): one notice in smtp-sink after the guest's first redemption, naming
# the guest, the resource, the time and how to revoke; none after a second sign-in with the same
# invitation nor after /login; notify_inviter = no sends none.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
tok=$(token guest@example.net)
id=$("$OTPCTL" -c "$T/otpd.conf" inspect "$tok" | sed -n 's/.*"invitation":"\([0-9a-f]*\)".*/\1/p')
[ ${#id} = 32 ] || fail "no invitation id from otpctl inspect"
[ -z "$(notice_files)" ] || fail "a notice before anything happened"
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "email step: $r"
wait_mails 1 10 || fail "no code mail"
sleep 1
[ -z "$(notice_files)" ] || fail "a notice for a code request (nothing redeemed yet)"
code=$(latest_code)
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "${r%% *}" = 200 ] || fail "code step: $r"
for _ in $(seq 100); do [ -n "$(notice_files)" ] && break; sleep 0.1; done
n=$(notice_files | wc -l)
[ "$n" = 1 ] || fail "want 1 notice after the first redemption, got $n"
f=$(notice_files)
body=$(tr -d '\r' <"$f" | perl -MMIME::QuotedPrint -0777 -ne 'my ($h, $b) = split /\n\n/, $_, 2; print decode_qp($b)')
hdrs=$(tr -d '\r' <"$f" | sed '/^$/q')
printf '%s\n' "$hdrs" | grep -q '^Subject: guest@example.net accepted your invitation' || fail "subject: $hdrs"
printf '%s\n' "$hdrs" | grep -q '^From: Example University <no-reply@example.org>' || fail "from: $hdrs"
printf '%s\n' "$hdrs" | grep -q '^Auto-Submitted: auto-generated' || fail "no Auto-Submitted"
printf '%s\n' "$body" | grep -q '^guest@example.net accepted your invitation to$' || fail "who (en): $body"
printf '%s\n' "$body" | grep -q "^  $RESOURCE\$" || fail "which resource: $body"
printf '%s\n' "$body" | grep -q "^on $(date -u +%Y-%m-%d) [0-9][0-9]:[0-9][0-9] UTC, with an emailed code\.$" || fail "when: $body"
printf '%s\n' "$body" | grep -q "^  otpctl revoke $id\$" || fail "how to revoke: $body"
printf '%s\n' "$body" | grep -q '^guest@example.net heeft je uitnodiging voor$' || fail "Dutch text: $body"
printf '%s\n' "$body" | grep -q '^Wil je de toegang intrekken' || fail "Dutch revoke text: $body"
grep -q "$code" "$f" && fail "the guest's code in the notice"
ok "first redemption: one notice to the inviter (who, what, when, how to revoke; en and nl)"

# The same invitation again (a new code on the same link), then /login: still one notice.
n0=$(mail_count)
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
wait_mails $((n0 + 1)) 10 || fail "no second code mail"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$(latest_code)\"}")
[ "${r%% *}" = 200 ] || fail "second sign-in with the invitation: $r"
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "/login code step"
sleep 2
n=$(notice_files | wc -l)
[ "$n" = 1 ] || fail "want still 1 notice after later sign-ins, got $n"
ok "no notice for a second sign-in with the invitation nor for /login"

# A second invitation from the same inviter is a new redemption: its own notice.
tok2=$(token guest@example.net)
n0=$(mail_count)
api "/api/v1/accept/$tok2/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail for the second invitation"
r=$(api "/api/v1/accept/$tok2/code" "{\"email\":\"guest@example.net\",\"code\":\"$(latest_code)\"}")
[ "${r%% *}" = 200 ] || fail "second invitation: $r"
for _ in $(seq 100); do [ "$(notice_files | wc -l)" -ge 2 ] && break; sleep 0.1; done
[ "$(notice_files | wc -l)" = 2 ] || fail "want a notice for the second invitation"
ok "a second invitation: one more notice"

# notify_inviter = no: none.
kill_otpd
echo "notify_inviter = no" >>"$T/otpd.conf"
start_otpd
tok3=$(token other@example.net)
api "/api/v1/accept/$tok3/email" '{"email":"other@example.net"}' >/dev/null
n0=$(mail_count)
wait_mails 1 10 || fail "no code mail"
code=$(tr -d '\r' <"$(grep -l '^To: <other@example.net>' "$T/sink"/* | head -1)" | grep -E '^[0-9]{8}$' | head -1)
r=$(api "/api/v1/accept/$tok3/code" "{\"email\":\"other@example.net\",\"code\":\"$code\"}")
[ "${r%% *}" = 200 ] || fail "code step with notify_inviter = no: $r"
sleep 2
[ "$(notice_files | wc -l)" = 2 ] || fail "a notice with notify_inviter = no"
ok "notify_inviter = no: no notice"
