#!/bin/sh
# t-wrong-audience - a real ID token the provider issued to another client
# ("other") is refused by otpd (client "otpd"), though its signature holds.
. "$(dirname "$0")/lib.sh"
otpd_setup
jwt=$(id_token other alice nonce-aud-1) || fail "no ID token for client other"
expect "error=wrong_audience" "$("$PROBE" "$T/otpd.conf" verify nonce-aud-1 "$jwt")"
