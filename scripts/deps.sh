#!/bin/sh
# deps.sh - install the Debian packages that building and testing guestlink need.
#
# Usage: scripts/deps.sh [build|check|demo]
# Installs only what is missing; does nothing when all is present. Needs root
# (or sudo) only when something is missing; says so clearly otherwise.
set -eu

what=${1:-check}

build_pkgs="build-essential pkg-config libmilter-dev libsodium-dev liblmdb-dev
 libcurl4-openssl-dev libmicrohttpd-dev libinih-dev libgmime-3.0-dev libjansson-dev
 libqrencode-dev libcmocka-dev"
test_pkgs="clang postfix miltertest swaks lmdb-utils curl valgrind python3"
demo_pkgs="postfix swaks curl"

case "$what" in
build) pkgs="$build_pkgs" ;;
check) pkgs="$build_pkgs $test_pkgs" ;;
demo)  pkgs="$build_pkgs $demo_pkgs" ;;
*) echo "usage: $0 [build|check|demo]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps.sh: these Debian packages are missing:$missing" >&2
		echo "deps.sh: run this as root (or install them with apt-get) and try again" >&2
		exit 1
	fi
else
	SUDO=
fi

echo "deps.sh: installing:$missing"
# Postfix asks questions at install; a private instance is configured by the
# tests, so the system-wide one is left unconfigured (and so not started).
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
