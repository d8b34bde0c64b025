#!/bin/sh
# build-deb.sh OUTDIR - build the Debian packages (debian/) from a clean copy
# of the tree, so that nothing built or left over in the working tree gets
# in: in a git checkout the files git tracks, as they are now (what a fresh
# clone of a commit of them has); otherwise a copy without build products.
# The .deb, .changes and .buildinfo files land in OUTDIR, the build log in
# OUTDIR/build.log. Extra dpkg-buildpackage flags in DEB_BUILD_FLAGS
# (default -b, binary packages only; tests/packaging/ builds the source too).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
top=$(pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
ver=$(dpkg-parsechangelog -S Version)
src="$out/guestlink-$ver"
rm -rf "$src"
rm -f "$out"/guestlink*.deb "$out"/guestlink*.changes "$out"/guestlink*.buildinfo "$out"/guestlink*.tar.* \
	"$out"/guestlink*.dsc "$out"/build.log
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# --ignore-failed-read: a tracked file deleted in the working tree is gone from the copy too.
	git -C "$top" ls-files -z | tar -C "$top" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
	make -C "$src" -s clean >/dev/null
fi
echo "build-deb: building guestlink $ver in $src (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -j2 ${DEB_BUILD_FLAGS:--b}) >"$out/build.log" 2>&1; then
	tail -40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the tree is kept in $src" >&2
	exit 1
fi
rm -rf "$src"
ls "$out"/*.deb
