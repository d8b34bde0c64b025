# The accept link's token route (issue 10, hunt): a valid token is 200 on GET and 202 on the API; the same
# token truncated by one character, by half, padded with "=", with a non-base64url character ("+", "/",
# "%2B", "."), with another version byte or key id, with one bit flipped in the signature, empty, and
# with a trailing path after it: 404 (invalid_link on the API), never 200/202, never a crash.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net)
st() { command curl -s -o /dev/null -w '%{http_code}' "$@"; }
apist() {
	command curl -s -o "$T/ab" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data '{"email":"guest@example.net"}' "$BASE/api/v1/accept/$1/email"
}
[ "$(st "$BASE/accept/$tok")" = 200 ] || fail "control: the valid token"
[ "$(apist "$tok")" = 202 ] || fail "control: the valid token on the API"
# recode TOKEN PYTHON-EXPR-ON-b - the token's bytes changed by the expression, base64url again
recode() {
	python3 - "$1" "$2" <<'PY'
import base64, sys
t = sys.argv[1]
b = bytearray(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
exec(sys.argv[2])
print(base64.urlsafe_b64encode(bytes(b)).decode().rstrip("="))
PY
}
half=$(printf '%s' "$tok" | cut -c1-$((${#tok} / 2)))
n=0
for bad in "${tok%?}" "$half" "$tok=" "$tok==" "+$tok" "${tok%?}+" "${tok%?}/" "${tok%?}%2B" "${tok%?}." \
	"$(recode "$tok" 'b[0] ^= 0xff')" "$(recode "$tok" 'b[0] = (b[0] + 1) % 256')" "$(recode "$tok" 'b[1] ^= 1')" \
	"$(recode "$tok" 'b[-1] ^= 1')" "$(recode "$tok" 'b += b"x"')" "$(recode "$tok" 'b[:] = b[:-1]')" "A" "AAAA"; do
	s=$(st "$BASE/accept/$bad")
	case $s in 404 | 410) ;; *) fail "GET /accept/<$bad>: got $s, want 404" ;; esac
	s=$(apist "$bad")
	case $s in 404 | 410) ;; *) fail "API email with <$bad>: got $s, want 404" ;; esac
	[ "$s" = 404 ] && ! grep -q invalid_link "$T/ab" && fail "API <$bad>: $(cat "$T/ab")"
	n=$((n + 1))
done
ok "$n damaged tokens (truncated, padded, non-base64url, other version, other key id, bad signature): 404"
for p in /accept/ /accept /accept// "/accept/$tok/x" "/accept/$tok/email/x" "/accept/$tok/../$tok" \
	"/api/v1/accept/$tok" "/api/v1/accept/$tok/" "/accept/$tok%2Femail"; do
	s=$(st --path-as-is "$BASE$p")
	[ "$s" = 404 ] || [ "$s" = 405 ] || fail "GET $p: got $s, want 404"
done
ok "empty token, trailing paths, dot segments, an encoded '/': 404"
kill -0 "$OTPD_PID" || fail "otpd died"
