# The email step and the code step, the attacks after finding 4 (issue 10), through the JSON API and the
# pages: a code or mail key is good only for the invitation, address and purpose it was mailed for, once,
# while fresh, and only the newest; the mail key's confirm page spends nothing on GET (link scanners);
# and the code step answers the same for every address whatever was tried before (no enumeration, and
# no counter that tells invited from not).
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_tries_per_hour = 100000" "ip_mails_per_hour = 100000"
start_sink
start_otpd
G=guest@example.net
H=other@example.net
tokA=$(token $G $H)
tokB=$(token $G)
ask() { n=$(mail_count); api "/api/v1/accept/$1/email" "{\"email\":\"$2\"}" >/dev/null; wait_mails $((n + 1)) 10 || fail "no mail for $2"; }
try() { api "/api/v1/accept/$1/code" "{\"email\":\"$2\",\"code\":\"$3\"}"; }
W='401 {"error":"wrong_or_expired_code"}'
# A's code and A's key on invitation B (same address, both live): refused; B's own code then works.
ask "$tokA" $G; codeA=$(latest_code); linkA=$(latest_link); keyA=${linkA##*k=}
ask "$tokB" $G; codeB=$(latest_code)
[ ${#keyA} = 43 ] || fail "no 43-character key in A's link: $linkA"
[ "$(try "$tokB" $G "$codeA")" = "$W" ] || [ "$codeA" = "$codeB" ] || fail "A's code worked on B"
[ "$(try "$tokB" $G "$keyA")" = "$W" ] || fail "A's key worked on B"
# A's key for another invited address of A: refused.
[ "$(try "$tokA" $H "$keyA")" = "$W" ] || fail "G's key worked for H"
r=$(try "$tokB" $G "$codeB"); [ "${r%% *}" = 200 ] || fail "B's own code: $r"
ok "a code or key works only for its own invitation and address"
# Reuse: B's code again, and A's key twice (the second time it is spent).
[ "$(try "$tokB" $G "$codeB")" = "$W" ] || fail "B's code worked twice"
r=$(try "$tokA" $G "$keyA"); [ "${r%% *}" = 200 ] || fail "A's key: $r"
[ "$(try "$tokA" $G "$keyA")" = "$W" ] || fail "A's key worked twice"
[ "$(try "$tokA" $G "$codeA")" = "$W" ] || fail "A's code worked after its key was used (one code, one use)"
ok "single use: a code, a key, and the code of a used key"
# Resend: a new code replaces the old code and the old key.
ask "$tokA" $G; old=$(latest_code); oldlink=$(latest_link)
ask "$tokA" $G; new=$(latest_code)
[ "$old" = "$new" ] || [ "$(try "$tokA" $G "$old")" = "$W" ] || fail "the replaced code worked"
[ "$(try "$tokA" $G "${oldlink##*k=}")" = "$W" ] || fail "the replaced key worked"
r=$(try "$tokA" $G "$new"); [ "${r%% *}" = 200 ] || fail "the newest code: $r"
ok "a new code replaces the old code and the old key"
# Expired (code_ttl = 2s, otpd restarted): neither the code nor the key works.
kill_otpd
echo "code_ttl = 2s" >>"$T/otpd.conf"
start_otpd
ask "$tokA" $G; code=$(latest_code); link=$(latest_link)
sleep 3
[ "$(try "$tokA" $G "$code")" = "$W" ] || fail "an expired code worked"
[ "$(try "$tokA" $G "${link##*k=}")" = "$W" ] || fail "an expired key worked"
ok "expired codes and keys are refused"
kill_otpd
sed -i '/^code_ttl = 2s$/d' "$T/otpd.conf"
start_otpd
# /login's code and key on an invitation, and the invitation's on /login (G is a known guest now).
[ "$(page "$BASE/login")" = 200 ] || fail "login page"
csrf=$(csrf_of "$T/pg")
n=$(mail_count)
[ "$(page --data-urlencode "email=$G" --data "csrf=$csrf" "$BASE/login/email")" = 200 ] || fail "login email step"
wait_mails $((n + 1)) 10 || fail "no login mail"
lcode=$(latest_code); llink=$(latest_link)
case $llink in "$BASE/login?k="*) ;; *) fail "the login mail's link: $llink" ;; esac
[ "$(try "$tokA" $G "$lcode")" = "$W" ] || fail "the /login code worked on an invitation"
[ "$(try "$tokA" $G "${llink##*k=}")" = "$W" ] || fail "the /login key worked on an invitation"
ask "$tokB" $G; icode=$(latest_code); ilink=$(latest_link)
lt() { page --data-urlencode "email=$G" --data "code=$1&csrf=$csrf" "$BASE/login/code"; }
[ "$(lt "$icode")" = 401 ] || [ "$icode" = "$lcode" ] || fail "an invitation code worked at /login"
[ "$(lt "${ilink##*k=}")" = 401 ] || fail "an invitation key worked at /login"
# The login key through its confirm page: a GET (twice, like a scanner) spends nothing, the POST does.
rm -f "$T/jar"
[ "$(page "$llink")" = 200 ] || fail "login confirm page"
grep -q "href=\"/login?lang=nl&amp;k=${llink##*k=}\"" "$T/pg" || fail "the confirm page's language switch drops the key"
r=$(html_link $G "$llink"); [ "$r" = 200 ] || fail "the login mail's link after two GETs: $r"
[ "$(html_link $G "$llink")" = 401 ] || fail "the login key worked twice"
ok "/login and invitation codes and keys do not cross; a GET of the link spends nothing"
# Enumeration at the code step: the same answer for an invited address without a live code, an address
# that is not invited, and one that is not an address, each after 150 tries (nothing counts against an
# address with no live code, so no count can tell them apart either).
tokC=$(token $G $H)
for a in $H nobody@example.net not-an-address; do
	out=$(python3 tests/otpd/hammer.py api 127.0.0.1 "${BASE##*:}" "$tokC" "$a" 150) || fail "hammer"
	[ "$(echo "$out" | sed -n 's/^status 401 //p')" = 150 ] || fail "$a: $out"
	r=$(try "$tokC" "$a" 12345678)
	[ "$r" = "$W" ] || fail "$a, after 150 tries: $r"
done
ok "the code step answers the same for invited, not invited and malformed addresses, 150 tries each"
ask "$tokC" $H
r=$(try "$tokC" $H "$(latest_code)"); [ "${r%% *}" = 200 ] || fail "H after 150 tries without a code: $r"
ok "150 tries while no code was live spent nothing: H's code works"
