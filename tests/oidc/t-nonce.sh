#!/bin/sh
# t-nonce - the ID token's nonce must be the one this sign-in sent.
. "$(dirname "$0")/lib.sh"
otpd_setup
tok=$(invite alice@partner.example) || fail "mktoken"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" alice@partner.example) || fail "begin"
r=$(authorize alice "$url") || fail "authorize"
set -- $r
"$PROBE" "$T/otpd.conf" tamper-nonce "$1" || fail "tamper"
expect "error=nonce_mismatch" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
