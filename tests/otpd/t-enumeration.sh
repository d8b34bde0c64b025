# Enumeration: an invited and an uninvited address get the same status, headers (all but Date) and body,
# over the JSON API and as pages, and the median answer times differ by less than 5 ms over 200
# interleaved requests each. Every request does the full work (no resend limit hides it): the invited
# one queues a real code mail, the uninvited one the same decoy work (flow.c); the answer never waits
# for the mail to be sent (the sink delays each mail by a second to show it).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 1000000"
# smtp-sink -w 1: a second before each greeting; 200 code mails would take 200 s if we waited.
smtp-sink -u postfix -w 1 -d "$T/sink/%H%M%S." "127.0.0.1:$SMTP_PORT" 100 &
SINK_PID=$!
sleep 0.3
start_otpd
tok=$(token guest@example.net)
path=/api/v1/accept/$tok/email
python3 tests/otpd/httpprobe.py timing 127.0.0.1 "$HTTP_PORT" "$path" \
	'{"email":"guest@example.net"}' '{"email":"intruder@example.com"}' 200 >"$T/timing" || fail "probe"
cat "$T/timing"
[ "$(grep -c '^answer A' "$T/timing")" = 1 ] || fail "invited address: more than one distinct answer"
[ "$(grep -c '^answer B' "$T/timing")" = 1 ] || fail "uninvited address: more than one distinct answer"
a=$(sed -n 's/^answer A //p' "$T/timing")
b=$(sed -n 's/^answer B //p' "$T/timing")
[ "$a" = "$b" ] || fail "answers differ: invited '$a', uninvited '$b'"
echo "$a" | grep -q '^HTTP/1.1 202 .*{"status":"accepted"}$' || fail "not 202 accepted: $a"
diff=$(sed -n 's/^diff_ms //p' "$T/timing")
awk -v d="$diff" 'BEGIN { exit !(d < 5) }' || fail "median times differ by $diff ms (>= 5)"
ok "API: the same answer; medians $(sed -n 's/^median_ms //p' "$T/timing") ms, difference $diff ms"
# Code mails only to the invited address, and they are still going out after the answers came back.
n=$(mail_count)
[ "$n" -lt 200 ] || fail "all 200 mails were sent before the answers ($n): the answer waited for the mail"
grep -l 'intruder@example.com' "$T/sink"/* >/dev/null 2>&1 && fail "a mail to the uninvited address"
ok "answers did not wait for the mail ($n mails out when the last answer came)"

# Pages: the same status, headers and page for both (the email is echoed in the form: normalised).
curl -s -c "$T/jar" -b "$T/jar" -o "$T/page" "$BASE/accept/$tok"
csrf=$(csrf_of "$T/page")
# Two addresses of the same length, so that Content-Length may be compared too.
for who in guest@example.net ghost@example.net; do
	curl -s -b "$T/jar" -D "$T/h.$who" -o "$T/p.$who" --data-urlencode "email=$who" --data "csrf=$csrf&lang=en" \
		"$BASE/accept/$tok/email"
	tr -d '\r' <"$T/h.$who" | grep -vi '^Date:' >"$T/hn.$who"
	sed "s/$who/ADDRESS/g" "$T/p.$who" >"$T/pn.$who"
done
cmp -s "$T/hn.guest@example.net" "$T/hn.ghost@example.net" ||
	fail "page headers differ: $(diff "$T/hn.guest@example.net" "$T/hn.ghost@example.net")"
cmp -s "$T/pn.guest@example.net" "$T/pn.ghost@example.net" || fail "pages differ"
grep -qi '^Set-Cookie' "$T/hn.guest@example.net" && fail "the email step sets a cookie"
ok "pages: the same status, headers (but Date) and page"
