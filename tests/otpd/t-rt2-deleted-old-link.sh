# Red team 2, finding 04: after guest_disabled_delete removed a guest disabled for inactivity, the old
# link (issued before the disabling) still refuses: 403 with the disabled page ("ask the person who
# invited you to send the invitation again"), no session, /auth 401. A new link, issued after the
# deletion, works (a fresh guest: code, enrolment, /auth 200).
# (Today the refusal lives only in the guest record, so once it is deleted the old link signs in again.)
# The clock moves by config as in t-lifecycle.sh: guest_inactive_disable = 2s, then guest_disabled_delete = 2s.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 1h" "guest_disabled_delete = 0"
start_sink
start_otpd
G=guest@example.net
guest_line() { "$OTPCTL" -c "$T/otpd.conf" guests | grep "\"email\":\"$G\""; }

tok=$(token $G) || fail mktoken      # the old link: lives one day
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"

restart_with guest_inactive_disable 2s
for _ in $(seq 100); do guest_line | grep -q '"state":"disabled"' && break; sleep 0.1; done
guest_line | grep -q '"state":"disabled"' || fail "not disabled: $(guest_line)"
n0=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"$(latest_code)\"}")
[ "$r" = '403 {"error":"guest_disabled"}' ] || fail "old link while disabled: $r"
ok "disabled: the old link is refused"

# Deleted 2 s after the disabling.
restart_with guest_disabled_delete 2s
for _ in $(seq 100); do guest_line >/dev/null || break; sleep 0.1; done
guest_line >/dev/null && fail "not deleted: $(guest_line)"
grep -q "event=guest_deleted guest=$G" "$T/otpd.log" || fail "no guest_deleted log line"
kill_otpd
sed -i -e 's/^guest_inactive_disable = .*/guest_inactive_disable = 1h/' -e 's/^guest_disabled_delete = .*/guest_disabled_delete = 0/' "$T/otpd.conf"
start_otpd
ok "deleted after guest_disabled_delete"

# The same old link again, in the pages: refused with the disabled page wherever the refusal comes
# (the accept page, the email step or the code step), never a session.
: >"$T/jar"
s=$(page "$BASE/accept/$tok")
if [ "$s" = 200 ]; then
	csrf=$(csrf_of "$T/pg")
	n0=$(mail_count)
	s=$(page --data-urlencode "email=$G" --data "csrf=$csrf" "$BASE/accept/$tok/email")
	if [ "$s" = 200 ] && wait_mails $((n0 + 1)) 10; then
		s=$(page --data-urlencode "email=$G" --data "code=$(latest_code)&csrf=$csrf" "$BASE/accept/$tok/code")
	fi
fi
[ "$s" = 403 ] || fail "after the deletion, the old link -> $s, want 403 (the disabled page)"
grep -q 'Ask the person who invited you to send the invitation again' "$T/pg" || fail "old link after deletion: not the disabled page: $(head -c 400 "$T/pg")"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "the old link made a session after the deletion"
[ "$(auth "$RESOURCE")" = 401 ] || fail "/auth after the old link"
ok "after the deletion, the old link still refuses: 403, the disabled page, /auth 401"

# A new link, issued after the deletion: a fresh start.
sleep 1
tok2=$(token $G) || fail mktoken
: >"$T/jar"
html_accept "$tok2" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment on the new link"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after the new link"
ok "a new link issued after the deletion works"
