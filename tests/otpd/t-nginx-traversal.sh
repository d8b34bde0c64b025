# Encoded traversal through a real nginx (issue 10, finding 2): a guest with a full session for /team/42
# asks nginx for /team/43's file through "..%2F", "%2E%2E%2F", "%2e%2e/", "//../", "..;/", "%C0%AE" and
# "..%5C"; nginx decodes most of them and would serve /team/43/index.html. otpd judges the raw
# $request_uri (X-Original-URL) as nginx will see it and says no: 302 to /login (or 400 from nginx),
# never resource 43. The legitimate /team/42 request (also written with harmless escapes) is 200.
# On main, /auth compared raw text: "..%2F43" and "%2E%2E%2F43" got resource 43.
# Then /auth itself: X-Original-URL and X-Forwarded-Host/Uri that disagree, a header sent twice,
# userinfo, a look-alike host, port tricks, and host case / a trailing dot (the same host).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_nginx
sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
start_otpd
BASE=$NGX
RESOURCE=$NGX/team/42
get() { curl -s --path-as-is -b "$T/jar" -D "$T/rh" -o "$T/rb" -w '%{http_code}' "$1"; }

tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment through nginx"
for p in /team/42/index.html /team/42/ /team/%34%32/index.html /team/42/./index.html /team/43/../42/index.html; do
	s=$(get "$NGX$p")
	[ "$s" = 200 ] && grep -q 'sample resource 42' "$T/rb" || fail "legitimate $p: got $s"
done
ok "a guest of /team/42 gets /team/42 (also as %34%32, ./ and 43/../42)"
s=$(get "$NGX/team/43/index.html")
[ "$s" = 302 ] || fail "plain /team/43: got $s, want 302"
n=0
for p in '/team/42/..%2F43/index.html' '/team/42/..%2f43/index.html' '/team/42/%2E%2E%2F43/index.html' \
	'/team/42/%2e%2e/43/index.html' '/team/42/.%2e/43/index.html' '/team/42//../43/index.html' \
	'/team/42/..;/43/index.html' '/team/42/%C0%AE%C0%AE/43/index.html' '/team/42/..%5C43/index.html' \
	'/team/42/%2e%2e%2f43/index.html' '/team/42/..%252F43/index.html' '/team/42/%2e./43/index.html'; do
	s=$(get "$NGX$p")
	grep -q 'sample resource 43' "$T/rb" && fail "$p: resource 43 served (status $s)"
	case $s in 302 | 400 | 401 | 403 | 404) ;; *) fail "$p: got $s, want 302/400/401/403/404" ;; esac
	echo "  $p -> $s"
	n=$((n + 1))
done
ok "$n encoded-traversal requests for /team/43 through nginx: refused, resource 43 never served"
# The client plants the headers otpd reads: nginx replaces X-Original-URL and blanks X-Forwarded-*.
s=$(curl -s -b "$T/jar" -o "$T/rb" -w '%{http_code}' -H "X-Original-URL: $RESOURCE/index.html" \
	-H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" -H "X-Forwarded-Uri: /team/42/index.html" "$NGX/team/43/index.html")
[ "$s" = 302 ] && ! grep -q 'sample resource 43' "$T/rb" || fail "planted X-Original-URL for 42, asking 43: got $s"
s=$(curl -s -b "$T/jar" -o "$T/rb" -w '%{http_code}' -H "X-Forwarded-Host: evil" -H "X-Forwarded-Uri: /x" \
	"$NGX/team/42/index.html")
[ "$s" = 200 ] || fail "planted X-Forwarded-* on a legitimate request: got $s (nginx should blank them)"
ok "headers planted by the client through nginx: replaced or blanked, 43 refused, 42 served"

# /auth directly, as nginx would ask it (otpd's own port: the forwarded headers are the attacker's here).
BASE=http://127.0.0.1:$HTTP_PORT
aq() { command curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' "$@" "$BASE/auth"; }
R=http://127.0.0.1:$NGX_PORT/team/42
[ "$(aq -H "X-Original-URL: $R/x")" = 200 ] || fail "/auth for the resource"
[ "$(aq -H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" -H "X-Forwarded-Uri: /team/42/x" -H 'X-Forwarded-Proto: http')" = 200 ] ||
	fail "/auth from X-Forwarded-*"
[ "$(aq -H "X-Original-URL: $R/x" -H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" -H "X-Forwarded-Uri: /team/42/x" \
	-H 'X-Forwarded-Proto: http')" = 200 ] || fail "/auth with both, agreeing"
s=$(aq -H "X-Original-URL: $R/x" -H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" -H "X-Forwarded-Uri: /team/43/x" \
	-H 'X-Forwarded-Proto: http')
[ "$s" = 401 ] || fail "X-Original-URL (42) and X-Forwarded-Uri (43) disagree: got $s"
s=$(aq -H "X-Original-URL: http://127.0.0.1:$NGX_PORT/team/43/x" -H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" \
	-H "X-Forwarded-Uri: /team/42/x" -H 'X-Forwarded-Proto: http')
[ "$s" = 401 ] || fail "X-Original-URL (43) and X-Forwarded-Uri (42) disagree: got $s"
s=$(aq -H "X-Original-URL: $R/x" -H "X-Original-URL: http://127.0.0.1:$NGX_PORT/team/43/x")
[ "$s" = 401 ] || fail "X-Original-URL twice: got $s"
s=$(aq -H "X-Forwarded-Host: 127.0.0.1:$NGX_PORT" -H "X-Forwarded-Uri: /team/42/x" -H 'X-Forwarded-Proto: gopher')
[ "$s" = 401 ] || fail "X-Forwarded-Proto gopher: got $s"
s=$(aq -H "X-Forwarded-Uri: /team/42/x")
[ "$s" = 401 ] || fail "X-Forwarded-Uri without a host: got $s"
ok "/auth: disagreeing X-Original-URL / X-Forwarded-*, a header twice, a bad proto: 401"
for u in "http://evil@127.0.0.1:$NGX_PORT/team/42/x" "http://127.0.0.1:$NGX_PORT@evil/team/42/x" \
	"http://127.0.0.1.evil:$NGX_PORT/team/42/x" "http://127.0.0.1:$((NGX_PORT + 1))/team/42/x" \
	"http://127.0.0.1/team/42/x" "https://127.0.0.1:$NGX_PORT/team/42/x" "http://127.0.0.1:$NGX_PORT/team/420" \
	"http://127.0.0.1:$NGX_PORT/team/42/..%2F43/x" "http://127.0.0.1:$NGX_PORT/team/42/../43/x" \
	"http://127.0.0.1:$NGX_PORT/team/42%2F..%2F43" "//127.0.0.1:$NGX_PORT/team/42/x" "/team/42/x"; do
	s=$(aq -H "X-Original-URL: $u")
	[ "$s" = 401 ] || fail "/auth $u: got $s, want 401"
done
ok "/auth: userinfo, look-alike host, other ports and scheme, /team/420, traversal, relative: 401"
for u in "HTTP://127.0.0.1:$NGX_PORT/team/42/x" "http://127.0.0.1:$NGX_PORT/team/42/%7Ex"; do
	s=$(aq -H "X-Original-URL: $u")
	[ "$s" = 200 ] || fail "/auth $u (the same resource): got $s, want 200"
done
ok "/auth: scheme case and an unreserved escape name the same resource: 200"
stop_nginx
