# The per-client limits key on the client address: the rightmost X-Forwarded-For entry that is not one of
# trusted_proxies. An attacker behind the proxy adds their own entries (on the left) and cannot rotate
# past the limit. Through a real nginx that appends ($proxy_add_x_forwarded_for, the common setup) and
# talks to otpd from 127.0.0.3, the only trusted proxy; clients are 127.0.0.5 and 127.0.0.6.
# Also: a proxy that adds its own X-Forwarded-For line instead of appending: the last line counts, not
# the client's first.
. tests/otpd/lib.sh
setup "trusted_proxies = 127.0.0.3/32" "ip_tries_per_hour = 3"
start_sink
start_otpd
tok=$(token a@example.net)
NPORT=$(free_port)
mkdir -p "$T/ngx/tmp"
cat >"$T/ngx/nginx.conf" <<EOC
daemon off;
worker_processes 1;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/ngx/tmp/body;
    proxy_temp_path $T/ngx/tmp/proxy;
    fastcgi_temp_path $T/ngx/tmp/fastcgi;
    uwsgi_temp_path $T/ngx/tmp/uwsgi;
    scgi_temp_path $T/ngx/tmp/scgi;
    server {
        listen 127.0.0.2:$NPORT;
        location / {
            proxy_pass http://127.0.0.1:$HTTP_PORT;
            proxy_bind 127.0.0.3;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
EOC
nginx -p "$T/ngx/" -e "$T/ngx/error.log" -c "$T/ngx/nginx.conf" -t >"$T/ngx/t.log" 2>&1 || fail "nginx: $(cat "$T/ngx/t.log")"
nginx -p "$T/ngx/" -e "$T/ngx/error.log" -c "$T/ngx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.2:$NPORT/healthz")" = 200 ] && break
	sleep 0.1
done
# ntry SOURCE XFF: a wrong code through nginx from SOURCE with the client's own X-Forwarded-For
ntry() {
	curl -s -o /dev/null -w '%{http_code}' --interface "$1" ${2:+-H "X-Forwarded-For: $2"} \
		-H 'Content-Type: application/json' --data '{"email":"a@example.net","code":"12345678"}' \
		"http://127.0.0.2:$NPORT/api/v1/accept/$tok/code"
}
got=
for i in 1 2 3 4 5 6; do got="$got $(ntry 127.0.0.5 "198.51.100.$i, 127.0.0.3")"; done
echo "from 127.0.0.5 with rotating forged entries:$got"
[ "$got" = " 401 401 401 429 429 429" ] || fail "forged X-Forwarded-For entries escaped the per-client limit:$got"
[ "$(ntry 127.0.0.6 "")" = 401 ] || fail "another client was limited too"
ok "through nginx: forged entries on the left do not change the client (127.0.0.5 limited after 3)"
# dtry XFF_LAST FIRST: straight from the trusted proxy, two X-Forwarded-For lines (the client's, then ours)
dtry() {
	curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.3 -H "X-Forwarded-For: $2" -H "X-Forwarded-For: $1" \
		-H 'Content-Type: application/json' --data '{"email":"a@example.net","code":"12345678"}' \
		"$BASE/api/v1/accept/$tok/code"
}
got=
for i in 1 2 3 4; do got="$got $(dtry 192.0.2.60 "203.0.113.$i")"; done
echo "two header lines, the last one fixed:$got"
[ "$got" = " 401 401 401 429" ] || fail "the client's own first X-Forwarded-For line was believed:$got"
# An entry that is no address (too long) is where the walk stops: nothing further left is believed.
long=$(printf 'x%.0s' $(seq 60))
got=
for i in 1 2 3 4; do got="$got $(dtry "203.0.113.$i, $long" "")"; done
[ "$got" = " 401 401 401 429" ] || fail "entries left of a junk entry were believed:$got"
ok "straight from the trusted proxy: the last header line counts; a junk entry stops the walk"
