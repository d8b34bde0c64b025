# Guessing codes: 5 wrong tries kill a code's digits; after max_failed_tries = 100 compared wrong guesses
# for one address and invitation (across 20 re-issued codes) the server compares no digits for it any more,
# for the invitation's whole life: at most 100 guesses at 10^8 codes (chance <= 10^-6). The log shows the
# counters (every try's outcome, guess_budget_spent at the 100th). Nobody is locked out: the code mail is
# still sent and its link (the mail key) lets the guest in; another invitation has its own budget.
# Then the per-client limit (ip_tries_per_hour): by client address, IPv6 by /64, behind a trusted proxy.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_tries_per_hour = 100000" "ip_mails_per_hour = 100000"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G)
try() { api "/api/v1/accept/$1/code" "{\"email\":\"$G\",\"code\":\"$2\"}"; }
wrong_for() { printf '%08d' $(( (1$1 - 100000000 + 1) % 100000000 )); }
fails=0
for round in $(seq 20); do
	api "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" >/dev/null
	wait_mails "$round" 10 || fail "no code mail in round $round"
	code=$(latest_code)
	wrong=$(wrong_for "$code")
	tries=5
	[ "$round" = 20 ] && tries=4	# keep the 20th code alive: 99 failures so far
	for i in $(seq $tries); do
		r=$(try "$tok" "$wrong")
		fails=$((fails + 1))
		[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "round $round try $i (failure $fails): $r"
	done
done
[ "$fails" = 99 ] || fail "counted $fails"
grep -q 'event=guess_budget_spent' "$T/otpd.log" && fail "budget spent before 100 guesses"
ok "99 wrong tries over 20 codes: each 401"
# The 100th compared guess spends the budget; the live code's right digits are then not compared (401).
r=$(try "$tok" "$wrong")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "100th failure: $r"
grep -q 'event=guess_budget_spent max_failed_tries=100' "$T/otpd.log" || fail "no guess_budget_spent in the log"
r=$(try "$tok" "$code")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "right digits after 100 guesses: $r"
# The counters, from the log: 100 compared wrong tries (80 wrong, 20 killing their code), then one not compared.
wrongs=$(grep -c 'event=code_try .*outcome=wrong_code' "$T/otpd.log")
burned=$(grep -c 'event=code_try .*outcome=code_burned' "$T/otpd.log")
spent=$(grep -c 'event=code_try .*outcome=guess_budget_spent' "$T/otpd.log")
echo "counters: wrong_code=$wrongs code_burned=$burned (compared $((wrongs + burned))) guess_budget_spent=$spent"
[ $((wrongs + burned)) = 100 ] && [ "$burned" = 20 ] && [ "$spent" = 1 ] || fail "counters"
ok "100 compared guesses spend the budget: the right digits are refused unseen"
# Not a lockout: the email step still mails a code, and that mail's link lets the guest in.
n=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n + 1)) 10 || fail "no code mail after the budget was spent"
r=$(html_link $G "$(latest_link)")
[ "$r" = 200 ] || fail "the mail's link after 100 guesses: $r"
ok "the code mail still comes, and its link signs the guest in"
# Another invitation for the address has its own budget.
tok2=$(token $G)
n=$(mail_count)
api "/api/v1/accept/$tok2/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n + 1)) 10 || fail "no code for the new invitation"
r=$(try "$tok2" "$(latest_code)")
[ "${r%% *}" = 200 ] || fail "new invitation: $r"
ok "another invitation's digits work"

# Per client: ip_tries_per_hour = 3 from one client, whatever the address; others are not affected.
kill_otpd
sed -i 's/^ip_tries_per_hour = .*/ip_tries_per_hour = 3/' "$T/otpd.conf"
start_otpd
tok3=$(token a@example.net b@example.net)
xtry() { curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$2\",\"code\":\"12345678\"}" "$BASE/api/v1/accept/$tok3/code"; }
for i in 1 2 3; do [ "$(xtry 192.0.2.7 a@example.net)" = 401 ] || fail "try $i from 192.0.2.7"; done
[ "$(xtry 192.0.2.7 b@example.net)" = 429 ] || fail "4th try from 192.0.2.7 (another address) not limited"
[ "$(xtry 192.0.2.8 a@example.net)" = 401 ] || fail "another client limited too"
for i in 1 2 3; do [ "$(xtry 2001:db8:1:2::10 a@example.net)" = 401 ] || fail "v6 try $i"; done
[ "$(xtry 2001:db8:1:2:ffff::1 a@example.net)" = 429 ] || fail "the same /64 not limited"
[ "$(xtry 2001:db8:1:3::10 a@example.net)" = 401 ] || fail "another /64 limited"
ok "per-client limit: by address, IPv6 by /64"
