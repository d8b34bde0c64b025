# Header injection: CR/LF, %0d%0a, quotes, commas, angle brackets, NUL, Unicode line breaks in the
# address never reach a mail header or the envelope. Each hostile address (JSON API and form) gets the
# same answer as any address; the only mails the sink gets are for the invited address, with a clean
# envelope and a To: of exactly that address, and nothing of "evil" anywhere.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 100000"
start_sink
start_otpd
tok=$(token a@x.net)
# JSON strings (escapes decoded by the parser).
for e in 'a@x.net\r\nBcc: evil@y.net' 'a@x.net\nBcc: evil@y.net' 'a@x.net\rBcc: evil@y.net' \
	'a@x.net\r\n\r\nevil body' 'a@x.net%0d%0aBcc: evil@y.net' '\"a@x.net\"' '\"evil\"@y.net' \
	'a@x.net, evil@y.net' 'a@x.net;evil@y.net' '<a@x.net>' 'a@x.net>\r\nBcc: <evil@y.net' \
	'Evil <evil@y.net>' 'a@x.net (evil)' 'a@x.net\u2028Bcc: evil@y.net' \
	'a@x.net\u0085Bcc: evil@y.net' 'a@x.net\tBcc: evil@y.net' '=?utf-8?q?evil=0D=0ABcc:_evil@y.net?=@x.net' \
	'a@x.net\\\r\nBcc: evil@y.net' 'evil@y.net\r\nTo: a@x.net'; do
	r=$(api "/api/v1/accept/$tok/email" "{\"email\":\"$e\"}")
	[ "$r" = '202 {"status":"accepted"}' ] || fail "API, address '$e': $r"
done
# A NUL in a JSON string is a bad request whatever the address (the body parser refuses it first).
r=$(api "/api/v1/accept/$tok/email" '{"email":"a@x.net\u0000evil@y.net"}')
[ "$r" = '400 {"error":"bad_request"}' ] || fail "API, NUL: $r"
ok "JSON API: 19 hostile addresses, each 202 accepted like any address; a NUL is a bad request (400)"
# Forms: raw bytes through urlencoding (%0d%0a), and literal %0d%0a text. The page echoes the address
# (HTML-escaped) in hidden fields, so those values are normalised, across line breaks.
curl -s -c "$T/jar" -b "$T/jar" -o "$T/page" "$BASE/accept/$tok"
csrf=$(csrf_of "$T/page")
form() { curl -s -b "$T/jar" -D "$T/fh" -o "$T/fp" -w '%{http_code}' --data "email=$1&csrf=$csrf&lang=en" "$BASE/accept/$tok/email"; }
form 'nobody%40x.net' >/dev/null
perl -0pe 's/value="[^"]*"/value=X/g' "$T/fp" >"$T/ref"
for e in 'a%40x.net%0d%0aBcc:%20evil%40y.net' 'a%40x.net%0aBcc:%20evil%40y.net' 'a%40x.net%250d%250aBcc:evil%40y.net' \
	'%22a%40x.net%22' 'a%40x.net%2C%20evil%40y.net' '%3Ca%40x.net%3E' \
	'a%40x.net%E2%80%A8Bcc:%20evil%40y.net' 'a%40x.net%0d%0a%0d%0aevil'; do
	s=$(form "$e")
	[ "$s" = 200 ] || fail "form, address '$e': $s"
	perl -0pe 's/value="[^"]*"/value=X/g' "$T/fp" >"$T/got"
	cmp -s "$T/got" "$T/ref" || fail "form, address '$e': another page than for any address"
	grep -qi 'evil' "$T/fh" && fail "form, address '$e': echoed into a response header"
done
[ "$(form 'a%40x.net%00evil%40y.net')" = 400 ] || fail "form, NUL: not a bad request"
ok "forms: 8 hostile addresses, each the page any address gets; a NUL is a bad request (400)"
# One good request so the sink has something to compare with.
api "/api/v1/accept/$tok/email" '{"email":"a@x.net"}' >/dev/null
wait_mails 1 10 || fail "no mail for the invited address"
sleep 1
for f in "$T/sink"/*; do
	tr -d '\r' <"$f" >"$T/m"
	grep -qi 'evil' "$T/m" && fail "'evil' reached a mail: $(grep -i evil "$T/m" | head -3)"
	grep -qi '^Bcc:' "$T/m" && fail "a Bcc header reached a mail"
	[ "$(grep -c '^To:' "$T/m")" = 1 ] || fail "not exactly one To: header"
	grep -q '^To: <a@x.net>$' "$T/m" || fail "To: is not <a@x.net>: $(grep '^To:' "$T/m")"
	rcpts=$(sed -n 's/^X-Rcpt-Args: //p' "$T/m" | sort -u | tr '\n' ' ')
	case "$rcpts" in "" | "<a@x.net> ") ;; *) fail "envelope recipients: $rcpts" ;; esac
done
ok "$(mail_count) mail(s) in the sink, all to <a@x.net> only, no injected header or recipient"
