#!/bin/sh
# deps.sh - install the Debian packages that building and testing guestlink need.
#
# Usage: scripts/deps.sh [build|check|demo|bench]
# Installs only what is missing; does nothing when all is present. Needs root
# (or sudo) only when something is missing; says so clearly otherwise.
set -eu

what=${1:-check}

build_pkgs="build-essential pkg-config libmilter-dev libsodium-dev liblmdb-dev
 libcurl4-openssl-dev libmicrohttpd-dev libinih-dev libgmime-3.0-dev libjansson-dev
 libqrencode-dev libcmocka-dev libssl-dev libpq-dev"
# oathtool: an independent TOTP; zbar-tools + librsvg2-bin: decode the QR SVG;
# nginx: auth_request in front of a sample resource (a private instance per test).
# chromium + fonts-dejavu-core: the browser test (tests/browser/, driven by
# playwright-core from npm, which cannot download a browser of its own here).
# glewlwyd (+ dbconfig-no-thanks, so apt does not pull a MySQL client for it):
# the OpenID Connect provider tests/oidc/ starts on loopback; sqlite3 sets it up.
# systemd: systemd-analyze verify for contrib/systemd/ (offline; nothing is started).
# dovecot-core: the SASL server behind the submission service (tests/lib/submission.sh
# runs a private auth-only one); openssl makes its test certificate; swaks needs
# libnet-ssleay-perl for --tls (only recommended, so name it).
# debhelper, dpkg-dev, lintian: make deb and tests/packaging/ (Rules-Requires-Root: no,
# so no fakeroot); groff-base, man-db: the man pages (man --warnings, man -w);
# adduser: the packages' postinst and the test's cleanup.
# postgresql-15: the shared store; tests start a private cluster on loopback (tests/lib/pg.sh).
test_pkgs="clang postfix miltertest swaks lmdb-utils curl valgrind python3 oathtool zbar-tools librsvg2-bin nginx
 glewlwyd dbconfig-no-thanks sqlite3 chromium fonts-dejavu-core systemd dovecot-core openssl libnet-ssleay-perl
 debhelper dpkg-dev lintian groff-base man-db adduser postgresql-15"
# The demo: nginx in front of otpd and a sample resource; oathtool for a TOTP code without a phone;
# the submission service (Dovecot SASL, STARTTLS) as in the tests.
demo_pkgs="postfix swaks curl nginx oathtool dovecot-core openssl libnet-ssleay-perl"

# make bench: OpenDKIM as the signing baseline, wrk for HTTP load.
bench_pkgs="opendkim opendkim-tools wrk"

case "$what" in
build) pkgs="$build_pkgs" ;;
check) pkgs="$build_pkgs $test_pkgs" ;;
demo)  pkgs="$build_pkgs $demo_pkgs" ;;
bench) pkgs="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|check|demo|bench]" >&2; exit 2 ;;
esac
# Node.js and npm for the browser test: the machine's own if it has them (any
# source), else Debian's.
if [ "$what" = check ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
fi

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
# glewlwyd: no system database either; tests/oidc/ makes a private one.
printf '%s\n' "glewlwyd glewlwyd/config_type select No configuration" \
	"glewlwyd glewlwyd/dbconfig-install boolean false" | $SUDO debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
# nginx's package starts a system nginx on port 80 at install. The tests run
# their own instance, so keep the package from starting one: a policy-rc.d
# that refuses service starts, only for this install and only if there is
# none already (Docker images ship one that does the same).
policy=
case " $missing " in
*" nginx"*|*" glewlwyd "*)
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# guestlink deps.sh: no service starts during this install\nexit 101\n' |
			$SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 0755 /usr/sbin/policy-rc.d
		policy=/usr/sbin/policy-rc.d
		trap '$SUDO rm -f "$policy"' EXIT
	fi
	;;
esac
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
