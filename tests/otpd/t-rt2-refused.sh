# Red team 2, the attacks that were refused (findings/README.md, "Refused"), kept as checks so they stay
# refused: a repeated form field; two Cookie header lines at /auth with a planted one first; GET
# /account/leave, leave without CSRF or with another session's CSRF token; the session id in the query;
# another guest's resource; an encoded CR/LF and .. in X-Original-URL; POST /privacy without a session;
# a 43-character junk mail key for another guest of the same link; a client's own X-Guest-Email at
# /auth; /account listing only the guest's own resources; after leave, the old session fails /auth and
# /login sends the deleted guest no mail.
. tests/otpd/lib.sh
bad=0
expect() { # expect WHAT WANT GOT
	if [ "$2" = "$3" ]; then ok "refused: $1 -> $3"; else echo "FAIL: $1 -> $3 (want $2)"; bad=1; fi
}
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_otpd
G=guest@example.net
tok=$(token $G other@example.com) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail enrol
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"
sess=$(awk '$6=="guestlink_session"{print $7}' "$T/jar")
[ -n "$sess" ] || fail "no session cookie in the jar"

page "$BASE/accept/$tok" >/dev/null
c=$(csrf_of "$T/pg")
expect "a repeated form field (email= twice)" 400 "$(page --data "email=$G&email=x@y.z&csrf=$c" "$BASE/accept/$tok/email")"
expect "two Cookie header lines at /auth, a planted one first" "HTTP/1.1 401" "$(python3 - "$HTTP_PORT" "$sess" "$RESOURCE" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET /auth HTTP/1.1\r\nHost: x\r\nX-Original-URL: %s\r\nCookie: guestlink_session=AAAA\r\n"
           "Cookie: guestlink_session=%s\r\nConnection: close\r\n\r\n" % (sys.argv[3], sys.argv[2])).encode())
print(" ".join(s.recv(100).split(b"\r\n")[0].decode().split(" ")[:2]))
PY
)"
# The same session with one Cookie line passes (so the refusal above is the planted line's doing).
expect "the same session in one Cookie line at /auth" "HTTP/1.1 200" "$(python3 - "$HTTP_PORT" "$sess" "$RESOURCE" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET /auth HTTP/1.1\r\nHost: x\r\nX-Original-URL: %s\r\nCookie: guestlink_session=%s\r\n"
           "Connection: close\r\n\r\n" % (sys.argv[3], sys.argv[2])).encode())
print(" ".join(s.recv(100).split(b"\r\n")[0].decode().split(" ")[:2]))
PY
)"
expect "GET /account/leave" 405 "$(page "$BASE/account/leave")"
expect "/account/leave without CSRF" 400 "$(page --data "confirm=yes" "$BASE/account/leave")"
expect "/account/leave with a CSRF token of another session's page (fresh jar)" 400 \
	"$(command curl -s -o /dev/null -w '%{http_code}' -b "guestlink_session=$sess" --data "confirm=yes&csrf=$(csrf_of "$T/pg")" "$BASE/account/leave")"
expect "/auth with the session id in the query (?guestlink_session=)" 401 \
	"$(command curl -s -o /dev/null -w '%{http_code}' -H "X-Original-URL: $RESOURCE" "$BASE/auth?guestlink_session=$sess")"
expect "/auth for another guest's resource (team/43)" 401 "$(auth https://teams.example.org/team/43)"
expect "/auth with an encoded CR/LF and .. in X-Original-URL" 401 "$(auth "$RESOURCE%0d%0a/../43")"
expect "POST /privacy without a session" 400 "$(command curl -s -o /dev/null -w '%{http_code}' --data 'csrf=x' "$BASE/privacy")"
expect "a 43-character junk mail key for other@example.com (JSON)" '401 {"error":"wrong_or_expired_code"}' \
	"$(api "/api/v1/accept/$tok/code" "{\"email\":\"other@example.com\",\"code\":\"$(printf 'A%.0s' $(seq 43))\"}")"
expect "a client's own X-Guest-Email at /auth" 'X-Guest-Email: guest@example.net ' \
	"$(command curl -s -D - -o /dev/null -b "$T/jar" -H "X-Original-URL: $RESOURCE" -H 'X-Guest-Email: ceo@example.org' "$BASE/auth" | tr -d '\r' | grep -i '^x-guest-email' | tr '\n' ' ')"
expect "/account lists only the guest's own resources" "class=\"resource\" href=\"$RESOURCE\" " \
	"$(page "$BASE/account" >/dev/null; grep -o 'class="resource" href="[^"]*"' "$T/pg" | tr '\n' ' ')"
expect "leave, then the old session at /auth" '200 then 401' \
	"$(page "$BASE/account" >/dev/null; page --data "confirm=yes&csrf=$(csrf_of "$T/pg")" "$BASE/account/leave") then $(settle_revocation; auth "$RESOURCE")"
expect "after leave, /login for the guest who left sends a mail?" '0 mails' \
	"$(n0=$(mail_count); page "$BASE/login" >/dev/null; page --data "email=$G&csrf=$(csrf_of "$T/pg")" "$BASE/login/email" >/dev/null; sleep 1; echo $(( $(mail_count) - n0 )) mails)"
kill -0 "$OTPD_PID" || { echo "FAIL: otpd died"; bad=1; }
[ "$bad" = 0 ] || fail "an attack that was refused is not refused any more"
ok "every refused attack still refused"
