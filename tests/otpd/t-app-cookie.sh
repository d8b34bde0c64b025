# A resource's application never holds the guest's session (red team, second round, finding 01). A guest
# invited to an application (/app/, behind auth_request) and to /team/43 uses the application; nginx
# (tests/otpd/nginx.conf.in, which includes contrib/nginx/guestlink-cookies.conf as shipped) sends the
# application the client's cookies without guestlink's own. Before the fix the application's request log
# held guestlink_session, and that cookie opened /team/43 and /account for whoever ran the application.
# Also: the application's own cookies still reach it, in order, whatever their place around guestlink's,
# and a client that sends guestlink's cookies several times has the whole header dropped.
. tests/otpd/lib.sh
APP_PID=
trap '_r=$?; [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null; (exit $_r); cleanup' EXIT
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink

# The application: writes each request's Cookie header ("-" when none) to its log.
APP_PORT=$(free_port)
cat >"$T/app.py" <<'PY'
import http.server, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write("%s\n" % self.headers.get("Cookie", "-")); log.flush()
        body = b"the app\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$T/app.py" "$APP_PORT" "$T/app.log" &
APP_PID=$!
NGINX_APP=127.0.0.1:$APP_PORT start_nginx
sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
start_otpd
BASE=$NGX
for _ in $(seq 50); do
	command curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/" && break
	sleep 0.1
done
: >"$T/app.log"

tokA=$("$MKTOKEN" "$SIGNING_KEY" "$INVITER" "$NGX/app/" 0 86400 guest@example.net) || fail mktoken
tokB=$("$MKTOKEN" "$SIGNING_KEY" "$INVITER" "$NGX/team/43" 0 86400 guest@example.net) || fail mktoken
html_accept "$tokB" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
html_accept "$tokA" guest@example.net
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP"
grep -q 'guestlink_session' "$T/jar" || fail "no session cookie in the jar"

app() { command curl -s -o /dev/null -w '%{http_code}' "$@" "$NGX/app/page"; }
[ "$(app -b "$T/jar")" = 200 ] || fail "the guest uses the application"
seen=$(tail -1 "$T/app.log")
case $seen in *guestlink_* | *oidc_state*) fail "the application was sent guestlink's cookies: $seen" ;; esac
ok "the application is not sent the guest's session (it saw: $seen)"

# What the application was sent opens nothing else; the guest's own cookie does.
[ "$(command curl -s -o /dev/null -w '%{http_code}' -b "$T/jar" "$NGX/team/43/index.html")" = 200 ] ||
	fail "the guest's own session on /team/43"
if [ "$seen" != - ]; then
	s=$(command curl -s -H "Cookie: $seen" -o /dev/null -w '%{http_code}' "$NGX/team/43/index.html")
	[ "$s" = 302 ] || fail "the application's view of the cookies opened /team/43: $s"
fi
ok "the guest's session still opens /team/43"

# The application's own cookies pass, in order, wherever guestlink's stand; guestlink's never do.
sess=$(awk '$6 ~ /guestlink_session$/ {print $6 "=" $7}' "$T/jar" | tail -1)
[ -n "$sess" ] || fail "session cookie line"
for hdr in "$sess; a=1; b=2" "a=1; $sess; b=2" "a=1; b=2; $sess" "a=1; $sess; guestlink_csrf=x; b=2" \
	"oidc_state=s; a=1; $sess; b=2" "a=1;$sess;b=2"; do
	[ "$(app -H "Cookie: $hdr")" = 200 ] || fail "application with cookies [$hdr]"
	seen=$(tail -1 "$T/app.log")
	case $seen in *guestlink_* | *oidc_state*) fail "[$hdr] reached the application as [$seen]" ;; esac
	printf '%s' "$seen" | tr -d ' ;' | grep -qx 'a=1b=2' || fail "[$hdr]: the application's own cookies became [$seen]"
done
ok "the application's own cookies reach it around guestlink's, in six placements"
# Sent three times (otpd counts a doubled cookie as absent, so this is no session, but the application
# must still not see it): the header is dropped whole.
[ "$(app -H "Cookie: $sess; $sess; a=1; $sess")" = 302 ] || fail "a tripled session cookie passed /auth"
[ "$(app -H "Cookie: guestlink_csrf=1; guestlink_csrf=2; guestlink_csrf=3; a=1")" = 302 ] || fail "no session: 302"
for line in $(grep -n . "$T/app.log" | cut -d: -f1); do
	l=$(sed -n "${line}p" "$T/app.log")
	case $l in *guestlink_* | *oidc_state*) fail "the application saw guestlink's cookies: $l" ;; esac
done
ok "no request the application served carried guestlink's cookies"
