# otpd -n, bad config with file:line, refusing root without a user.
. tests/otpd/lib.sh
setup
out=$("$OTPD" -n -c "$T/otpd.conf") || fail "-n failed: $out"
[ "$out" = "configuration OK" ] || fail "-n said: $out"
echo "bogus_key = 1" >>"$T/otpd.conf"
if out=$("$OTPD" -n -c "$T/otpd.conf" 2>&1); then fail "bad key accepted"; fi
echo "$out" | grep -q "otpd.conf:[0-9]*:" || fail "no file:line: $out"
sed -i '/^bogus_key/d; /^user = /d' "$T/otpd.conf"
if [ "$(id -u)" -eq 0 ]; then
	if out=$("$OTPD" -f -c "$T/otpd.conf" 2>&1); then fail "ran as root without user"; fi
	echo "$out" | grep -q "refusing to run as root" || fail "message: $out"
fi
ok "config checks"
