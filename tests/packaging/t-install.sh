#!/bin/bash
# t-install.sh - make install (the from-source way, other distributions):
# into a DESTDIR, with the default PREFIX=/usr/local and with PREFIX=/opt/gl,
# the binaries, the example config, the man pages under PREFIX/share/man
# (man -w finds them there) and the units under PREFIX/lib/systemd/system
# with ExecStart under PREFIX. Nothing outside the DESTDIR is touched.
set -eu
. "$(dirname "$0")/../lib/common.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN" "$BUILD/otpd/otpd"
for prefix in /usr/local /opt/gl; do
	root="$T_DIR/root${prefix//\//_}"
	rc=0
	make -s -C "$T_SRC" O="$BUILD" install DESTDIR="$root" PREFIX="$prefix" >"$T_DIR/install.out" 2>&1 || rc=$?
	expect_eq "$rc" 0 "make install PREFIX=$prefix"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_DIR/install.out"
	for f in sbin/guestlink-milter sbin/otpd bin/otpctl; do
		if [ -x "$root$prefix/$f" ]; then ok "$prefix/$f"; else fail "$prefix/$f missing"; fi
	done
	expect_file_eq "$root/etc/guestlink/guestlink.conf.example" "$T_SRC/contrib/guestlink.conf" "$prefix: the example config"
	for page in 8:guestlink-milter 8:otpd 8:otpctl 5:guestlink.conf; do
		s=${page%%:*} n=${page#*:}
		expect_eq "$(MANPATH="$root$prefix/share/man" man -w "$s" "$n" 2>&1)" "$root$prefix/share/man/man$s/$n.$s" \
			"$prefix: man -w $s $n finds it under PREFIX/share/man"
	done
	for u in guestlink-milter otpd; do
		unit="$root$prefix/lib/systemd/system/$u.service"
		expect_eq "$(sed -n 's/^ExecStart=//p' "$unit" 2>/dev/null)" "$prefix/sbin/$u -c /etc/guestlink/guestlink.conf -f" \
			"$prefix: $u.service runs $prefix/sbin/$u"
	done
	p=${prefix#/}
	want="./etc/guestlink/guestlink.conf.example ./$p/bin/otpctl ./$p/lib/systemd/system/guestlink-milter.service"
	want="$want ./$p/lib/systemd/system/otpd.service ./$p/sbin/guestlink-milter ./$p/sbin/otpd"
	want="$want ./$p/share/man/man5/guestlink.conf.5 ./$p/share/man/man8/guestlink-milter.8"
	want="$want ./$p/share/man/man8/otpctl.8 ./$p/share/man/man8/otpd.8"
	expect_eq "$(cd "$root" && find . -type f | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" "$want" \
		"$prefix: exactly the binaries, the example config, the man pages and the units"
done
t_done
