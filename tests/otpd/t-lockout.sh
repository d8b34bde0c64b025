# Finding 4 (issue 10): knowing a guest's address must not let anyone lock the guest out.
# 1,000 wrong codes from 1,000 client addresses (X-Forwarded-For through the trusted proxy 127.0.0.1), for an
# address that was never sent a code: at an invitation, and at /login for a known guest. Then the real
# guests ask for a code and sign in with it. (Old otpd: the 100th failure locked the address, and the
# guests' email steps silently sent nothing.)
. tests/otpd/lib.sh
setup
start_sink
start_otpd
G1=guest1@example.net
G2=guest2@example.net
tok=$(token $G1 $G2)
HOST=127.0.0.1
PORT=${BASE##*:}
# G2 becomes a known guest (a code sign-in) before the attack, so /login has someone to lock out.
api "/api/v1/accept/$tok/email" "{\"email\":\"$G2\"}" >/dev/null
wait_mails 1 10 || fail "no code mail for $G2"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$G2\",\"code\":\"$(latest_code)\"}")
[ "${r%% *}" = 200 ] || fail "$G2 first sign-in: $r"
bad=
start=$(date +%s)
out=$(python3 tests/otpd/hammer.py api $HOST "$PORT" "$tok" $G1 1000) || fail "hammer api"
echo "invitation: $(echo "$out" | tr '\n' ' ')"
# There is nothing to guess (no code was sent): every try is the same "wrong or expired" answer.
[ "$(echo "$out" | sed -n 's/^status 401 //p')" = 1000 ] || bad="$bad; invitation: not all 1,000 tries 401"
out=$(python3 tests/otpd/hammer.py login $HOST "$PORT" $G2 1000) || fail "hammer login"
echo "/login: $(echo "$out" | tr '\n' ' ')"
[ "$(echo "$out" | sed -n 's/^status 401 //p')" = 1000 ] || bad="$bad; /login: not all 1,000 tries 401"
echo "2,000 tries in $(($(date +%s) - start))s"
# The invited guest asks for a code and signs in with it.
n=$(mail_count)
api "/api/v1/accept/$tok/email" "{\"email\":\"$G1\"}" >/dev/null
if wait_mails $((n + 1)) 10; then
	r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"$G1\",\"code\":\"$(latest_code)\"}")
	[ "${r%% *}" = 200 ] || bad="$bad; invitation: the guest's own code after the attack: $r"
else
	bad="$bad; invitation: no code mail for the guest after 1,000 wrong tries"
fi
# The known guest signs in at /login (pages, CSRF) with the emailed code.
r=$(html_login $G2)
[ "$r" = 200 ] || bad="$bad; /login: the guest's code step after 1,000 wrong tries answered $r"
[ -z "$bad" ] || fail "${bad#; }"
ok "1,000 wrong tries from 1,000 addresses (invitation and /login): both guests still get a code and sign in"
