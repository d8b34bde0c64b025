# Privileges: otpd started as root refuses to stay root the way the milter does (shared/privs.c): with
# user = root (a uid 0 account) it neither starts nor passes -n, and says the user is root; the check
# also holds at start when -n was skipped. Root without a user and an unknown user: t-config.sh,
# t-secrets.sh.
. tests/otpd/lib.sh
setup
[ "$(id -u)" = 0 ] || { echo "ok: not root: privilege drop not testable here"; exit 0; }
sed 's/^user = nobody$/user = root/' "$T/otpd.conf" >"$T/root.conf"
grep -q '^user = root$' "$T/root.conf" || fail "no user = root line in the test config"
rc=0
out=$(timeout 10 "$OTPD" -f -c "$T/root.conf" 2>&1) || rc=$?
[ "$rc" -ne 124 ] || fail "user = root: otpd ran (as root) until the timeout"
[ "$rc" -ne 0 ] || fail "user = root: otpd exited 0"
echo "$out" | grep -q 'user = root is root' || fail "user = root: message: $out"
ok "user = root: refused at start (exit $rc), saying it is root"
rc=0
out=$("$OTPD" -n -c "$T/root.conf" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "user = root: -n said: $out"
echo "$out" | grep -q 'user = root is root' || fail "user = root: -n message: $out"
ok "user = root: refused by -n as well"
# Control: the same file with user = nobody is fine.
[ "$("$OTPD" -n -c "$T/otpd.conf")" = "configuration OK" ] || fail "control: user = nobody refused by -n"
ok "control: user = nobody passes -n"
