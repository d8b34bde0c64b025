#!/bin/bash
# t-systemd.sh - the units in contrib/systemd/ pass `systemd-analyze verify`
# (offline: no running systemd needed) with their ExecStart binaries and
# Documentation= man pages present
# (a temporary copy of each unit points at the built binaries), have the
# sandbox the docs promise, agree with contrib/guestlink.conf on the socket
# and database paths, and score "OK" or better (exposure <= 3.0) in
# `systemd-analyze security --offline=true`. Negative controls show that
# verify's checks bite: a misspelt key, a missing binary and a missing man
# page are caught.
set -eu
. "$(dirname "$0")/../lib/common.sh"

command -v systemd-analyze >/dev/null || die "systemd-analyze not installed (scripts/deps.sh check: systemd)"
UNITS="$T_SRC/contrib/systemd"
MILTER_UNIT="$UNITS/guestlink-milter.service"
OTPD_UNIT="$UNITS/otpd.service"
OTPD_BIN="$BUILD/otpd/otpd"
need_bins "$MILTER_BIN" "$OTPD_BIN"

# A copy of each unit with /usr/local/sbin/X -> the built X.
mkdir -p "$T_DIR/units"
sed "s|/usr/local/sbin/guestlink-milter|$MILTER_BIN|g" "$MILTER_UNIT" >"$T_DIR/units/guestlink-milter.service"
sed "s|/usr/local/sbin/otpd|$OTPD_BIN|g" "$OTPD_UNIT" >"$T_DIR/units/otpd.service"

# verify also runs man(1) on each Documentation=man:PAGE(N): the pages of
# this tree (man/), laid out as man expects, stand in for installed ones.
mkdir -p "$T_DIR/man/man5" "$T_DIR/man/man8"
for page in "$T_SRC"/man/*.[58]; do
	ln -s "$page" "$T_DIR/man/man${page##*.}/"
done
export MANPATH="$T_DIR/man"

# verify UNIT_FILE - exit status 0 and not a word of warning
for u in guestlink-milter otpd; do
	rc=0
	out=$(cd "$T_DIR/units" && systemd-analyze verify "$T_DIR/units/$u.service" 2>&1) || rc=$?
	expect_eq "$rc" 0 "$u.service: systemd-analyze verify exits 0"
	expect_eq "$out" "" "$u.service: systemd-analyze verify has nothing to say"
	score=$(systemd-analyze security --offline=true "$T_DIR/units/$u.service" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
		ok "$u.service: systemd-analyze security exposure $score <= 3.0"
	else
		fail "$u.service: systemd-analyze security exposure '${score:-?}', want <= 3.0"
	fi
done

# Controls: verify must complain about these.
(cat "$T_DIR/units/guestlink-milter.service"; printf '[Service]\nProtectSystm=strict\n') >"$T_DIR/units/typo.service"
out=$(cd "$T_DIR/units" && systemd-analyze verify "$T_DIR/units/typo.service" 2>&1) || true
expect_match "$out" "Unknown key 'ProtectSystm'" "control: verify reports a misspelt key"
sed "s|^ExecStart=$MILTER_BIN|ExecStart=$T_DIR/no-such-binary|" "$T_DIR/units/guestlink-milter.service" >"$T_DIR/units/nobin.service"
rc=0
out=$(cd "$T_DIR/units" && systemd-analyze verify "$T_DIR/units/nobin.service" 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then ok "control: verify fails on a missing ExecStart binary"; else fail "control: verify passed a missing binary"; fi
sed "s|^Documentation=.*|Documentation=man:no-such-page(8)|" "$T_DIR/units/guestlink-milter.service" >"$T_DIR/units/noman.service"
out=$(cd "$T_DIR/units" && systemd-analyze verify "$T_DIR/units/noman.service" 2>&1) || true
expect_match "$out" "man no-such-page\(8\)' failed" "control: verify reports a Documentation= man page that does not exist"

# unit_value UNIT KEY - the values of KEY=, one a line
unit_value() { sed -n "s/^$2=//p" "$1"; }
for u in "$MILTER_UNIT" "$OTPD_UNIT"; do
	n=$(basename "$u")
	expect_eq "$(unit_value "$u" ProtectSystem)" strict "$n: ProtectSystem=strict"
	expect_eq "$(unit_value "$u" PrivateTmp)" yes "$n: PrivateTmp=yes"
	expect_eq "$(unit_value "$u" NoNewPrivileges)" yes "$n: NoNewPrivileges=yes"
	expect_eq "$(unit_value "$u" ProtectHome)" yes "$n: ProtectHome=yes"
	expect_eq "$(unit_value "$u" CapabilityBoundingSet)" "CAP_SETUID CAP_SETGID CAP_CHOWN" \
		"$n: only the capabilities the start needs (switch user, chown)"
	expect_eq "$(unit_value "$u" User)" "" "$n: no User= (started as root, drops privileges itself)"
	expect_match "$(unit_value "$u" ExecStart)" ' -c /etc/guestlink/guestlink\.conf -f$' "$n: ExecStart with -c and -f (foreground)"
	expect_match "$(unit_value "$u" ExecStartPre)" ' -n$' "$n: ExecStartPre checks the config (-n)"
done
expect_eq "$(unit_value "$MILTER_UNIT" RuntimeDirectory)" guestlink "milter: RuntimeDirectory=guestlink"
expect_eq "$(unit_value "$MILTER_UNIT" RuntimeDirectoryMode)" 0750 "milter: RuntimeDirectoryMode=0750"
expect_eq "$(unit_value "$MILTER_UNIT" Group)" guestlink "milter: Group=guestlink"
expect_eq "$(unit_value "$OTPD_UNIT" ExecStart)" "/usr/local/sbin/otpd -c /etc/guestlink/guestlink.conf -f" "otpd: ExecStart"
expect_eq "$(unit_value "$OTPD_UNIT" StateDirectory)" guestlink "otpd: StateDirectory=guestlink"
expect_eq "$(unit_value "$OTPD_UNIT" StateDirectoryMode)" 0700 "otpd: StateDirectoryMode=0700"
# The example config names the directories the units make.
conf="$T_SRC/contrib/guestlink.conf"
expect_match "$(grep -E '^socket *=' "$conf")" '= *unix:/run/guestlink/' "example config: the milter socket is in the RuntimeDirectory"
expect_match "$(grep -E '^database *=' "$conf")" '= */var/lib/guestlink$' "example config: the database is the StateDirectory"
expect_eq "$(grep -cE '^user *= *guestlink' "$conf")" 2 "example config: both daemons drop to guestlink"
t_done
