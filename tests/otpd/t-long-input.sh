# Long input on every route (issue 10, finding 3): a token of 16,383 .. 16,386, 20,000 and 100,000
# characters on each route that takes one (GET and POST, pages and JSON API), long cookie values, long
# header values (X-Original-URL, X-Forwarded-*, Accept-Language), long query strings (rd, state, code):
# otpd answers 404, 414, 400, 401 or 431 and stays up. Before the fix a 20,000-character token aborted
# otpd ("free(): invalid next size") and 16,385 overflowed a fixed array by one byte (caught under ASan:
# run with BUILD=build/asan, cleanup fails the scenario on any sanitizer report in otpd's log).
. tests/otpd/lib.sh
setup "connection_memory = 1m"
start_sink
start_otpd
long() { head -c "$1" /dev/zero | tr '\0' "${2:-A}"; }
alive() { [ "$(command curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] || fail "otpd down after $1"; }
# want WHAT CODE ALLOWED... - CODE must be one of ALLOWED
want() {
	_what=$1 _got=$2
	shift 2
	for _w in "$@"; do [ "$_got" = "$_w" ] && return 0; done
	fail "$_what: got $_got, want one of $*"
}
st() { command curl -s -o /dev/null -w '%{http_code}' "$@"; }
for n in 16383 16384 16385 16386 20000 100000; do
	t=$(long "$n")
	want "GET /accept/<$n>" "$(st "$BASE/accept/$t")" 404 414
	want "GET /accept/<$n>/" "$(st "$BASE/accept/$t/")" 404 414
	want "POST /accept/<$n>/email" "$(st --data 'email=a@x.net&csrf=x' "$BASE/accept/$t/email")" 404 414
	want "POST /accept/<$n>/code" "$(st --data 'email=a@x.net&code=12345678&csrf=x' "$BASE/accept/$t/code")" 404 414
	want "POST /api/v1/accept/<$n>/email" "$(st -H 'Content-Type: application/json' --data '{"email":"a@x.net"}' \
		"$BASE/api/v1/accept/$t/email")" 404 414
	want "POST /api/v1/accept/<$n>/code" "$(st -H 'Content-Type: application/json' \
		--data '{"email":"a@x.net","code":"12345678"}' "$BASE/api/v1/accept/$t/code")" 404 414
	alive "a $n-character token"
done
ok "tokens of 16,383 to 100,000 characters on the six token routes: 404/414, otpd up"
# A valid token with padding after it: still a bad link, never a crash.
tok=$(token a@x.net)
want "valid token + 20,000 more" "$(st "$BASE/accept/$tok$(long 20000)")" 404 414
alive "a padded token"
for n in 200 5000 40000; do
	v=$(long "$n" b)
	want "cookie $n" "$(st -H "Cookie: guestlink_session=$v; guestlink_csrf=$v; guestlink_oidc=$v" \
		-H "X-Original-URL: $RESOURCE/" "$BASE/auth")" 401 431 400
	want "cookie $n on a page" "$(st -H "Cookie: guestlink_csrf=$v; guestlink_session=$v" "$BASE/accept/$tok")" \
		200 431 400
	want "cookie $n on the MFA page" "$(st -H "Cookie: guestlink_session=$v" "$BASE/mfa/setup")" 401 303 403 431 400
	want "cookie $n on a POST" "$(st -H "Cookie: guestlink_csrf=$v" --data "email=a@x.net&csrf=$(long 100 c)" \
		"$BASE/accept/$tok/email")" 400 403 431
	want "cookie $n on the callback" "$(st -H "Cookie: guestlink_oidc=$v" "$BASE/oidc/callback?state=x&code=y")" \
		400 403 404 431
	want "X-Original-URL $n" "$(st -H "Cookie: guestlink_session=x" -H "X-Original-URL: $RESOURCE/$v" \
		"$BASE/auth")" 401 431 400
	want "X-Forwarded-* $n" "$(st -H "Cookie: guestlink_session=x" -H "X-Forwarded-Host: $v" \
		-H "X-Forwarded-Uri: /$v" -H "X-Forwarded-Proto: $v" -H "X-Forwarded-For: $v" "$BASE/auth")" 401 431 400
	want "Accept-Language $n" "$(st -H "Accept-Language: $v" "$BASE/login")" 200 431 400
	want "Content-Type $n" "$(st -H "Content-Type: application/json$v" --data '{}' "$BASE/api/v1/accept/$tok/email")" \
		415 431 400
	alive "$n-byte header values"
done
ok "cookie and header values of 200 to 40,000 bytes: 4xx, otpd up"
for n in 1000 10000 40000; do
	v=$(long "$n" d)
	want "/login?rd= $n" "$(st "$BASE/login?rd=https://teams.example.org/$v")" 200 414
	want "/login?lang= $n" "$(st "$BASE/login?lang=$v&x=$v")" 200 414
	want "/oidc/callback $n" "$(st "$BASE/oidc/callback?state=$v&code=$v&error=$v")" 400 403 404 414
	want "/mfa/setup?lang= $n" "$(st "$BASE/mfa/setup?lang=$v")" 401 303 403 414
	want "/accept?q $n" "$(st "$BASE/accept/$tok?x=$v")" 200 404 414
	want "/login/email rd $n" "$(st --data "email=a@x.net&csrf=x&rd=$v" "$BASE/login/email")" 400 413
	alive "a $n-byte query"
done
ok "query strings and form values of 1,000 to 40,000 bytes: 2xx/4xx, otpd up"
kill -0 "$OTPD_PID" || fail "otpd died"
! grep -q 'Sanitizer\|invalid next size\|Aborted' "$T/otpd.log" || fail "otpd crashed: $(tail -5 "$T/otpd.log")"
ok "no crash, no sanitizer report in otpd's log"
