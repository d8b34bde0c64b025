# lib.sh - a private glewlwyd (Debian's OpenID Connect provider) on loopback,
# and helpers for the t-*.sh scenarios. Sourced by run.sh (which starts and
# stops the provider once) and by each scenario (which only uses it).
#
# The provider itself (gw_start, gw_stop, gw_login ...) is in provider.sh,
# shared with the browser test: sqlite database from the package's schema,
# the OIDC plugin "oidc" (RS256 key made here), scope "email", clients "otpd"
# (redirect URI http://127.0.0.1:$OTPD_PORT/oidc/callback) and "other", users
#   alice@partner.example  verified email, invited in the scenarios
#   bob@partner.example    verified email, never invited
#   carol@partner.example  email_verified = false, invited
#   mallory@evil.example   a hostile provider's account: its ID tokens assert
#                          victim@example.net (verified)
# Everything lives in $GW_DIR; the provider is ended by its PID.
set -u

BUILD=${BUILD:-.}
PROBE=$BUILD/tests/oidc/oidc_probe
MKTOKEN=$BUILD/tests/otpd/mktoken
OTPCTL=$BUILD/otpd/otpctl

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# lib.sh is sourced by scripts in tests/oidc (run.sh, t-*.sh): $0 is one of them.
. "$(dirname "$0")/provider.sh"
gw_fail() { fail "glewlwyd: $*"; }

free_port() { _gw_free_port; }

# --- per scenario: an otpd config, keys and an invitation ---

# otpd_setup [token_auth] - $T with keys, an LMDB dir and an otpd config naming the provider
otpd_setup() {
	T=$(mktemp -d /tmp/oidc-t.XXXXXX)
	trap 'rm -rf "$T"' EXIT
	"$OTPCTL" keygen "$T/keys" >/dev/null || fail "keygen"
	printf 'secret-of-otpd\n' >"$T/client.secret"
	chmod 0600 "$T/client.secret"
	cat >"$T/otpd.conf" <<EOC
[guestlink]
public_url = http://127.0.0.1:$OTPD_PORT
[keys]
verify_keys = $T/keys/
secret = $T/keys/otpd.secret
guest_key = $T/keys/guest.key
[otpd]
database = $T/db
mail_from = test@example.org
[oidc partner]
issuer = $GW_ISSUER
client_id = otpd
client_secret_file = $T/client.secret
domains = partner.example
mfa_amr = mfa otp
token_auth = ${1:-client_secret_basic}
EOC
	mkdir -p "$T/db"
}

# invite GUEST... - an accept-link token for these guests
invite() {
	"$MKTOKEN" "$T/keys/link.key" staff@example.org https://teams.example.org/team/42 0 3600 "$@"
}

# authorize USER URL - USER's browser at the authorization URL: prints "STATE CODE"
authorize() {
	loc=$(curl -s -o /dev/null -b "$GW_DIR/$1.cookies" -w '%{redirect_url}' "$2&g_continue") || return 1
	case "$loc" in
	"http://127.0.0.1:$OTPD_PORT/oidc/callback?"*) ;;
	*) echo "authorize: provider sent us to ${loc:-nowhere}" >&2; return 1 ;;
	esac
	q=${loc#*\?}
	state=$(printf '%s' "$q" | tr '&' '\n' | sed -n 's/^state=//p')
	code=$(printf '%s' "$q" | tr '&' '\n' | sed -n 's/^code=//p')
	[ -n "$state" ] && [ -n "$code" ] || { echo "authorize: no state or code in the redirect" >&2; return 1; }
	echo "$state $code"
}

# expect WANT OUTPUT... - the probe's answer must start with WANT
expect() {
	want=$1
	shift
	case "$*" in
	"$want"*) ok "$want" ;;
	*) fail "got '$*', want '$want'" ;;
	esac
}

# id_token CLIENT USER NONCE - an ID token the provider issues to CLIENT for USER, fetched
# without otpd (to test otpd's checks on tokens meant for someone else)
id_token() {
	verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
	redirect="http%3A%2F%2F127.0.0.1%3A$OTPD_PORT%2Foidc%2Fcallback"
	url="$GW_ISSUER/auth?response_type=code&client_id=$1&redirect_uri=$redirect&scope=openid%20email&state=s1&nonce=$3&code_challenge=$challenge&code_challenge_method=S256"
	r=$(authorize "$2" "$url") || return 1
	code=${r#* }
	curl -s -u "$1:secret-of-$1" -d grant_type=authorization_code -d "code=$code" -d "code_verifier=$verifier" \
		--data-urlencode "redirect_uri=http://127.0.0.1:$OTPD_PORT/oidc/callback" "$GW_ISSUER/token" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])'
}

# --- scenarios through otpd itself (t-otpd-*.sh): a real otpd on $OTPD_PORT (the redirect URI the
# provider knows), a real smtp-sink for code mails, curl with a cookie jar as the guest's browser ---
OTPD=$BUILD/otpd/otpd
RESOURCE=https://teams.example.org/team/42
OTPD_PID=
SINK_PID=

otpd_cleanup() {
	rc=$?
	[ -n "$OTPD_PID" ] && kill "$OTPD_PID" 2>/dev/null && wait "$OTPD_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	# Under SAN=1 a sanitizer report in otpd's log fails the scenario.
	if [ -f "$T/otpd.log" ] && grep -q 'Sanitizer' "$T/otpd.log"; then
		cat "$T/otpd.log" >&2
		rc=1
	fi
	# No code, cookie, token or key in otpd's log (the check every tests/otpd scenario runs).
	if [ -f "$T/otpd.log" ] && [ -f tests/otpd/logscan.sh ] && ! sh tests/otpd/logscan.sh "$T" "$T/otpd.log" >&2; then
		rc=1
	fi
	rm -rf "$T"
	exit $rc
}

# otpd_run MFA_AMR - otpd_setup's config plus [otpd] listen/user/smtp, mfa_amr = MFA_AMR for the provider;
# starts smtp-sink and otpd. glewlwyd's amr for a password sign-in is "password": MFA_AMR=password makes
# that count as MFA (the provider-MFA path), "mfa otp" does not (the TOTP path).
otpd_run() {
	otpd_setup
	trap otpd_cleanup EXIT
	chmod 0755 "$T"
	SMTP_PORT=$(free_port)
	BASE=http://127.0.0.1:$OTPD_PORT
	sed -i "s/^mfa_amr = .*/mfa_amr = $1/" "$T/otpd.conf"
	python3 - "$T/otpd.conf" "$OTPD_PORT" "$SMTP_PORT" <<'PY'
import sys
path, port, smtp = sys.argv[1:]
s = open(path).read().replace("[otpd]\n", "[otpd]\nlisten = 127.0.0.1:%s\nuser = nobody\n"
    "smtp_url = smtp://127.0.0.1:%s\ncookie_secure = no\nmail_interval = 0s\n" % (port, smtp), 1)
s = s.replace("[guestlink]\n", "[guestlink]\norg_name = Example University\n", 1)
open(path, "w").write(s)
PY
	# A scenario may add sections (another [oidc NAME]) by defining otpd_conf_more.
	if type otpd_conf_more >/dev/null 2>&1; then otpd_conf_more >>"$T/otpd.conf"; fi
	mkdir -p "$T/sink"
	chown postfix "$T/sink" 2>/dev/null || chmod 0777 "$T/sink"
	smtp-sink -u postfix -d "$T/sink/%H%M%S." "127.0.0.1:$SMTP_PORT" 100 &
	SINK_PID=$!
	"$OTPD" -f -c "$T/otpd.conf" >>"$T/otpd.log" 2>&1 &
	OTPD_PID=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "$BASE/healthz" && return 0
		sleep 0.1
	done
	cat "$T/otpd.log" >&2
	fail "otpd did not start"
}

# page ARGS... - curl with the guest's jar ($T/jar); body $T/pg, headers $T/ph; prints the status
page() { curl -s -c "$T/jar" -b "$T/jar" -D "$T/ph" -o "$T/pg" -w '%{http_code}' "$@"; }
csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$1" | head -1; }
location() { tr -d '\r' <"$T/ph" | sed -n 's/^[Ll]ocation: //p'; }

# accept_email TOKEN EMAIL [method=code] - the accept page, then the email step; prints the status
accept_email() {
	[ "$(page "$BASE/accept/$1")" = 200 ] || fail "accept page"
	page --data-urlencode "email=$2" --data "csrf=$(csrf_of "$T/pg")${3:+&$3}" "$BASE/accept/$1/email"
}

# provider USER URL - USER's browser at the provider's authorization URL: prints where it sends us back
provider() {
	loc=$(curl -s -o /dev/null -b "$GW_DIR/$1.cookies" -w '%{redirect_url}' "$2&g_continue") || return 1
	case "$loc" in
	"$BASE/oidc/callback?"*) echo "$loc" ;;
	*) echo "provider sent us to ${loc:-nowhere}" >&2; return 1 ;;
	esac
}

# signin USER URL - provider, then otpd's callback in the jar; prints the callback's status
signin() {
	cb=$(provider "$1" "$2") || fail "provider"
	echo "$cb" >"$T/callback"
	page "$cb"
}

# accept_privacy - the privacy page every first sign-in meets (otpd/privacy.h): shown, then accepted with
# its CSRF token; prints the POST's status (Location in $T/ph)
accept_privacy() {
	[ "$(page "$BASE/privacy")" = 200 ] || fail "privacy page: $(head -c 300 "$T/pg")"
	grep -q 'What we keep about you' "$T/pg" || fail "privacy page: $(head -c 300 "$T/pg")"
	page --data "csrf=$(csrf_of "$T/pg")" "$BASE/privacy"
}

# auth URL [JAR] - /auth as nginx asks it; prints the status
auth() { curl -s -b "${2:-$T/jar}" -D "$T/ah" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $1" "$BASE/auth"; }

# mail_count - code mails (to guests); notice_files - the inviter's notices (otpd/notice.h)
mail_count() { find "$T/sink" -type f -exec grep -L '^To: <staff@example.org>' {} + 2>/dev/null | wc -l; }
notice_files() { ls -tr "$T/sink"/* 2>/dev/null | xargs -r grep -l '^To: <staff@example.org>'; }
wait_mails() {
	for _ in $(seq $((${2:-10} * 10))); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# no_secrets - nothing secret of the sign-in in otpd's log: state, code, session id
no_secrets() {
	for f in "$T/jar"; do
		for v in $(awk '$6 ~ /^(oidc_state|guestlink_session)$/ && $7 != "" { print $7 }' "$f"); do
			grep -qF "$v" "$T/otpd.log" && fail "a cookie value in the log"
		done
	done
	if [ -f "$T/callback" ]; then
		c=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' "$T/callback")
		s=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' "$T/callback")
		[ -n "$c" ] && grep -qF "$c" "$T/otpd.log" && fail "the authorization code in the log"
		[ -n "$s" ] && grep -qF "$s" "$T/otpd.log" && fail "the state in the log"
	fi
	return 0
}
