#!/bin/bash
# t-deb.sh - the Debian packages, end to end on this machine:
#   1. build them (scripts/build-deb.sh, source and binary) from the files git
#      tracks, timing the build (wall clock and CPU);
#   2. their contents (dpkg-deb -c) and metadata (dpkg-deb -I): every file in
#      the package it belongs to, the conffile, units with /usr/sbin, Depends
#      naming the package of every library the binaries need (shlibs);
#   3. lintian: no error, no warning, no stale override;
#   4. dpkg -i of all three: the user guestlink, directories and modes, the
#      units (systemd-analyze verify), the man pages (man -w, man --warnings),
#      guestlink-milter -n / otpd -n naming the missing keys, nothing started;
#      after otpctl keygen both -n pass, and a reinstall keeps the keys and an
#      edited config;
#   5. dpkg -r keeps config, keys and database; dpkg --purge leaves only the
#      system user and group (policy keeps them; this test then removes them).
#
# It installs into the real system (/usr/sbin, /etc/guestlink, a user), so it
# needs root, refuses to run where any of that already exists, holds a lock
# against a second run, and purges in a trap whatever happens. Other tests run
# from the build tree and their own temp dirs, so they are not disturbed; it
# touches no /etc/postfix and starts no service (no systemd as PID 1 here; the
# postinst starts nothing without keys anyway).
set -eu
. "$(dirname "$0")/../lib/common.sh"

PKGS="guestlink-common guestlink-milter guestlink-otpd"
CONF=/etc/guestlink/guestlink.conf

[ "$(id -u)" -eq 0 ] || die "needs root (dpkg -i, a system user); make check runs as root"
for tool in dpkg-buildpackage lintian systemd-analyze man adduser git; do
	command -v "$tool" >/dev/null || die "$tool not installed (scripts/deps.sh check)"
done

# --- refuse to touch what is not ours ------------------------------------------
exec 9>/run/lock/guestlink-packaging-test.lock
flock -n 9 || die "another packaging test holds /run/lock/guestlink-packaging-test.lock"
refuse=""
getent passwd guestlink >/dev/null && refuse="$refuse user guestlink;"
getent group guestlink >/dev/null && refuse="$refuse group guestlink;"
for p in /etc/guestlink /var/lib/guestlink /run/guestlink /usr/sbin/guestlink-milter /usr/sbin/otpd \
	/usr/bin/otpctl /lib/systemd/system/guestlink-milter.service /lib/systemd/system/otpd.service; do
	if [ -e "$p" ]; then refuse="$refuse $p;"; fi
done
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ -n "$st" ] && [ "$st" != not-installed ]; then refuse="$refuse package $p ($st);"; fi
done
[ -z "$refuse" ] || die "refusing to install over what this system already has:$refuse remove it (or run on a machine without guestlink) and run again"

# dpkg_run ARGS... - dpkg, waiting (up to 3 minutes) while someone else's apt
# holds its lock. --force-unsafe-io: no fsync per file; a crash mid-test loses
# nothing anyone needs, and the machine is shared.
dpkg_run() {
	local i out rc
	for i in $(seq 1 36); do
		rc=0
		out=$(dpkg --force-unsafe-io "$@" 2>&1) || rc=$?
		if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -qE 'frontend lock|database is locked|locked by another process'; then
			note "dpkg is locked by another process; waiting"
			sleep 5
			continue
		fi
		printf '%s\n' "$out"
		return "$rc"
	done
	printf '%s\n' "$out"
	return 1
}

# From here on the user, the directories and the packages are this test's:
# purge them at exit, whatever happens.
installed=0
cleanup_system() {
	[ "$installed" = 1 ] || return 0
	dpkg_run --purge $PKGS >/dev/null 2>&1
	getent passwd guestlink >/dev/null && deluser --quiet --system guestlink >/dev/null 2>&1
	getent group guestlink >/dev/null && delgroup --quiet --system guestlink >/dev/null 2>&1
	rm -rf /etc/guestlink /var/lib/guestlink /run/guestlink
	return 0
}
on_exit cleanup_system


# stage NAME - how long the test has run, for the timing the issue asks for
stage() { note "$(printf '%4ss' "$SECONDS") $*"; }
SECONDS=0

# --- 1. build --------------------------------------------------------------------
OUT="$T_DIR/deb"
TIMEFORMAT='%R %U %S'
rc=0
# noddebs: the -dbgsym packages are debhelper's own; building and linting them only costs time.
{ time DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} noddebs" DEB_BUILD_FLAGS=-F "$T_SRC/scripts/build-deb.sh" "$OUT" >"$T_DIR/build-deb.out" 2>&1 || rc=$?; } 2>"$T_DIR/build.time"
if [ "$rc" -ne 0 ]; then
	sed 's/^/#   /' "$T_DIR/build-deb.out"
	die "the package build failed"
fi
read -r real user sys <"$T_DIR/build.time"
note "package build: ${real}s wall clock, $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')s CPU"
VER=$(cd "$T_SRC" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
for p in $PKGS; do
	deb="$OUT/${p}_${VER}_$ARCH.deb"
	if [ -f "$deb" ]; then ok "built $p"; else fail "built $p: no $deb"; fi
done
CHANGES="$OUT/guestlink_${VER}_$ARCH.changes"
[ -f "$CHANGES" ] || die "no $CHANGES"
expect_match "$(ls "$OUT")" "^guestlink_${VER}\.dsc$" "the source package is built too"
# The copy held only tracked files: nothing of this tree's build products.
expect_no_match "$(tar -tJf "$OUT/guestlink_$VER.tar.xz")" '(\.o|/guestlink-milter|/otpd/otpd|/otpctl)$' \
	"the source tarball has no build products"

# --- 2. contents and metadata ------------------------------------------------------
deb_of() { echo "$OUT/${1}_${VER}_$ARCH.deb"; }
# contents PKG - "MODE PATH" lines of the package's files
contents() { dpkg-deb -c "$(deb_of "$1")" | awk '{ print $1, $6 }' | sed 's| \./| /|'; }
for p in $PKGS; do
	contents "$p" >"$T_DIR/$p.list"
done

# has PKG MODE PATH
has() {
	if grep -qx -- "$2 $3" "$T_DIR/$1.list"; then ok "$1 has $3 ($2)"; else fail "$1 has $3 ($2): $(grep -F " $3" "$T_DIR/$1.list" || echo missing)"; fi
}
has guestlink-common -rw-r--r-- /etc/guestlink/guestlink.conf
has guestlink-common -rwxr-xr-x /usr/bin/otpctl
has guestlink-common -rw-r--r-- /usr/lib/tmpfiles.d/guestlink-common.conf
has guestlink-common -rw-r--r-- /usr/share/man/man5/guestlink.conf.5.gz
has guestlink-common -rw-r--r-- /usr/share/man/man8/otpctl.8.gz
has guestlink-common -rw-r--r-- /usr/share/doc/guestlink-common/README.Debian.gz
has guestlink-common -rw-r--r-- /usr/share/doc/guestlink-common/admin.md.gz
has guestlink-common -rw-r--r-- /usr/share/doc/guestlink-common/examples/postfix/main.cf.snippet
has guestlink-common -rw-r--r-- /usr/share/doc/guestlink-common/copyright
has guestlink-milter -rwxr-xr-x /usr/sbin/guestlink-milter
has guestlink-milter -rw-r--r-- /lib/systemd/system/guestlink-milter.service
has guestlink-milter -rw-r--r-- /usr/share/man/man8/guestlink-milter.8.gz
has guestlink-otpd -rwxr-xr-x /usr/sbin/otpd
has guestlink-otpd -rw-r--r-- /lib/systemd/system/otpd.service
has guestlink-otpd -rw-r--r-- /usr/share/man/man8/otpd.8.gz
# Each binary in one package only, nothing under /usr/local, no keys shipped.
expect_no_match "$(cat "$T_DIR/guestlink-milter.list" "$T_DIR/guestlink-otpd.list")" ' /usr/bin/otpctl$' \
	"otpctl only in guestlink-common"
expect_no_match "$(cat "$T_DIR/guestlink-common.list" "$T_DIR/guestlink-otpd.list")" 'guestlink-milter$' \
	"the milter only in guestlink-milter"
expect_no_match "$(cat "$T_DIR"/*.list)" ' /usr/local/|/etc/guestlink/keys|\.(key|secret|pub)$' \
	"nothing under /usr/local, no keys in a package"
dups=$(cat "$T_DIR"/*.list | awk '$1 !~ /^d/ { print $2 }' | sort | uniq -d)
expect_eq "$dups" "" "no file in two packages"
expect_eq "$(dpkg-deb --info "$(deb_of guestlink-common)" conffiles)" "$CONF" "guestlink-common: the config is a conffile"
for p in guestlink-milter guestlink-otpd; do
	expect_eq "$(dpkg-deb --info "$(deb_of "$p")" conffiles 2>/dev/null || true)" "" "$p: no conffile of its own"
done

mkdir -p "$T_DIR/x"
for p in $PKGS; do dpkg-deb -x "$(deb_of "$p")" "$T_DIR/x"; done
expect_file_eq "$T_DIR/x$CONF" "$T_SRC/contrib/guestlink.conf" "the shipped config is contrib/guestlink.conf"
for u in guestlink-milter otpd; do
	unit="$T_DIR/x/lib/systemd/system/$u.service"
	expect_match "$(sed -n 's/^ExecStart=//p' "$unit")" "^/usr/sbin/$u -c $CONF -f$" "$u.service: ExecStart=/usr/sbin/$u"
	expect_match "$(sed -n 's/^ExecStartPre=//p' "$unit")" "^/usr/sbin/$u -c $CONF -n$" "$u.service: ExecStartPre checks the config"
	expect_no_match "$(grep -v '^#' "$unit")" '/usr/local' "$u.service: no /usr/local left"
	expect_eq "$(grep -c '^ExecReload=' "$unit" || true)" 0 "$u.service: no ExecReload (no reload support)"
	# The rest of the unit is contrib's, sandbox and all.
	expect_eq "$(sed 's|/usr/local/sbin/|/usr/sbin/|g' "$T_SRC/contrib/systemd/$u.service" | cmp - "$unit" && echo same)" same \
		"$u.service: contrib/systemd/$u.service with /usr/sbin"
done

field() { dpkg-deb -f "$(deb_of "$1")" "$2"; }
for p in $PKGS; do
	expect_eq "$(field "$p" Package)" "$p" "$p: Package"
	expect_eq "$(field "$p" Version)" "$VER" "$p: Version"
	expect_eq "$(field "$p" Architecture)" "$ARCH" "$p: Architecture"
	expect_match "$(field "$p" Description)" '^guest access from the mail system - ' "$p: Description"
done
expect_match "$(field guestlink-milter Depends)" "(^|, )guestlink-common \(= $VER\)(,|$)" "milter depends on guestlink-common of its version"
expect_match "$(field guestlink-otpd Depends)" "(^|, )guestlink-common \(= $VER\)(,|$)" "otpd depends on guestlink-common of its version"
expect_match "$(field guestlink-common Depends)" '(^|, )adduser(,|$)' "guestlink-common depends on adduser (postinst)"
for p in $PKGS; do
	expect_match "$(sed -n "/^Package: $p\$/,/^\$/p" "$T_SRC/debian/control")" '\$\{shlibs:Depends\}' "debian/control: $p's Depends has \${shlibs:Depends}"
done
# shlibs: every library a binary needs is there through the package that has
# it. The library's path from the linker cache, its package from one dpkg -S
# for all of them (each dpkg -S reads the whole file database).
ldconfig -p >"$T_DIR/ldcache"
# lib_path SONAME - where the dynamic linker finds it (this architecture first)
lib_path() {
	awk -v so="$1" '$1 == so && /x86-64|64bit/ { print $NF; exit }' "$T_DIR/ldcache" | grep . ||
		awk -v so="$1" '$1 == so { print $NF; exit }' "$T_DIR/ldcache"
}
BINS="guestlink-milter:/usr/sbin/guestlink-milter guestlink-otpd:/usr/sbin/otpd guestlink-common:/usr/bin/otpctl"
for pb in $BINS; do
	objdump -p "$T_DIR/x${pb#*:}" | awk '$1 == "NEEDED" { print $2 }' >"$T_DIR/needed.${pb%%:*}"
done
# other_path PATH - the same file under the other name of merged /usr (dpkg knows one)
other_path() { case "$1" in /usr/*) echo "${1#/usr}" ;; *) echo "/usr$1" ;; esac; }
sort -u "$T_DIR"/needed.* | while read -r so; do
	path=$(lib_path "$so") && { echo "$path"; other_path "$path"; }
done | sort -u >"$T_DIR/libpaths"
# "package:arch: /path" -> "/path package"
xargs -r dpkg -S <"$T_DIR/libpaths" 2>/dev/null | sed -n 's/^\([^:,]*\)[^ ]*: \(.*\)$/\2 \1/p' >"$T_DIR/libowners" || true
# libs_missing PKG DEPENDS - the libraries PKG's binary needs whose package DEPENDS lacks
libs_missing() {
	local so path owner missing=""
	while read -r so; do
		path=$(lib_path "$so" || true)
		owner=$(awk -v f="$path" -v g="$(other_path "$path")" '$1 == f || $1 == g { print $2; exit }' "$T_DIR/libowners")
		if [ -z "$owner" ] || ! printf '%s' "$2" | grep -qE "(^|, )$owner( |,|$)"; then
			missing="$missing $so(${owner:-no package})"
		fi
	done <"$T_DIR/needed.$1"
	echo "$missing"
}
for pb in $BINS; do
	p=${pb%%:*}
	expect_eq "$(libs_missing "$p" "$(field "$p" Depends)")" "" \
		"$p: Depends names the package of every library ${pb#*:} needs ($(wc -l <"$T_DIR/needed.$p"))"
done
# Control: the check bites on a Depends without one of them.
expect_eq "$(libs_missing guestlink-milter "$(field guestlink-milter Depends | sed 's/libmilter1\.0\.1, //')")" \
	" libmilter.so.1.0.1(libmilter1.0.1)" "control: a Depends without libmilter1.0.1 is caught"
expect_match "$(field guestlink-milter Depends)" '(^|, )libmilter1\.0\.1' "milter: libmilter from shlibs"
expect_match "$(field guestlink-otpd Depends)" '(^|, )liblmdb0 ' "otpd: liblmdb0 from shlibs"

stage "contents and metadata checked"
# --- 3. lintian ----------------------------------------------------------------
# As an unprivileged user (lintian warns against root), on the .changes: the
# source package, the binary packages, the buildinfo.
LH="$T_DIR/lintian-home"
mkdir -p "$LH" && chown nobody "$LH"
chmod -R a+rX "$OUT"
# One run, overrides shown: a warning (W:) or error (E:) fails, and each
# override (O:, with its reason in debian/*.lintian-overrides) must be used.
rc=0
lint=$(runuser -u nobody -- env HOME="$LH" TMPDIR="$LH" lintian --pedantic --display-info --show-overrides \
	"$CHANGES" 2>&1) || rc=$?
printf '%s\n' "$lint" | grep -v '^N: ' | sed 's/^/# lintian: /' | head -30
expect_eq "$rc" 0 "lintian exits 0 (no error)"
expect_no_match "$lint" '^[EW]: ' "lintian: no error, no warning"
expect_no_match "$lint" '(unused|mismatched)-override' "lintian: no stale override"
overrides=$(cat "$T_SRC"/debian/*.lintian-overrides 2>/dev/null | grep -v '^#' | grep -c . || true)
shown=$(printf '%s\n' "$lint" | grep -c '^O: ' || true)
expect_eq "$shown" "$overrides" "lintian: each of the $overrides overrides in debian/ overrode a tag"

stage "lintian done"
# --- 4. install -------------------------------------------------------------------
installed=1
rc=0
out=$(dpkg_run -i "$(deb_of guestlink-common)" "$(deb_of guestlink-milter)" "$(deb_of guestlink-otpd)") || rc=$?
printf '%s\n' "$out" >"$T_DIR/dpkg-i.out"
expect_eq "$rc" 0 "dpkg -i of the three packages"
for p in $PKGS; do
	expect_eq "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | tr -d ' ')" ii "$p is installed and configured"
done
expect_match "$out" 'guestlink-milter is installed but not \(re\)started' "postinst: the milter is not started without keys"
expect_match "$out" '/etc/guestlink/keys/link.key' "postinst: says the signing key is what is missing"
expect_match "$out" 'otpd is not \(re\)started' "postinst: otpd is not started without keys"
expect_match "$out" 'otpctl keygen /etc/guestlink/keys' "postinst: tells the admin to run otpctl keygen"

# the user
pw=$(getent passwd guestlink || true)
expect_match "$pw" '^guestlink:' "user guestlink exists"
uid=$(printf '%s' "$pw" | cut -d: -f3) gid=$(printf '%s' "$pw" | cut -d: -f4)
last_sys=$(sed -n 's/^LAST_SYSTEM_UID=//p' /etc/adduser.conf 2>/dev/null)
if [ -n "$uid" ] && [ "$uid" -le "${last_sys:-999}" ]; then ok "guestlink is a system user (uid $uid)"; else fail "guestlink uid '$uid' is not a system uid"; fi
expect_eq "$(getent group guestlink | cut -d: -f3)" "$gid" "group guestlink is its primary group"
expect_match "$(printf '%s' "$pw" | cut -d: -f7)" '/(nologin|false)$' "guestlink cannot log in"
expect_eq "$(printf '%s' "$pw" | cut -d: -f6)" /var/lib/guestlink "guestlink's home is /var/lib/guestlink"

# modes: "MODE USER:GROUP"
mode_of() { stat -c '%a %U:%G %F' "$1" 2>/dev/null || echo missing; }
expect_eq "$(mode_of /etc/guestlink/keys)" "700 root:root directory" "/etc/guestlink/keys 0700 root:root"
expect_eq "$(mode_of /var/lib/guestlink)" "750 guestlink:guestlink directory" "/var/lib/guestlink 0750 guestlink:guestlink"
expect_eq "$(mode_of /run/guestlink)" "750 guestlink:guestlink directory" "/run/guestlink 0750 guestlink:guestlink (tmpfiles.d)"
expect_eq "$(mode_of $CONF)" "644 root:root regular file" "$CONF 0644 root:root"
expect_eq "$(find /etc/guestlink/keys -mindepth 1 | wc -l)" 0 "no keys made by the packages"
expect_eq "$(mode_of /usr/sbin/guestlink-milter)" "755 root:root regular file" "/usr/sbin/guestlink-milter"
expect_eq "$(mode_of /usr/sbin/otpd)" "755 root:root regular file" "/usr/sbin/otpd"
expect_eq "$(mode_of /usr/bin/otpctl)" "755 root:root regular file" "/usr/bin/otpctl"

# units: enabled (deb-systemd-helper works without a running systemd), valid
for u in guestlink-milter otpd; do
	if [ -L "/etc/systemd/system/multi-user.target.wants/$u.service" ]; then ok "$u.service is enabled"; else fail "$u.service is not enabled"; fi
	rc=0
	v=$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1) || rc=$?
	expect_eq "$rc" 0 "systemd-analyze verify $u.service exits 0"
	expect_eq "$v" "" "systemd-analyze verify $u.service has nothing to say (binaries, man pages found)"
done
# nothing started: no process runs the installed binaries
running=""
for pd in /proc/[0-9]*; do
	case "$(readlink "$pd/exe" 2>/dev/null)" in
	/usr/sbin/guestlink-milter|/usr/sbin/otpd) running="$running ${pd#/proc/}" ;;
	esac
done
expect_eq "$running" "" "no installed daemon was started"

# man pages
for page in 8:guestlink-milter 8:otpd 8:otpctl 5:guestlink.conf; do
	s=${page%%:*} n=${page#*:}
	expect_eq "$(man -w "$s" "$n" 2>&1)" "/usr/share/man/man$s/$n.$s.gz" "man -w $s $n"
	w=$(man --warnings -E UTF-8 "$s" "$n" 2>&1 >/dev/null)
	expect_eq "$w" "" "man --warnings $s $n: no warning"
	for sec in NAME SYNOPSIS DESCRIPTION FILES "SEE ALSO"; do
		expect_match "$(MANWIDTH=80 man "$s" "$n" 2>/dev/null)" "^$sec\$" "$n($s) has $sec"
	done
done
for n in guestlink-milter otpd otpctl; do
	expect_match "$(MANWIDTH=80 man 8 "$n" 2>/dev/null)" '^(OPTIONS|COMMANDS)$' "$n(8) has OPTIONS"
done
# guestlink.conf(5) lists every key of the installed parser
keys=$(otpctl config-reference | sed -n 's/^| `\([a-z_]*\)` .*/\1/p')
page=$(MANWIDTH=200 man 5 guestlink.conf 2>/dev/null)
missing=""
for k in $keys; do printf '%s\n' "$page" | grep -qE "^ +$k = " || missing="$missing $k"; done
expect_eq "$missing" "" "guestlink.conf(5) has all $(echo $keys | wc -w) keys of otpctl config-reference"

# -n on the shipped config says what is missing
rc=0
m=$(guestlink-milter -n 2>&1) || rc=$?
expect_eq "$rc" 1 "guestlink-milter -n on the shipped config fails"
expect_match "$m" '/etc/guestlink/keys/link\.key: cannot open' "guestlink-milter -n names the missing signing key"
rc=0
m=$(otpd -n -c $CONF 2>&1) || rc=$?
expect_eq "$rc" 1 "otpd -n on the shipped config fails"
expect_match "$m" '/etc/guestlink/keys/otpd\.secret: cannot open' "otpd -n names the missing secret"

# the documented first step makes both configs good
out=$(otpctl keygen /etc/guestlink/keys 2>&1)
expect_match "$out" '^signing_key = /etc/guestlink/keys/link\.key$' "otpctl keygen prints the [keys] lines of the shipped config"
expect_eq "$(guestlink-milter -n 2>&1)" "configuration OK" "after keygen: guestlink-milter -n"
expect_eq "$(otpd -n -c $CONF 2>&1)" "configuration OK" "after keygen: otpd -n"

# a reinstall (as an upgrade would) keeps the keys and the admin's config
sums=$(cd /etc/guestlink/keys && sha256sum ./* | sort)
sed -i 's/^org_name = .*/org_name = Packaging Test University/' $CONF
rc=0
out=$(dpkg_run -i --force-confold "$(deb_of guestlink-common)" "$(deb_of guestlink-milter)" "$(deb_of guestlink-otpd)") || rc=$?
expect_eq "$rc" 0 "dpkg -i again (keys made, config edited)"
expect_eq "$(cd /etc/guestlink/keys && sha256sum ./* | sort)" "$sums" "reinstall: the keys are untouched"
expect_eq "$(grep '^org_name' $CONF)" "org_name = Packaging Test University" "reinstall: the edited config is kept"
expect_eq "$(mode_of /etc/guestlink/keys)" "700 root:root directory" "reinstall: keys directory still 0700"
expect_no_match "$out" 'not \(re\)started' "reinstall with keys: no 'not started' message"

stage "installed and checked"
# --- 5. remove, then purge -----------------------------------------------------
# otpd's database as otpd would leave it (the daemon is not run here).
install -m 0600 -o guestlink -g guestlink /dev/null /var/lib/guestlink/data.mdb
rc=0
dpkg_run -r guestlink-milter guestlink-otpd guestlink-common >"$T_DIR/dpkg-r.out" || rc=$?
expect_eq "$rc" 0 "dpkg -r"
for p in /usr/sbin/guestlink-milter /usr/sbin/otpd /usr/bin/otpctl /lib/systemd/system/guestlink-milter.service; do
	if [ -e "$p" ]; then fail "after remove: $p is still there"; else ok "after remove: $p is gone"; fi
done
for p in $CONF /etc/guestlink/keys/link.key /var/lib/guestlink/data.mdb; do
	if [ -e "$p" ]; then ok "after remove: $p is kept"; else fail "after remove: $p is gone (only purge may remove it)"; fi
done
getent passwd guestlink >/dev/null && ok "after remove: the user is kept" || fail "after remove: the user is gone"

rc=0
dpkg_run --purge guestlink-milter guestlink-otpd guestlink-common >"$T_DIR/dpkg-purge.out" || rc=$?
expect_eq "$rc" 0 "dpkg --purge"
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ -z "$st" ] || [ "$st" = not-installed ]; then ok "$p purged"; else fail "$p: status '$st' after purge"; fi
done
# Every file the packages had is gone, and all the postinsts made.
left=""
for p in $PKGS; do
	while read -r m path; do
		case "$m" in d*) continue ;; esac
		if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
	done <"$T_DIR/$p.list"
done
for path in /etc/guestlink /var/lib/guestlink /run/guestlink /usr/share/doc/guestlink-common \
	/usr/share/doc/guestlink-milter /usr/share/doc/guestlink-otpd \
	/etc/systemd/system/multi-user.target.wants/guestlink-milter.service \
	/etc/systemd/system/multi-user.target.wants/otpd.service \
	/var/lib/systemd/deb-systemd-helper-enabled/guestlink-milter.service.dsh-also \
	/var/lib/systemd/deb-systemd-helper-enabled/otpd.service.dsh-also \
	/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/guestlink-milter.service \
	/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/otpd.service; do
	if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done
expect_eq "$left" "" "after purge: nothing of the packages is left"
# What policy keeps: the system user and group (files elsewhere may be theirs).
getent passwd guestlink >/dev/null && ok "after purge: the system user guestlink is kept" || fail "after purge: the user was removed"
getent group guestlink >/dev/null && ok "after purge: the group guestlink is kept" || fail "after purge: the group was removed"
# This test made them: it removes them (cleanup_system does the rest on failure).
deluser --quiet --system guestlink >/dev/null 2>&1 || true
getent group guestlink >/dev/null && delgroup --quiet --system guestlink >/dev/null 2>&1 || true
if getent passwd guestlink >/dev/null || getent group guestlink >/dev/null; then
	fail "could not remove the test's user/group guestlink"
else
	installed=0
	ok "the test's user and group are removed again"
fi
stage "purged"
note "CPU time (user, system) of this test and its children:"
times >"$T_DIR/times"
sed -n '2s/^/#   /p' "$T_DIR/times"
t_done
