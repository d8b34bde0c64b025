# Open redirect: after sign-in otpd sends the guest only to the invitation's signed resource, or to an
# rd under it, judged and followed in its normalised form (resource.h). Each hostile rd below (encoded
# traversal among them: issue 10, finding 2) goes through a whole /login (emailed code, then MFA enrolment; the
# guest's MFA is reset between rounds so each round has a fresh TOTP secret) and must land on the
# invitation's resource itself. lib.sh's curl wrapper also records every Location header, meta refresh
# and resource link otpd sent in the whole scenario, and cleanup fails it if one is not relative, under
# public_url or under the resource.
. tests/otpd/lib.sh
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000"
start_sink
start_otpd
RESOURCE=https://teams.example.org/team/42
tok=$(token guest@example.net)
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
# landing RD - log in with rd=RD; prints where the enrolment page sends the guest on
landing() {
	"$OTPCTL" -c "$T/otpd.conf" reset-mfa guest@example.net 2>/dev/null || fail "reset-mfa"
	: >"$T/jar"
	[ "$(html_login guest@example.net "$1")" = 200 ] || fail "login with rd '$1'"
	setup_page
	[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment with rd '$1'"
	sed -n 's/.*class="button" href="\([^"]*\)".*/\1/p' "$T/pg" | sed 's/&amp;/\&/g' | head -1
}
[ "$(landing "$RESOURCE/wiki?page=1")" = "$RESOURCE/wiki?page=1" ] || fail "control: rd under the resource not followed"
ok "control: an rd under the resource is followed"
# rd is followed as the server will read it (normalised), not as sent.
got=$(landing "HTTPS://Teams.Example.org:443/team/42/./a/../b%7e")
[ "$got" = "$RESOURCE/b~" ] || fail "normalised rd: landed on '$got'"
ok "an rd with dot segments, case, :443 and an unreserved escape lands on its normalised form"
n=0
while IFS= read -r rd; do
	got=$(landing "$rd")
	[ "$got" = "$RESOURCE" ] || fail "rd '$rd' landed on '$got'"
	n=$((n + 1))
done <<'RDS'
https://evil.example/
//evil.example/
///evil.example/
/\evil.example/
\\evil.example\
https://teams.example.org.evil.net/
https://teams.example.org@evil.example/
https://teams.example.org/team/42@evil.example/
https://teams.example.org/team/420
https://teams.example.org/team/42/../../evil
https://teams.example.org/team/42/%2e%2e/%2e%2e/evil
http://teams.example.org/team/42/
https://teams.example.org:8443/team/42/
javascript:alert(1)//https://teams.example.org/team/42/
data:text/html,<script>alert(1)</script>
https%3A%2F%2Fevil.example%2F
%2F%2Fevil.example%2F
https:%2F%2Fevil.example/
https:/\evil.example/
 https://evil.example/
https:evil.example/
https://teams.example.org/team/42/..%2F43/x
https://teams.example.org/team/42/%2E%2E%2F43/x
https://teams.example.org/team/42/.%2e/43/x
https://teams.example.org/team/42//../43/x
https://teams.example.org/team/42/..;/43/x
https://teams.example.org/team/42/%C0%AE%C0%AE/43/x
https://teams.example.org/team/42/..%5C43/x
https://teams.example.org/team/43/
RDS
ok "$n hostile rd values: each lands on the invitation's resource"
# /login?rd= with a hostile rd only fills a form field; nothing redirects.
s=$(curl -s -o "$T/p" -D "$T/h" -w '%{http_code}' "$BASE/login?rd=https%3A%2F%2Fevil.example%2F")
[ "$s" = 200 ] || fail "/login with rd: $s"
grep -qi '^Location:' "$T/h" && fail "/login redirected"
grep -q 'http-equiv="refresh"' "$T/p" && fail "/login refreshes"
ok "/login?rd= never redirects by itself"
