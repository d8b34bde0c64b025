#!/bin/sh
# t-happy - an invited guest of a configured domain signs in at their own
# provider (no code mail): home-realm discovery, PKCE, login_hint, verified email.
. "$(dirname "$0")/lib.sh"
otpd_setup
tok=$(invite alice@partner.example guest@gmail.com) || fail "mktoken"
# Other domains (and subdomains not listed) get the emailed code.
expect code-flow "$("$PROBE" "$T/otpd.conf" begin "$tok" guest@gmail.com)"
expect code-flow "$("$PROBE" "$T/otpd.conf" begin "$tok" alice@x.partner.example)"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" Alice@Partner.example) || fail "begin: $url"
case "$url" in
"$GW_ISSUER/auth?response_type=code&client_id=otpd&"*) ;;
*) fail "authorization URL: $url" ;;
esac
for p in code_challenge_method=S256 login_hint=alice%40partner.example scope=openid%20email \
	"redirect_uri=http%3A%2F%2F127.0.0.1%3A$OTPD_PORT%2Foidc%2Fcallback"; do
	case "$url" in *"&$p"*) ;; *) fail "no $p in $url" ;; esac
done
r=$(authorize alice "$url") || fail "authorize"
set -- $r
expect "ok email=alice@partner.example mfa=no provider=partner" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
