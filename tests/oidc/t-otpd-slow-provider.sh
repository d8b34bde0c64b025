#!/bin/sh
# t-otpd-slow-provider - a partner provider that hangs, or is hostile, must not freeze otpd (red-team
# finding 01). Beside the real glewlwyd ([oidc partner]) otpd names three providers of hostile_idp.py:
#   slow     its discovery document never comes: 8 concurrent /login/email for slow.example while
#            /healthz, /auth, a code sign-in's email step and glewlwyd's partner.example all answer in
#            under a second; at most one discovery fetch is in flight, the others fail fast (503, "email
#            me a code instead"), and the failure is remembered (no refetch on the next request);
#   tarpit   discovery answers, the token endpoint hangs: 6 concurrent callbacks, /healthz still prompt,
#            never two token requests in flight at once, most callbacks fail fast (502);
#   ssrf     discovery points the token endpoint at another origin (otpd's own port): refused, logged;
#            unless the config names the token endpoint (token_endpoint): then that one is used.
# On the unfixed code the first part left /healthz unanswered for the whole run (every worker waited on
# the provider's lock), the second held every worker for the timeout, the third redirected the guest.
. "$(dirname "$0")/lib.sh"
IDP_PORT=$(free_port)
otpd_conf_more() {
	for name in slow tarpit ssrf ssrfjwks; do
		printf '[oidc %s]\nissuer = http://127.0.0.1:%s/%s\nclient_id = otpd\n' "$name" "$IDP_PORT" "$name"
		printf 'client_secret_file = %s\ndomains = %s.example\ntimeout = 3s\n' "$T/client.secret" "$name"
	done
	printf '[oidc fixed]\nissuer = http://127.0.0.1:%s/fixed\nclient_id = otpd\n' "$IDP_PORT"
	printf 'client_secret_file = %s\ndomains = fixed.example\n' "$T/client.secret"
	printf 'token_endpoint = http://127.0.0.1:%s/fixed/token\n' "$IDP_PORT"
	printf '[otpd]\nip_mails_per_hour = 1000\n'
}
otpd_run password
python3 "$(dirname "$0")/hostile_idp.py" "$IDP_PORT" "$T/idp.log" "$OTPD_PORT" &
IDP_PID=$!
trap 'rc=$?; kill "$IDP_PID" 2>/dev/null; wait "$IDP_PID" 2>/dev/null; (exit $rc); otpd_cleanup' EXIT
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$IDP_PORT/tarpit/.well-known/openid-configuration" && break
	sleep 0.1
done
: >"$T/idp.log"

# timed ARGS... - curl (max 5 s): prints "STATUS SECONDS"
timed() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 "$@" || true; }
# prompt WHAT WANT_STATUS ARGS... - the request must answer WANT_STATUS in under a second
prompt() {
	what=$1 want=$2
	shift 2
	set -- $(timed "$@")
	[ "$1" = "$want" ] && awk "BEGIN { exit !($2 < 1.0) }" || fail "$what: status $1 after ${2}s while a provider hangs (want $want in < 1 s)"
	ok "$what: $1 in ${2}s"
}
login_email() { curl -s -b "$T/jar" ${3:+-c "$3"} -D "${4:-/dev/null}" -o /dev/null -w '%{http_code} %{time_total}\n' \
	--max-time 30 --data-urlencode "email=$1" --data "csrf=$2" "$BASE/login/email"; }

[ "$(page "$BASE/login")" = 200 ] || fail "login page"
csrf=$(csrf_of "$T/pg")
tok=$(invite alice@partner.example) || fail "mktoken"

# --- 1. a provider whose discovery hangs ---
for i in 1 2 3 4 5 6 7 8; do
	login_email "nobody$i@slow.example" "$csrf" >>"$T/slow.out" &
done
sleep 0.5
prompt "/healthz" 200 "$BASE/healthz"
prompt "/auth (no session)" 401 -H "X-Original-URL: $RESOURCE" "$BASE/auth"
prompt "code sign-in email step (gmail.com)" 200 -b "$T/jar" --data-urlencode "email=guest@gmail.com" \
	--data "csrf=$csrf" "$BASE/login/email"
prompt "another provider's email step (partner.example, glewlwyd)" 303 -b "$T/jar" \
	--data-urlencode "email=alice@partner.example" --data "csrf=$csrf" "$BASE/login/email"
wait_lines() { for _ in $(seq 100); do [ "$(wc -l <"$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1; }
wait_lines "$T/slow.out" 8 || fail "the slow provider's requests did not all end: $(cat "$T/slow.out")"
[ "$(grep -c '^503 ' "$T/slow.out")" = 8 ] || fail "slow provider's email steps: $(tr '\n' ' ' <"$T/slow.out")"
# One request fetches (and waits the 3 s timeout); the others fail at once, except those libmicrohttpd had
# already given to the same worker (it serves them after): at most half, and none longer than the timeout.
slow=$(awk '$2 >= 1.0' "$T/slow.out" | wc -l)
late=$(awk '$2 >= 4.5' "$T/slow.out" | wc -l)
[ "$slow" -le 4 ] && [ "$late" = 0 ] || fail "$slow of 8 email steps waited, $late past the timeout: $(tr '\n' ' ' <"$T/slow.out")"
n=$(grep -c '^GET /slow/' "$T/idp.log")
[ "$n" = 1 ] || fail "$n discovery fetches for the slow provider (want 1 in flight at a time)"
ok "8 email steps for the hanging provider: all 503, $slow waited (none past the timeout), 1 discovery fetch"
prompt "the next email step for it (failure remembered)" 503 -b "$T/jar" --data-urlencode "email=x@slow.example" \
	--data "csrf=$csrf" "$BASE/login/email"
[ "$(grep -c '^GET /slow/' "$T/idp.log")" = 1 ] || fail "the failed discovery was fetched again at once"
grep -q 'event=oidc_discovery provider=slow outcome=failed' "$T/otpd.log" || fail "no failed discovery logged"
grep -q 'event=oidc_discovery provider=slow outcome=skipped reason=backoff' "$T/otpd.log" ||
	fail "the remembered failure is not logged"
ok "the failure is remembered: no refetch, logged"
s=$(curl -s -b "$T/jar" -o "$T/pg" -w '%{http_code}' --data-urlencode "email=y@slow.example" --data "csrf=$csrf" \
	"$BASE/login/email")
[ "$s" = 503 ] && grep -q 'value="code"' "$T/pg" || fail "the provider-down page offers no code: $s"
ok "the page offers 'email me a code instead'"

# --- 2. a provider whose token endpoint hangs ---
: >"$T/cb.list"
for i in 1 2 3 4 5 6; do
	r=$(login_email "g$i@tarpit.example" "$csrf" "$T/jar$i" "$T/h$i")
	[ "${r%% *}" = 303 ] || fail "tarpit email step $i: $r"
	st=$(tr -d '\r' <"$T/h$i" | sed -n 's/^[Ll]ocation: .*[?&]state=\([^&]*\).*/\1/p')
	[ -n "$st" ] || fail "tarpit: no state in the redirect"
	echo "$i $st" >>"$T/cb.list"
done
while read -r i st; do
	curl -s -b "$T/jar$i" -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 30 \
		"$BASE/oidc/callback?state=$st&code=c0de$i" >>"$T/cb.out" &
done <"$T/cb.list"
sleep 0.5
prompt "/healthz while token requests hang" 200 "$BASE/healthz"
prompt "/auth while token requests hang" 401 -H "X-Original-URL: $RESOURCE" "$BASE/auth"
prompt "another provider's email step while token requests hang" 303 -b "$T/jar" \
	--data-urlencode "email=alice@partner.example" --data "csrf=$csrf" "$BASE/login/email"
wait_lines "$T/cb.out" 6 || fail "callbacks did not all end: $(cat "$T/cb.out")"
[ "$(grep -c '^502 ' "$T/cb.out")" = 6 ] || fail "tarpit callbacks: $(tr '\n' ' ' <"$T/cb.out")"
# At most one token request in flight: each holds its slot for the whole 3 s timeout, so two that started
# less than 2.5 s apart ran at once. (A callback libmicrohttpd had given to the busy worker may take the slot
# after the first, so there may be more than one in all.)
slow=$(awk '$2 >= 1.0' "$T/cb.out" | wc -l)
n=$(grep -c '^POST /tarpit/token' "$T/idp.log")
overlap=$(grep '^POST /tarpit/token' "$T/idp.log" | awk 'NR > 1 && $3 - prev < 2.5 { o++ } { prev = $3 } END { print o + 0 }')
[ "$slow" -le 3 ] && [ "$overlap" = 0 ] ||
	fail "$slow of 6 callbacks waited, $overlap of $n token requests at once: $(tr '\n' ' ' <"$T/cb.out")"
ok "6 callbacks for the hanging token endpoint: all 502, $slow waited, $n token request(s), never two at once"

# --- 3. endpoints on another origin than the issuer ---
for name in ssrf ssrfjwks; do
	r=$(login_email "g@$name.example" "$csrf")
	[ "${r%% *}" = 503 ] || fail "$name: a discovery document with an endpoint elsewhere was taken: $r"
	grep -q "event=oidc_discovery provider=$name outcome=refused reason=" "$T/otpd.log" ||
		fail "$name: no refusal logged"
done
grep "event=oidc_discovery provider=ssrf outcome=refused" "$T/otpd.log" | grep -q 'token_endpoint' ||
	fail "the refusal does not name the endpoint"
ok "token endpoint or jwks_uri on another origin: refused (503), reason logged"
r=$(login_email "g@fixed.example" "$csrf")
[ "${r%% *}" = 303 ] || fail "a configured token_endpoint: the document's other one still refused: $r"
ok "with token_endpoint configured, the document's token endpoint elsewhere does not matter: 303"
