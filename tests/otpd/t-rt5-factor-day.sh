#!/bin/bash
# Red team 5, finding 02: docs/security.md said "max_failed_tries wrong second-factor codes a day", but the
# 'f' bucket (otpd/flow.c second_factor_limit) is a GCRA: max_failed_tries at once, then one back every
# 24 h / max_failed_tries, so up to 2 x max_failed_tries - 1 in the first 24 h from a full bucket (199 with
# the defaults), max_failed_tries a day after that. The docs now say so, and this pins the bound: with
# max_failed_tries = 3, three at once, one 8 h later, one 16 h later (otpd's clock moved with
# tests/otpd/timeshift.c), and no more in between: exactly 5 compared within 16 h, each 4th try 429.
. tests/otpd/lib.sh
cc -shared -fPIC -o "$T/timeshift.so" tests/otpd/timeshift.c || fail "shim"
chmod 0755 "$T/timeshift.so"
setup "mail_interval = 0s" "mails_per_hour = 100" "max_failed_tries = 3"
start_sink
start_otpd
G=guest@example.net
enrolled_guest $G
never_logged "$SECRET"
ok "the guest enrolled"
OFF=0
compared=0
for OFF in 0 $((8 * 3600 + 60)) $((16 * 3600 + 120)); do
	if [ "$OFF" != 0 ]; then
		kill_otpd
		# Under ASan the sanitizer runtime must come first; the shim only wraps time() (as t-revoke-kept).
		OTPD_WRAPPER="env LD_PRELOAD=$T/timeshift.so RT_TIME_OFFSET=$OFF ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
		start_otpd
	fi
	: >"$T/jar"
	[ "$(html_login $G)" = 200 ] || fail "login code step at +${OFF}s"   # the attacker reads the code mail
	line=""
	for try in 1 2 3 4; do
		[ "$(verify_page)" = 200 ] || fail "verify page"
		s=$(mfa_post /mfa/verify "$(wrong_totp "$SECRET" "$OFF")")
		line="$line $s"
		[ "$s" = 401 ] && compared=$((compared + 1))
	done
	echo "  otpd clock +$((OFF / 3600))h: wrong TOTP answers:$line"
	case $OFF in
	0) [ "$line" = " 401 401 401 429" ] || fail "a full bucket: $line, want 401 401 401 429" ;;
	*) [ "$line" = " 401 429 429 429" ] || fail "8 h later: $line, want one back (401 429 429 429)" ;;
	esac
done
[ "$compared" = 5 ] || fail "$compared wrong second-factor codes compared within 16 h, want 5 (2 x 3 - 1)"
ok "max_failed_tries = 3: 3 at once, then one every 8 h (5 within 16 h, as docs/security.md says)"
