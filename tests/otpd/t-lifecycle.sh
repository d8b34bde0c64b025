# Inactive guests expire (issue 15), the clock moved by configuration: with guest_inactive_disable = 2s a
# guest is disabled (sessions ended, /auth 401, /login and the old link refused with a page saying to ask
# for a new invitation, one notice to the inviter, otpctl guests says "disabled"); an invitation sent
# again re-enables; guest_disabled_delete then deletes the record (TOTP secret and recovery codes with
# it) while the audit lines stay.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 1h" "guest_disabled_delete = 0"
start_sink
start_otpd
guest_line() { "$OTPCTL" -c "$T/otpd.conf" guests | grep "\"email\":\"guest@example.net\""; }
wait_state() { # wait_state WORD SECONDS
	for _ in $(seq $(($2 * 10))); do
		guest_line | grep -q "\"state\":\"$1\"" && return 0
		sleep 0.1
	done
	return 1
}
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"
cp "$T/jar" "$T/old.jar"
guest_line | grep -q '"state":"active"' || fail "otpctl guests: not active: $(guest_line)"
# The clock moves by configuration: 2s without a sign-in is inactive now.
restart_with guest_inactive_disable 2s
wait_state disabled 10 || fail "not disabled after 2s without sign-in: $(guest_line)"
guest_line | grep -q '"last_sign_in":[0-9]' || fail "otpctl guests: no last_sign_in: $(guest_line)"
grep -q 'event=guest_disabled guest=guest@example.net' "$T/otpd.log" || fail "no guest_disabled log line"
[ "$(auth "$RESOURCE" "$T/old.jar")" = 401 ] || fail "/auth still lets the disabled guest's session through"
ok "disabled after 2s: otpctl guests says disabled (with last_sign_in), the session no longer passes /auth"

# One notice to the inviter (besides the accepted one).
for _ in $(seq 100); do notice_files | xargs -r grep -l '^Subject: Guest disabled' | grep -q . && break; sleep 0.1; done
n=$(notice_files | xargs -r grep -l '^Subject: Guest disabled' | wc -l)
[ "$n" = 1 ] || fail "want one disable notice, got $n"
body=$(tr -d '\r' <"$(notice_files | xargs grep -l '^Subject: Guest disabled')" |
	perl -MMIME::QuotedPrint -0777 -ne 'my ($h, $b) = split /\n\n/, $_, 2; print decode_qp($b)')
printf '%s\n' "$body" | grep -q '^has not signed in since .* and has therefore been disabled\.$' || fail "disable notice: $body"
printf '%s\n' "$body" | grep -q "^  $RESOURCE\$" || fail "disable notice: no resource: $body"
printf '%s\n' "$body" | grep -q 'Send the invitation again' || fail "disable notice: how to give access again"
printf '%s\n' "$body" | grep -q 'is daarom uitgeschakeld' || fail "disable notice: no Dutch"
ok "one notice to the inviter"

# /login: the right code, then the page that says to ask for a new invitation; no session.
: >"$T/jar"
s=$(html_login guest@example.net)
[ "$s" = 403 ] || fail "/login of a disabled guest: $s"
grep -q 'Ask the person who invited you to send the invitation again' "$T/pg" || fail "disabled page: $(cat "$T/pg")"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "/login made a session for a disabled guest"
# The old link: refused the same way (JSON too).
n0=$(mail_count)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail on the old link"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$(latest_code)\"}")
[ "$r" = '403 {"error":"guest_disabled"}' ] || fail "old link of a disabled guest: $r"
ok "disabled: /login and the old link refused (403, ask for a new invitation)"

# The inviter sends the invitation again (a new link, issued now): enabled again. A long
# guest_inactive_disable for this part, so the sweeper does not disable the guest again at once.
restart_with guest_inactive_disable 1h
sleep 1
tok2=$(token guest@example.net)
: >"$T/jar"
html_accept "$tok2" guest@example.net
grep -q 'Code accepted' "$T/pg" || fail "new invitation: $(cat "$T/pg")"
guest_line | grep -q '"state":"active"' || fail "not enabled by the new invitation: $(guest_line)"
: >"$T/jar"
[ "$(html_login guest@example.net)" = 200 ] || fail "/login after the new invitation"
ok "an invitation sent again enables the guest"

# Deletion: disabled after 2s, deleted 2s after that; the audit lines stay.
kill_otpd
sed -i -e 's/^guest_inactive_disable = .*/guest_inactive_disable = 2s/' \
	-e 's/^guest_disabled_delete = .*/guest_disabled_delete = 2s/' "$T/otpd.conf"
start_otpd
wait_state disabled 10 || fail "not disabled again: $(guest_line)"
for _ in $(seq 100); do guest_line >/dev/null || break; sleep 0.1; done
guest_line >/dev/null && fail "still listed after guest_disabled_delete: $(guest_line)"
grep -q 'event=guest_deleted guest=guest@example.net' "$T/otpd.log" || fail "no guest_deleted log line"
mdb_dump -p -s guests "$T/db" | grep -q 'guest@example.net' && fail "the record is still in the database"
audit=$(mdb_dump -p -s audit "$T/db")
printf '%s\n' "$audit" | grep -q 'event=guest_disabled .*guest=guest@example.net' || fail "no disable audit line"
printf '%s\n' "$audit" | grep -q 'event=guest_deleted .*guest=guest@example.net' || fail "no delete audit line"
printf '%s\n' "$audit" | grep -q 'event=code_signed_in .*guest=guest@example.net' || fail "older audit lines gone"
: >"$T/jar"
# (html_login prints 000 when no code mail comes: the deleted guest is unknown now)
[ "$(html_login guest@example.net)" = 000 ] || fail "a code mail for the deleted guest"
grep -qi '^Set-Cookie: guestlink_session=' "$T/ph" && fail "a deleted guest signed in"
ok "deleted after guest_disabled_delete: not listed, no record, audit lines kept, /login gives nothing"
