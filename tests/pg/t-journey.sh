# Two otpd hosts on one PostgreSQL behind nginx round-robin: the whole journey with consecutive requests
# on alternate hosts (accept page, email, code, MFA setup with oathtool, the resource via /auth, later
# /login with code and TOTP, back at the resource). nginx's log shows which host served each request.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_hosts
get() { curl -s -b "${2:-$T/jar}" -D "$T/rh" -o "$T/rb" -w '%{http_code}' "$1"; }

tok=$(token guest@example.net)
html_accept "$tok" guest@example.net || fail "accept: $(head -c 300 "$T/pg") $(cat "$T/nginx/error.log" | tail -3)"
s=$(get "$RESOURCE/index.html")
[ "$s" = 302 ] || fail "code-only session: got $s, want 302"
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment across hosts"
for i in 1 2 3 4; do
	s=$(get "$RESOURCE/index.html")
	[ "$s" = 200 ] && grep -q 'sample resource 42' "$T/rb" || fail "resource, try $i: got $s, want 200"
	grep -qi '^X-Guest-Email: guest@example.net' "$T/rh" || fail "no X-Guest-Email"
done
ok "accept, code, MFA setup and the resource, each request on the other host"

: >"$T/jar"
s=$(get "$RESOURCE/index.html")
loc=$(sed -n 's/^Location: \(.*\)\r$/\1/p' "$T/rh")
rd=${loc#*rd=}
[ "$(page "$loc")" = 200 ] || fail "login page"
s=$(html_login guest@example.net "$rd")
[ "$s" = 200 ] || fail "login code: $s"
page "$NGX/mfa/verify" >/dev/null
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP across hosts"
s=$(get "$RESOURCE/index.html")
[ "$s" = 200 ] && grep -q 'sample resource 42' "$T/rb" || fail "resource after login: $s"
ok "later /login: code and TOTP on alternate hosts, then the resource"

upstreams_used >"$T/used"
[ "$(wc -l <"$T/used")" = 2 ] || fail "not both hosts served: $(cat "$T/used")"
awk '$1 < 4 { exit 1 }' "$T/used" || fail "a host served fewer than 4 requests: $(cat "$T/used")"
alternating || fail "two consecutive requests on one host: $(cat "$T/nginx/access.log")"
ok "nginx spread the requests over both hosts: $(tr -s ' \n' ' ' <"$T/used")"
