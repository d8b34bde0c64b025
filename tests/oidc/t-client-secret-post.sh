#!/bin/sh
# t-client-secret-post - the same sign-in with token_auth = client_secret_post.
. "$(dirname "$0")/lib.sh"
otpd_setup client_secret_post
tok=$(invite alice@partner.example) || fail "mktoken"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" alice@partner.example) || fail "begin: $url"
r=$(authorize alice "$url") || fail "authorize"
set -- $r
expect "ok email=alice@partner.example" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
