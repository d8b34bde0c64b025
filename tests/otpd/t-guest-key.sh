# The guest key (issue 10, finding 5) through the real otpd and otpctl:
# - otpd -n and a real start refuse a missing guest_key, one group or others can read, a symlink, one of
#   the wrong length, and one in a directory others may write;
# - a link made with another guest key admits nobody (no code mail); with that key as
#   guest_key_previous (rotation) the same link works;
# - otpctl inspect survives a huge and a binary argument (valid false, exit 1) and shows the version;
# - otpctl keygen never overwrites: into a directory with keys, or a loose or linked one, it refuses and
#   every file stays byte for byte.
. tests/otpd/lib.sh
setup
conf=$T/otpd.conf
refused() { # refused WHAT PATTERN CONF
	if out=$("$OTPD" -n -c "$3" 2>&1); then fail "-n accepted $1"; fi
	echo "$out" | grep -q -- "$2" || fail "$1: -n said: $out"
	if out=$(timeout 10 "$OTPD" -f -c "$3" 2>&1); then fail "started with $1"; fi
	echo "$out" | grep -q -- "$2" || fail "$1: start said: $out"
}
sed '/^guest_key = /d' "$conf" >"$T/nokey.conf"
refused "no guest_key" "guest_key" "$T/nokey.conf"
chmod 0640 "$T/keys/guest.key"
refused "a 0640 guest key" "guest.key: mode 0640 lets group or others read it" "$conf"
chmod 0600 "$T/keys/guest.key"
ln -s "$T/keys/guest.key" "$T/keys/linked.key"
sed "s|^guest_key = .*|guest_key = $T/keys/linked.key|" "$conf" >"$T/link.conf"
refused "a symlinked guest key" "linked.key: cannot open" "$T/link.conf"
head -c 31 /dev/urandom >"$T/keys/short.key"
chmod 0600 "$T/keys/short.key"
sed "s|^guest_key = .*|guest_key = $T/keys/short.key|" "$conf" >"$T/short.conf"
refused "a 31-byte guest key" "short.key: must hold exactly 32 bytes" "$T/short.conf"
mkdir -m 0700 "$T/ww"
cp -p "$T/keys/guest.key" "$T/ww/guest.key"
chmod 0777 "$T/ww"
sed "s|^guest_key = .*|guest_key = $T/ww/guest.key|" "$conf" >"$T/ww.conf"
refused "a guest key in a world-writable directory" "group or others may write it" "$T/ww.conf"
chmod 0700 "$T/ww"
[ "$("$OTPD" -n -c "$T/ww.conf")" = "configuration OK" ] || fail "the same key in a private directory refused"
ok "guest_key: missing, 0640, symlink, 31 bytes, world-writable directory refused by -n and at start"

# A link made with another guest key admits nobody; as guest_key_previous it works again.
"$OTPCTL" keygen "$T/keys2" >/dev/null || fail "keygen 2"
start_sink
start_otpd
other=$(MKTOKEN_GUEST_KEY=$T/keys2/guest.key token guest@example.net) || fail "mktoken with key 2"
r=$(api "/api/v1/accept/$other/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "other key: $r"
sleep 2
[ "$(mail_count)" -eq 0 ] || fail "a link with an unknown guest key got a code mailed"
ok "a link whose guest key otpd does not hold: the usual answer, no code mail"
kill_otpd
printf 'guest_key_previous = %s\n' "$T/keys2/guest.key" >"$T/prev.line"
sed "/^guest_key = /r $T/prev.line" "$conf" >"$T/rot.conf"
cp "$T/rot.conf" "$conf"
start_otpd
# A fresh link of the old key (the first link's address is within its resend interval now).
other2=$(MKTOKEN_GUEST_KEY=$T/keys2/guest.key token guest@example.net) || fail "mktoken with key 2"
r=$(api "/api/v1/accept/$other2/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "previous key: $r"
wait_mails 1 10 || fail "with guest_key_previous the guest got no code"
ok "with that key as guest_key_previous (rotation) the guest gets a code"
kill_otpd

# otpctl inspect on hostile input.
big=$(head -c 100000 /dev/zero | tr '\0' 'A')
rc=0
out=$("$OTPCTL" -c "$conf" inspect "$big" 2>&1) || rc=$?
[ "$rc" = 1 ] && [ "$out" = '{"valid":false,"error":"malformed"}' ] || fail "huge: rc $rc: $out"
bin=$(head -c 3000 /dev/urandom | tr -d '\0')
rc=0
out=$("$OTPCTL" -c "$conf" inspect "http://x/accept/$bin" --email "$bin" 2>&1) || rc=$?
[ "$rc" = 1 ] && [ "$out" = '{"valid":false,"error":"malformed"}' ] || fail "binary: rc $rc: $out"
tok=$(token guest@example.net)
out=$("$OTPCTL" -c "$conf" inspect "$tok") || fail "inspect a good link: $out"
echo "$out" | grep -q '"version":2,' || fail "no version: $out"
"$OTPCTL" -c "$conf" inspect "$tok" --email Guest@Example.NET >/dev/null || fail "inspect --email of the guest"
rc=0
"$OTPCTL" -c "$conf" inspect "$tok" --email x@example.net >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "inspect --email of a stranger: $rc"
rc=0
out=$("$OTPCTL" -c "$T/nokey.conf" inspect "$other" --email guest@example.net 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "guest_key is not set" || fail "no guest key: rc $rc: $out"
sed '/^guest_key_previous = /d' "$conf" >"$T/cur.conf"
rc=0
out=$("$OTPCTL" -c "$T/cur.conf" inspect "$other" --email guest@example.net 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "is neither guest_key nor guest_key_previous" || fail "unheld key: rc $rc: $out"
ok "inspect: 100,000 characters and 3,000 random bytes are malformed (exit 1); version shown; --email says when the key is missing or not held"

# otpctl keygen never overwrites and refuses loose or linked directories.
sums() { (cd "$1" && sha256sum -- * | sort); }
before=$(sums "$T/keys")
rc=0
out=$("$OTPCTL" keygen "$T/keys" 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "already exists" || fail "keygen over keys: rc $rc: $out"
[ "$(sums "$T/keys")" = "$before" ] || fail "keygen changed a key file"
mkdir -m 0700 "$T/half"
printf 'x' >"$T/half/otpd.secret"
rc=0
"$OTPCTL" keygen "$T/half" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && [ "$(ls "$T/half")" = otpd.secret ] && [ "$(cat "$T/half/otpd.secret")" = x ] ||
	fail "keygen beside one existing file: rc $rc, left: $(ls "$T/half")"
mkdir "$T/loose"
chmod 0777 "$T/loose"
rc=0
out=$("$OTPCTL" keygen "$T/loose" 2>&1) || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "group or others may write" && [ -z "$(ls "$T/loose")" ] ||
	fail "keygen into a 0777 directory: rc $rc: $out"
mkdir -m 0700 "$T/real"
ln -s "$T/real" "$T/alias"
rc=0
"$OTPCTL" keygen "$T/alias" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && [ -z "$(ls "$T/real")" ] || fail "keygen through a symlink: rc $rc"
ok "keygen: never overwrites (all or nothing), refuses a 0777 directory and a symlinked one"
