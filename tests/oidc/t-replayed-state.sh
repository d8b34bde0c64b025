#!/bin/sh
# t-replayed-state - a state works once; a callback whose state is not the
# browser's (login CSRF) is refused and spends the pending sign-in.
. "$(dirname "$0")/lib.sh"
otpd_setup
tok=$(invite alice@partner.example) || fail "mktoken"
url=$("$PROBE" "$T/otpd.conf" begin "$tok" alice@partner.example) || fail "begin"
r=$(authorize alice "$url") || fail "authorize"
set -- $r
expect "ok email=alice@partner.example" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
expect "error=bad_state" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
# The query's state differs from the one the browser's cookie holds.
url=$("$PROBE" "$T/otpd.conf" begin "$tok" alice@partner.example) || fail "begin"
r=$(authorize alice "$url") || fail "authorize"
set -- $r
other=$(printf '%s' "$1" | tr 'A-Za-z' 'B-ZAb-za')
expect "error=bad_state" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$other" "$2" "$1")"
expect "error=bad_state" "$("$PROBE" "$T/otpd.conf" finish "$tok" "$1" "$2")"
