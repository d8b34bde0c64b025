#!/bin/bash
# 06 - a guest invited to a resource on one host reaches the same path on another host by sending that
# host's Host header. The resource server's nginx asks /auth about "$scheme://$host$request_uri"
# (contrib/nginx/resource.conf; $http_host in the test config): the host is whatever the client wrote in
# Host. When the protected server block is the one nginx falls back to (default_server, or the only one on
# the port), a request to it with "Host: wiki.example" is judged as a wiki.example URL, allowed for a wiki
# guest, and served from the protected application. Here: a guest of http://wiki.example:PORT/team/43
# gets resource 43 of the nginx at 127.0.0.1:PORT, where they were never invited.
# Exit 1: the attack works; 0: refused.
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 100"
start_sink
start_nginx
sed -i "s|^public_url = .*|public_url = $NGX|" "$T/otpd.conf"
start_otpd
BASE=$NGX
LOCATION_ALLOW="http://wiki.example:$NGX_PORT/"
tok=$("$MKTOKEN" "$SIGNING_KEY" "$INVITER" "http://wiki.example:$NGX_PORT/team/43" 0 86400 guest@example.net)
never_logged "$tok"
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
sess=$(awk '$6 == "guestlink_session" { print $7 }' "$T/jar" | tail -1)
ctl=$(python3 tests/otpd/rawget.py "$NGX_PORT" /team/43/index.html "127.0.0.1:$NGX_PORT" "guestlink_session=$sess")
echo "the guest, asking 127.0.0.1:$NGX_PORT as itself: $ctl"
got=$(python3 tests/otpd/rawget.py "$NGX_PORT" /team/43/index.html "wiki.example:$NGX_PORT" "guestlink_session=$sess")
echo "the guest, same server, Host: wiki.example:$NGX_PORT: $got"
case $ctl in *"sample resource 43"*) fail "control: served without the trick" ;; esac
case $got in
*"sample resource 43"*)
	echo "VULNERABLE: the Host header picked the invitation /auth checked; another host's resource was served"
	exit 1
	;;
esac
echo "refused"
exit 0
