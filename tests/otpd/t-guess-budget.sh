# Finding 4 (issue 10): the guessing bound. However an attacker spreads the tries (1,000 of them, codes
# re-issued through the link every 5 tries, and the guest signing in fully in the middle), the server
# compares at most max_failed_tries = 100 guessed codes per address and invitation, for the invitation's
# whole life: success <= 100 / 10^8 = 10^-6. Counted from the log: each compared wrong guess is logged
# wrong_code or code_burned; tries the server no longer compares say guess_budget_spent.
# (Old otpd: the guest's full sign-in cleared the failure count, so the attacker got 100 more.)
# After the budget is spent the guest's typed digits are not compared either, but the link in the code
# mail still lets the guest in.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G)
id=$("$OTPCTL" -c "$T/otpd.conf" inspect "$tok" | sed -n 's/.*"invitation":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || fail "no invitation id"
HOST=127.0.0.1
PORT=${BASE##*:}
tries=0
round() { # round N: the attacker re-issues a code through the link and sends 5 wrong ones, N times
	python3 tests/otpd/hammer.py rounds $HOST "$PORT" "$tok" $G "$1" >/dev/null || fail "hammer"
	tries=$((tries + 5 * $1))
}
evaluated() { grep "event=code_try invitation=$id " "$T/otpd.log" | grep -Ec 'outcome=(wrong_code|code_burned)'; }
start=$(date +%s)
round 12
echo "after $tries attacker tries: $(evaluated) compared"
# The guest signs in fully (code, then TOTP enrolment): that must not hand the attacker a new budget.
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
grep -q 'event=mfa_enrol.*outcome=enrolled\|outcome=enrolled' "$T/otpd.log" || fail "no enrolment in the log"
round 188
n=$(evaluated)
echo "attacker: $tries tries in $(($(date +%s) - start))s, server compared $n, $(grep "invitation=$id " "$T/otpd.log" | grep -c 'outcome=guess_budget_spent') not compared"
[ "$n" -le 100 ] || fail "the server compared $n guesses for one address and invitation (> 100: success > 10^-6)"
[ "$n" = 100 ] || fail "compared $n, expected the full budget of 100"
grep -q 'event=guess_budget_spent max_failed_tries=100' "$T/otpd.log" || fail "no guess_budget_spent warning"
ok "1,000 tries over 200 codes, a full sign-in in the middle: 100 compared (success <= 10^-6)"
# The guest: new code; the digits are no longer compared, the mail's link is.
n=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n + 1)) 10 || fail "no code mail for the guest"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"$(latest_code)\"}")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "right digits past the budget: $r"
link=$(latest_link)
[ -n "$link" ] || fail "no link in the code mail"
rm -f "$T/jar"
r=$(html_link $G "$link")
[ "$r" = 200 ] || fail "the mail's link past the budget: $r"
[ "$(evaluated)" = 100 ] || fail "the guest's sign-in was counted as a guess"
ok "past the budget the guest's digits are refused unseen, the mail's link lets the guest in"
# Another invitation for the same address has its own budget (per address and invitation).
tok3=$(token $G)
n=$(mail_count)
api "/api/v1/accept/$tok3/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n + 1)) 10 || fail "no code mail for the other invitation"
r=$(api "/api/v1/accept/$tok3/code" "{\"email\":\"$G\",\"code\":\"$(latest_code)\"}")
[ "${r%% *}" = 200 ] || fail "another invitation's digits: $r"
ok "the budget is per invitation: another invitation's code works"
