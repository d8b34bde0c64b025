#!/bin/bash
# t-privs.sh - the milter started as root drops to the configured user after
# opening its socket and reading the key, for good:
#   - /proc/PID/status: real, effective, saved and filesystem uid and gid are
#     all the user's (postfix), the only supplementary group is its group,
#     and no capabilities are left;
#   - the socket belongs to that user, mode 0660; the key file stays root's,
#     0600 (read before the drop);
#   - as root without "user", or with user = root, it refuses to start with a
#     message saying what to set; an unknown user fails -n.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

[ "$(id -u)" -eq 0 ] || die "needs root"
need_bins "$MILTER_BIN" "$OTPCTL_BIN"
KEY_DIR="$T_DIR/keys"
make_keys "$KEY_DIR"
CONF="$T_DIR/guestlink.conf"
milter_config "$CONF" "$KEY_DIR" "$T_DIR/run"
pu=$(id -u postfix)
pg=$(id -g postfix)

milter_start "$CONF"
st=$(cat "/proc/$MILTER_PID/status")
expect_eq "$(printf '%s\n' "$st" | awk '/^Uid:/ { print $2, $3, $4, $5 }')" "$pu $pu $pu $pu" \
	"Uid: real, effective, saved, fs all postfix ($pu)"
expect_eq "$(printf '%s\n' "$st" | awk '/^Gid:/ { print $2, $3, $4, $5 }')" "$pg $pg $pg $pg" \
	"Gid: real, effective, saved, fs all postfix's group ($pg)"
expect_eq "$(printf '%s\n' "$st" | awk '/^Groups:/ { $1 = ""; sub(/^ /, ""); print }' | sed 's/ *$//')" "$pg" \
	"Groups: only postfix's group"
expect_eq "$(printf '%s\n' "$st" | awk '/^CapEff:/ { print $2 }')" 0000000000000000 "CapEff: no capabilities"
expect_eq "$(printf '%s\n' "$st" | awk '/^CapPrm:/ { print $2 }')" 0000000000000000 "CapPrm: none to regain"
# Every thread, not only the main one (libmilter's workers start after the drop).
bad=0
for t in /proc/"$MILTER_PID"/task/*; do
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "$t/status" | grep -qx "$pu $pu $pu $pu" || bad=$((bad + 1))
done
expect_eq "$bad" 0 "every thread runs as postfix"
expect_eq "$(stat -c '%U %a' "$MILTER_SOCK_PATH")" "postfix 660" "the socket: owner postfix, mode 0660"
expect_eq "$(stat -c '%U %a' "$KEY_DIR/link.key")" "root 600" "the signing key stays root's, 0600"
expect_match "$(milter_logs)" 'event=start ' "the milter logged its start"
milter_stop

# As root without "user": refuses, says what to set.
sed '/^user = /d' "$CONF" >"$T_DIR/nouser.conf"
rc=0
out=$(timeout 20 "$MILTER_BIN" -c "$T_DIR/nouser.conf" -f 2>&1) || rc=$?
expect_eq "$rc" 1 "root without user: exits 1"
expect_match "$out" 'refusing to run as root: set \[milter\] user' "root without user: says to set [milter] user"

# user = root: refused as well.
sed 's/^user = .*/user = root/' "$CONF" >"$T_DIR/root.conf"
rc=0
out=$(timeout 20 "$MILTER_BIN" -c "$T_DIR/root.conf" -f 2>&1) || rc=$?
expect_eq "$rc" 1 "user = root: exits 1"
expect_match "$out" 'user = root is root' "user = root: says it is root"

# An unknown user: -n fails, naming it.
sed 's/^user = .*/user = no-such-user-guestlink/' "$CONF" >"$T_DIR/nosuch.conf"
rc=0
out=$("$MILTER_BIN" -c "$T_DIR/nosuch.conf" -n 2>&1) || rc=$?
expect_eq "$rc" 1 "unknown user: -n exits 1"
expect_match "$out" "no-such-user-guestlink' does not exist" "unknown user: -n names it"
t_done
