# An address that was not invited gets exactly the invited answer, and no mail goes out.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net)
r=$(api "/api/v1/accept/$tok/email" '{"email":"intruder@example.com"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "uninvited: $r"
r=$(api "/api/v1/accept/$tok/email" '{"email":"not an address"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "malformed address: $r"
# The HTML answer is the same page for both.
jar=$T/jar
curl -s -c "$jar" -b "$jar" -o "$T/page" "$BASE/accept/$tok"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" | head -1)
[ -n "$csrf" ] || fail "no csrf field"
curl -s -c "$jar" -b "$jar" -o "$T/p1" --data-urlencode "email=intruder@example.com" --data "csrf=$csrf&lang=en" \
	"$BASE/accept/$tok/email"
curl -s -c "$jar" -b "$jar" -o "$T/p2" --data-urlencode "email=guest@example.net" --data "csrf=$csrf&lang=en" \
	"$BASE/accept/$tok/email"
sed 's/value="[^"]*@[^"]*"/value=X/g' "$T/p1" >"$T/p1n"
sed 's/value="[^"]*@[^"]*"/value=X/g' "$T/p2" >"$T/p2n"
cmp -s "$T/p1n" "$T/p2n" || fail "pages differ for invited and uninvited addresses"
wait_mails 1 10 || fail "invited guest got no mail"
sleep 1
[ "$(mail_count)" -eq 1 ] || fail "mail went to an uninvited address ($(mail_count) mails)"
grep -l 'intruder@example.com' "$T/sink"/* >/dev/null 2>&1 && fail "mail to the intruder"
ok "uninvited address: same answer, no mail"
