# Guessing codes: 5 wrong tries burn a code; 100 failures (across 20 re-issued codes) lock the address for
# every invitation issued before the last failure, so even the right code then fails and no new code is
# mailed: at most 100 guesses at 10^8 codes per address and invitation (chance <= 10^-6). The log shows
# the counters (every try's outcome, address_locked at the 100th). A later invitation works again.
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
grep -q 'event=address_locked' "$T/otpd.log" && fail "locked before 100 failures"
ok "99 wrong tries over 20 codes: each 401"
# The 100th failure locks the address; the live code (one try used) is then refused too.
r=$(try "$tok" "$wrong")
[ "${r%% *}" = 401 ] || [ "${r%% *}" = 429 ] || fail "100th failure: $r"
grep -q 'event=address_locked max_failed_tries=100' "$T/otpd.log" || fail "no address_locked in the log"
r=$(try "$tok" "$code")
[ "$r" = '429 {"error":"too_many_attempts"}' ] || fail "right code after 100 failures: $r"
grep -qi '^Retry-After: [0-9]' "$T/h" || fail "no Retry-After"
n=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" >/dev/null
sleep 1
[ "$(mail_count)" = "$n" ] || fail "a code was mailed to a locked address"
grep -q 'event=code_request .* outcome=address_locked' "$T/otpd.log" || fail "locked email step not logged"
# The counters, from the log: 100 failed tries (80 wrong, 20 burning their code), then one refusal.
wrongs=$(grep -c 'event=code_try .*outcome=wrong_code' "$T/otpd.log")
burned=$(grep -c 'event=code_try .*outcome=code_burned' "$T/otpd.log")
locked=$(grep -c 'event=code_try .*outcome=address_locked' "$T/otpd.log")
echo "counters: wrong_code=$wrongs code_burned=$burned (failures $((wrongs + burned))) address_locked=$locked"
[ $((wrongs + burned)) = 100 ] && [ "$burned" = 20 ] && [ "$locked" = 1 ] || fail "counters"
ok "100 failures lock the address: the right code fails (429), no new code is mailed"
# An invitation issued after the lockout starts afresh (the staff member invites again).
sleep 1
tok2=$(token $G)
api "/api/v1/accept/$tok2/email" "{\"email\":\"$G\"}" >/dev/null
wait_mails $((n + 1)) 10 || fail "no code for the new invitation"
r=$(try "$tok2" "$(latest_code)")
[ "${r%% *}" = 200 ] || fail "new invitation: $r"
ok "a later invitation works again"

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
