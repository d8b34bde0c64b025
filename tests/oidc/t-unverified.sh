#!/bin/sh
# t-unverified - carol is invited, but her provider says her email is not verified.
. "$(dirname "$0")/lib.sh"
otpd_setup
tok=$(invite carol@partner.example) || fail "mktoken"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" carol@partner.example) || fail "begin"
r=$(authorize carol "$url") || fail "authorize"
set -- $r
expect "error=email_unverified" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
