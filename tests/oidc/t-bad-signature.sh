#!/bin/sh
# t-bad-signature - a real ID token for otpd verifies; with its signature
# changed, or with its claims swapped for another user's, it does not.
. "$(dirname "$0")/lib.sh"
otpd_setup
jwt=$(id_token otpd alice nonce-sig-1) || fail "no ID token"
expect "ok email=alice@partner.example" "$("$PROBE" "$T/otpd.conf" verify nonce-sig-1 "$jwt")"
expect "error=nonce_mismatch" "$("$PROBE" "$T/otpd.conf" verify nonce-sig-2 "$jwt")"
sig=${jwt##*.}
case "$sig" in A*) bad=B${sig#A} ;; *) bad=A${sig#?} ;; esac
expect "error=bad_signature" "$("$PROBE" "$T/otpd.conf" verify nonce-sig-1 "${jwt%.*}.$bad")"
jwt2=$(id_token otpd bob nonce-sig-1) || fail "no ID token for bob"
head=${jwt%%.*}
body2=${jwt2#*.}
body2=${body2%%.*}
expect "error=bad_signature" "$("$PROBE" "$T/otpd.conf" verify nonce-sig-1 "$head.$body2.$sig")"
