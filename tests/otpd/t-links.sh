# Revoked, forged, expired and truncated links, over the API and as pages; a GET spends nothing.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net)
# forged: change one character in the signature part
last=$(printf '%s' "$tok" | tail -c 2 | head -c 1)
[ "$last" = A ] && rep=B || rep=A
forged=$(printf '%s' "$tok" | sed "s/.\(.\)\$/$rep\1/")
r=$(api "/api/v1/accept/$forged/email" '{"email":"guest@example.net"}')
[ "$r" = '404 {"error":"invalid_link"}' ] || fail "forged: $r"
trunc=$(printf '%s' "$tok" | cut -c1-60)
r=$(api "/api/v1/accept/$trunc/email" '{"email":"guest@example.net"}')
[ "$r" = '404 {"error":"invalid_link"}' ] || fail "truncated: $r"
old=$("$MKTOKEN" "$SIGNING_KEY" "$INVITER" "$RESOURCE" 100 10 guest@example.net)
r=$(api "/api/v1/accept/$old/email" '{"email":"guest@example.net"}')
[ "$r" = '410 {"error":"expired_link"}' ] || fail "expired: $r"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accept/$old")" = 410 ] || fail "expired page"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accept/$forged")" = 404 ] || fail "forged page"
# GETs (mail scanners) before use spend nothing
for i in 1 2 3; do curl -s -o /dev/null "$BASE/accept/$tok"; done
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 1 10 || fail "no code mail"
code=$(latest_code)
for i in 1 2 3; do curl -s -o /dev/null "$BASE/accept/$tok"; done
# revoke by id: the link stops working at once, before the code is used
id=$("$OTPCTL" -c "$T/otpd.conf" inspect "$tok" | sed 's/.*"invitation":"\([0-9a-f]*\)".*/\1/')
"$OTPCTL" -c "$T/otpd.conf" revoke "$id" 2>/dev/null || fail "otpctl revoke"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
[ "$r" = '410 {"error":"revoked"}' ] || fail "revoked: $r"
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
[ "$r" = '410 {"error":"revoked"}' ] || fail "revoked email step: $r"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accept/$tok")" = 410 ] || fail "revoked page"
"$OTPCTL" -c "$T/otpd.conf" invitations | grep -q "\"invitation\":\"$id\".*\"state\":\"revoked\"" || fail "list"
ok "bad links refused; GET spends nothing; revoke works at once"
