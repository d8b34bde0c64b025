# Secrets and privileges: otpd refuses a secret file group or others can read (-n and a real start, with
# the file and a chmod hint); once running as root with [otpd] user it has dropped to that user in every
# thread (all four Uid and Gid fields, only its group, no capabilities) after opening its socket,
# database and keys (the database belongs to the user, the secret stays root's 0600). Positive controls
# for what every scenario's cleanup checks: logscan.sh finds a leaked code and cookie, and
# check_locations an off-site redirect.
. tests/otpd/lib.sh
setup
[ "$(id -u)" = 0 ] || { echo "ok: not root: privilege drop not testable here"; exit 0; }
for mode in 0644 0640 0604 0660; do
	chmod "$mode" "$T/keys/otpd.secret"
	if out=$("$OTPD" -n -c "$T/otpd.conf" 2>&1); then fail "-n accepted a $mode secret"; fi
	echo "$out" | grep -q "otpd.secret: mode $mode lets group or others read it; run chmod 600" || fail "-n said: $out"
	if out=$(timeout 10 "$OTPD" -f -c "$T/otpd.conf" 2>&1); then fail "started with a $mode secret"; fi
	echo "$out" | grep -q "otpd.secret: mode $mode lets group or others read it" || fail "start said: $out"
done
ok "a secret readable by group or others: refused by -n and at start, naming the file"
chmod 0400 "$T/keys/otpd.secret"
[ "$("$OTPD" -n -c "$T/otpd.conf")" = "configuration OK" ] || fail "0400 refused"
chmod 0600 "$T/keys/otpd.secret"
start_sink
start_otpd
uid=$(id -u nobody) gid=$(id -g nobody)
n=0
for st in /proc/"$OTPD_PID"/task/*/status; do
	n=$((n + 1))
	[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")" = "$uid $uid $uid $uid" ] || fail "Uid: $(grep ^Uid: "$st")"
	[ "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$st")" = "$gid $gid $gid $gid" ] || fail "Gid: $(grep ^Gid: "$st")"
	[ "$(awk '/^Groups:/ { print $2 }' "$st")" = "$gid" ] || fail "Groups: $(grep ^Groups: "$st")"
	grep -q '^CapEff:	0000000000000000' "$st" || fail "CapEff: $(grep ^CapEff: "$st")"
	grep -q '^CapPrm:	0000000000000000' "$st" || fail "CapPrm: $(grep ^CapPrm: "$st")"
done
[ "$n" -ge 3 ] || fail "only $n threads"
ok "otpd runs as nobody ($uid:$gid) in all $n threads, no other group, no capabilities"
[ "$(stat -c %U "$T/db/data.mdb")" = nobody ] || fail "data.mdb not nobody's"
[ "$(stat -c '%U %a' "$T/keys/otpd.secret")" = "root 600" ] || fail "secret: $(stat -c '%U %a' "$T/keys/otpd.secret")"
ok "the database is nobody's; the secret stays root's, 0600"
# otpd as root without a user is refused (t-config.sh); as a user that does not exist too.
sed 's/^user = nobody/user = no-such-user-here/' "$T/otpd.conf" >"$T/bad.conf"
if out=$("$OTPD" -f -c "$T/bad.conf" 2>&1); then fail "ran with a missing user"; fi
echo "$out" | grep -q 'no-such-user-here: no such user' || fail "missing user: $out"
ok "a user that does not exist: refused"

# Controls: the cleanup checks bite.
tok=$(token guest@example.net)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails 1 10 || fail "no code mail"
code=$(latest_code)
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$code\"}")
sess=$(tr -d '\r' <"$T/h" | sed -n 's/^Set-Cookie: guestlink_session=\([^;]*\);.*/\1/p')
[ -n "$sess" ] || fail "no session: $r"
mkdir -p "$T/ctl"
echo "otpd[1]: level=info event=oops code=$code" >"$T/ctl/code.log"
echo "otpd[1]: level=info event=oops s=$sess" >"$T/ctl/cookie.log"
echo "otpd[1]: level=info event=oops t=$(echo "$tok" | cut -c1-60)" >"$T/ctl/run.log"
for l in code cookie run; do
	sh tests/otpd/logscan.sh "$T" "$T/ctl/$l.log" >/dev/null && fail "control: logscan missed the leak in $l.log"
done
sh tests/otpd/logscan.sh "$T" "$T/otpd.log" || fail "otpd's own log"
cp "$T/locations" "$T/locations.saved" 2>/dev/null || : >"$T/locations.saved"
for evil in https://evil.example/ //evil.example/ '/\evil.example/' https://teams.example.org.evil.net/; do
	printf "%s\n" "$evil" >"$T/locations"
	[ -n "$(check_locations)" ] || fail "control: check_locations missed $evil"
done
mv "$T/locations.saved" "$T/locations"
ok "controls: a leaked code, cookie or token run and an off-site redirect are caught"
