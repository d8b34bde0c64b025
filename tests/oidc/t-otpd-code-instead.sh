#!/bin/sh
# t-otpd-code-instead - home-realm discovery is by domain only, and the guest can always pick a code:
# invited and uninvited addresses of a configured domain get the same redirect; "email me a code instead"
# (method=code) sends a code mail to an invited address of that domain, and the code signs in; other
# domains get the code flow as before.
. "$(dirname "$0")/lib.sh"
otpd_run password
tok=$(invite alice@partner.example guest@gmail.com) || fail "mktoken"
[ "$(page "$BASE/accept/$tok")" = 200 ] || fail "accept page"
grep -q '<button type="submit" name="method" value="code" class="secondary">Email me a code instead</button>' "$T/pg" ||
	fail "accept page: no 'Email me a code instead' button"
page -H 'Accept-Language: nl' "$BASE/accept/$tok" >/dev/null
grep -q 'Mail me liever een code' "$T/pg" || fail "accept page (nl): no code button"
ok "the accept page offers 'email me a code instead' (en, nl)"
# Enumeration: an invited and an uninvited address of the domain get the same answer.
s1=$(accept_email "$tok" alice@partner.example); l1=$(location | sed 's/[?].*//')
s2=$(accept_email "$tok" nobody@partner.example); l2=$(location | sed 's/[?].*//')
[ "$s1" = 303 ] && [ "$s2" = 303 ] && [ "$l1" = "$l2" ] || fail "invited $s1 $l1, uninvited $s2 $l2"
ok "invited and uninvited addresses of the domain: the same 303 to the provider"
# An unconfigured domain: the code page, as before.
s=$(accept_email "$tok" guest@gmail.com)
[ "$s" = 200 ] && grep -q 'a code is on its way' "$T/pg" || fail "other domain: $s"
grep -q 'name="method" value="code"' "$T/pg" || fail "resend form without method=code"
ok "another domain: the code page"
# method=code for an address of the configured domain: a code mail, and the code works.
n=$(mail_count)
s=$(accept_email "$tok" alice@partner.example method=code)
[ "$s" = 200 ] && grep -q 'a code is on its way' "$T/pg" || fail "method=code: $s $(location)"
wait_mails $((n + 1)) 10 || fail "no code mail for method=code"
f=$(ls -t "$T/sink"/* | head -1)
grep -qi '^To: <\{0,1\}alice@partner.example' "$f" || fail "code mail to $(grep -i '^To:' "$f")"
code=$(tr -d '\r' <"$f" | grep -E '^[0-9]{8}$' | head -1)
s=$(page --data-urlencode "email=alice@partner.example" --data "code=$code&csrf=$(csrf_of "$T/pg")" "$BASE/accept/$tok/code")
[ "$s" = 200 ] && grep -q 'url=/mfa/setup' "$T/pg" || fail "code step: $s"
"$OTPCTL" -c "$T/otpd.conf" guests >"$T/guests" || fail "otpctl guests"
grep -q '"email":"alice@partner.example","sign_in":"code","mfa":"none"' "$T/guests" || fail "guests: $(cat "$T/guests")"
ok "email me a code instead: a code mail, the code signs in (then TOTP); otpctl guests: code"
# The JSON twin: method=code gives the old 202.
s=$(curl -s -o "$T/b" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data '{"email":"alice@partner.example","method":"code"}' "$BASE/api/v1/accept/$tok/email")
[ "$s" = 202 ] || fail "JSON method=code: $s $(cat "$T/b")"
ok "JSON method=code: 202 accepted"
