# Oversized and hostile HTTP input: a 10 MB form is refused with 413 before it is read (and a 100 MB one);
# 10,000 header fields (431) and a 64 KB URL (414) are refused by libmicrohttpd within
# connection_memory; 70 fields (over CAP_HTTP_HEADER_COUNT) get 431 from otpd; an idle connection is
# closed after connection_timeout; 50 slow clients sending a byte a second do not slow /healthz for
# others; 1,000 connections at once: otpd keeps at most per_ip_connection_limit from one address,
# answers /healthz from another address meanwhile, and again once they are gone.
. tests/otpd/lib.sh
setup "connection_timeout = 2s" "per_ip_connection_limit = 500"
start_sink
start_otpd
tok=$(token a@x.net)
probe() { python3 tests/otpd/httpprobe.py "$@" || fail "httpprobe $1"; }
# status|seconds|bytes sent before otpd answered
for mb in 10 100; do
	r=$(probe bigbody 127.0.0.1 "$HTTP_PORT" "/accept/$tok/email" $mb)
	echo "$mb MB form: $r"
	[ "${r%%|*}" = "HTTP/1.1 413 Content Too Large" ] || fail "$mb MB form: $r"
	sent=${r##*|}
	[ "$sent" -lt 8388608 ] || fail "$mb MB form: otpd read $sent bytes before answering"
done
ok "10 MB and 100 MB forms: 413 at once, before the body is read"
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$T/otpd.conf" \
	-H 'Transfer-Encoding: chunked' "$BASE/api/v1/accept/$tok/email")
[ "$r" = 202 ] || [ "$r" = 400 ] || fail "chunked small body: $r"
head -c 20000 /dev/zero | tr '\0' a >"$T/big"
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary "@$T/big" "$BASE/api/v1/accept/$tok/email")
[ "$r" = 413 ] || fail "chunked body over the cap: $r"
ok "a chunked body over the cap: 413"
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
open(t + "/h10000", "w").write("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "".join("X-H%d: v\r\n" % i for i in range(10000)) + "\r\n")
open(t + "/h70", "w").write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "".join("X-H%d: v\r\n" % i for i in range(70)) + "\r\n")
open(t + "/url64k", "w").write("GET /login?rd=" + "a" * 65536 + " HTTP/1.1\r\nHost: x\r\n\r\n")
PY
r=$(probe raw 127.0.0.1 "$HTTP_PORT" "$T/h10000")
[ "${r%%|*}" = "HTTP/1.1 431 Request Header Fields Too Large" ] || fail "10,000 headers: $r"
r=$(probe raw 127.0.0.1 "$HTTP_PORT" "$T/h70")
[ "${r%%|*}" = "HTTP/1.1 431 Request Header Fields Too Large" ] || fail "70 headers: $r"
r=$(probe raw 127.0.0.1 "$HTTP_PORT" "$T/url64k")
[ "${r%%|*}" = "HTTP/1.1 414 URI Too Long" ] || fail "64 KB URL: $r"
ok "10,000 header fields: 431; 70: 431; a 64 KB URL: 414"
r=$(probe idle 127.0.0.1 "$HTTP_PORT" 10)
case $r in "closed_after 2."* | "closed_after 3."*) ;; *) fail "idle connection: $r" ;; esac
ok "an idle connection is closed after connection_timeout (2 s): $r"
probe slow 127.0.0.1 "$HTTP_PORT" 50 6 >"$T/slow"
cat "$T/slow"
max=$(sed -n 's/^healthz_max_ms \([0-9.]*\) .*/\1/p' "$T/slow")
read -r _ _ _ good _ total <"$T/slow"
[ "$good" = "$total" ] || fail "healthz failed while slow clients hung: $good of $total"
awk -v m="$max" 'BEGIN { exit !(m < 500) }' || fail "healthz took $max ms while slow clients hung"
ok "50 slow clients (a byte a second): /healthz answered every time, at most $max ms"
probe flood 127.0.0.1 "$HTTP_PORT" 1000 127.0.0.2 >"$T/flood"
cat "$T/flood"
grep -q '^healthz_during ok' "$T/flood" || fail "no /healthz from another address during the flood"
grep -q '^healthz_after ok' "$T/flood" || fail "no /healthz after the flood"
kept=$(sed -n 's/.* kept_open \([0-9]*\)$/\1/p' "$T/flood")
[ "$kept" -le 500 ] || fail "otpd kept $kept connections from one address (limit 500)"
kill -0 "$OTPD_PID" || fail "otpd died"
ok "1,000 connections at once: $kept kept (per-address limit 500), /healthz answered during and after"
