# A real nginx with auth_request in front of a sample resource: denied and sent to /login?rd=…,
# a code-only session denied, a full session allowed with X-Guest-Email, another resource denied,
# login through nginx following rd back to the resource.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_nginx
sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
start_otpd
BASE=$NGX
RESOURCE=$NGX/team/42
get() { curl -s -b "${2:-$T/jar}" -D "$T/rh" -o "$T/rb" -w '%{http_code}' "$1"; }

s=$(get "$RESOURCE/index.html" /dev/null)
[ "$s" = 302 ] || fail "no session: got $s, want 302"
loc=$(sed -n 's/^Location: \(.*\)\r$/\1/p' "$T/rh")
[ "$loc" = "$NGX/login?rd=$RESOURCE/index.html" ] || fail "redirect: got $loc"
grep -q 'sample resource' "$T/rb" && fail "resource served without a session"
s=$(curl -s -o /dev/null -w '%{http_code}' "$NGX/auth")
[ "$s" = 403 ] || fail "/auth reachable from outside through nginx: $s"
ok "no session: 302 to /login?rd="

tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
s=$(get "$RESOURCE/index.html")
[ "$s" = 302 ] || fail "code-only session: got $s, want 302"
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment through nginx"
s=$(get "$RESOURCE/index.html")
[ "$s" = 200 ] || fail "full session: got $s, want 200"
grep -q 'sample resource 42' "$T/rb" || fail "not the resource"
grep -qi '^X-Guest-Email: guest@example.net' "$T/rh" || fail "no X-Guest-Email from auth_request"
s=$(get "$NGX/team/43/index.html")
[ "$s" = 302 ] || fail "other resource: got $s, want 302"
ok "full session: resource served; other resource refused"

# Next week, another laptop: the resource's address, /login?rd=, emailed code, TOTP, back at the resource.
: >"$T/jar"
s=$(get "$RESOURCE/index.html")
loc=$(sed -n 's/^Location: \(.*\)\r$/\1/p' "$T/rh")
rd=${loc#*rd=}
[ "$rd" = "$RESOURCE/index.html" ] || fail "rd: $rd"
[ "$(page "$loc")" = 200 ] || fail "login page through nginx"
grep -q "name=\"rd\" value=\"$RESOURCE/index.html\"" "$T/pg" || fail "rd not kept in the login form"
s=$(html_login guest@example.net "$rd")
[ "$s" = 200 ] || fail "login code: $s"
page "$NGX/mfa/verify" >/dev/null
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP through nginx"
back=$(sed -n 's/.*http-equiv="refresh" content="1;url=\([^"]*\)".*/\1/p' "$T/pg")
[ "$back" = "$RESOURCE/index.html" ] || fail "not sent back to the resource: $back"
s=$(get "$back")
[ "$s" = 200 ] && grep -q 'sample resource 42' "$T/rb" || fail "resource after login: $s"
ok "returning guest: /login?rd= to the resource"

stop_nginx
ok "nginx stopped by its pid"
