# The milter's invitation report: signed, fresh, idempotent; bad signatures and stale reports refused.
. tests/otpd/lib.sh
setup
start_otpd
now=$(date +%s)
id=0123456789abcdef0123456789abcdef
kid=$(ls "$T/keys"/*.pub | head -1 | xargs basename | sed 's/\.pub$//')
printf '{"invitation":"%s","kid":"%s","inviter":"a@example.org","resources":["%s"],"guests":2,"issued_at":%s,"expires_at":%s,"queue_id":"ABC123","sent_at":%s}' \
	"$id" "$kid" "$RESOURCE" "$now" $((now + 3600)) "$now" >"$T/report"
sig=$("$MKTOKEN" --sign "$SIGNING_KEY" "$T/report")
post() { curl -s -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' -H "X-Guestlink-Signature: $2" \
	--data-binary "@$1" "$BASE/api/v1/invitations"; echo " $(cat "$T/b")"; }
r=$(post "$T/report" "$sig")
[ "$r" = '201 {"status":"stored"}' ] || fail "report: $r"
r=$(post "$T/report" "$sig")
[ "$r" = '201 {"status":"stored"}' ] || fail "report again: $r"
sed 's/ABC123/EVIL99/' "$T/report" >"$T/forged"
r=$(post "$T/forged" "$sig")
[ "$r" = '401 {"error":"bad_signature"}' ] || fail "forged report: $r"
sed "s/\"sent_at\":$now/\"sent_at\":$((now - 1000))/" "$T/report" >"$T/stale"
r=$(post "$T/stale" "$("$MKTOKEN" --sign "$SIGNING_KEY" "$T/stale")")
[ "$r" = '401 {"error":"bad_signature"}' ] || fail "stale report: $r"
"$OTPCTL" -c "$T/otpd.conf" invitations >"$T/list"
[ "$(grep -c "$id" "$T/list")" -eq 1 ] || fail "not listed once"
grep -q '"queue_id":"ABC123".*"state":"sent"' "$T/list" || fail "state: $(cat "$T/list")"
ok "invitation reports"
