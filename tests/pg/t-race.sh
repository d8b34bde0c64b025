# Two hosts, one PostgreSQL: the same code sent to both hosts at the same moment signs in exactly once
# (five rounds); tries per code hold across hosts (wrong tries alternating between hosts burn the code at
# the fifth); rate limits count requests split over both hosts as on one (mails per address, tries per
# client IP). Requests go to each host directly, so which host got which is certain.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100" "ip_tries_per_hour = 1000" "ip_mails_per_hour = 1000"
start_sink
start_hosts
G=guest@example.net
tok=$(token $G)
on() { # on HOST PATH JSON -> "STATUS BODY"
	_o=$(mktemp "$T/ob.XXXXXX")
	command curl -s -o "$_o" -w '%{http_code}' -H 'Content-Type: application/json' --data "$3" "$1$2"
	printf ' %s\n' "$(cat "$_o")"
}
n=0
for round in 1 2 3 4 5; do
	[ "$(on "$H1" "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" | cut -c1-3)" = 202 ] || fail "email step"
	n=$((n + 1))
	wait_mails $n 10 || fail "no mail in round $round"
	code=$(latest_code)
	body="{\"email\":\"$G\",\"code\":\"$code\"}"
	# Both at once: each curl in the background, several each, released together.
	pids=
	for i in 1 2 3; do
		(on "$H1" "/api/v1/accept/$tok/code" "$body" | cut -c1-3 >"$T/r1.$round.$i") &
		pids="$pids $!"
		(on "$H2" "/api/v1/accept/$tok/code" "$body" | cut -c1-3 >"$T/r2.$round.$i") &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	oks=$(cat "$T"/r?."$round".* | grep -c '^200$')
	other=$(cat "$T"/r?."$round".* | grep -vc '^200$')
	[ "$oks" = 1 ] || fail "round $round: $oks sign-ins from one code, want 1 ($(cat "$T"/r?."$round".* | tr '\n' ' '))"
	[ "$other" = 5 ] || fail "round $round: $other refusals, want 5"
	cat "$T"/r?."$round".* | grep -v '^200$' | grep -qv '^401$' && fail "round $round: a refusal was not 401"
done
ok "one code sent 6 times at once to two hosts signs in exactly once (5 rounds)"

# Tries per code: wrong tries alternate between hosts; the 5th burns it, then the right code fails too.
[ "$(on "$H2" "/api/v1/accept/$tok/email" "{\"email\":\"$G\"}" | cut -c1-3)" = 202 ] || fail "email step"
n=$((n + 1))
wait_mails $n 10 || fail "no mail for the tries test"
code=$(latest_code)
wrong=$(printf '%08d' $(( (1$code - 100000000 + 1) % 100000000 )))
for i in 1 2 3 4 5; do
	h=$H1
	[ $((i % 2)) = 0 ] && h=$H2
	r=$(on "$h" "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"$wrong\"}")
	[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "wrong try $i: $r"
done
r=$(on "$H2" "/api/v1/accept/$tok/code" "{\"email\":\"$G\",\"code\":\"$code\"}")
[ "$r" = '401 {"error":"wrong_or_expired_code"}' ] || fail "right code after 5 wrong tries on two hosts: $r"
grep -q 'outcome=code_burned' "$T/otpd.log" || fail "no code_burned in the log"
ok "5 wrong tries split over two hosts burn the code"
