#!/bin/sh
# t-not-invited - a provider never widens who may redeem: bob signs in with a
# verified address of the right domain, but the invitation is for alice.
. "$(dirname "$0")/lib.sh"
otpd_setup
tok=$(invite alice@partner.example) || fail "mktoken"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" alice@partner.example) || fail "begin"
r=$(authorize bob "$url") || fail "authorize"
set -- $r
expect "error=not_invited" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
