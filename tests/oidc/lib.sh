# lib.sh - a private glewlwyd (Debian's OpenID Connect provider) on loopback,
# and helpers for the t-*.sh scenarios. Sourced by run.sh (which starts and
# stops the provider once) and by each scenario (which only uses it).
#
# Provider layout (gw_start): sqlite database from the package's schema, the
# OIDC plugin "oidc" (RS256 key made here), scope "email", clients "otpd"
# (redirect URI http://127.0.0.1:$OTPD_PORT/oidc/callback) and "other", users
#   alice@partner.example  verified email, invited in the scenarios
#   bob@partner.example    verified email, never invited
#   carol@partner.example  email_verified = false, invited
# Everything lives in $GW_DIR; the provider is ended by its PID.
set -u

BUILD=${BUILD:-.}
PROBE=$BUILD/tests/oidc/oidc_probe
MKTOKEN=$BUILD/tests/otpd/mktoken
OTPCTL=$BUILD/otpd/otpctl
GW_INIT_SQL=/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# gw_api METHOD PATH [JSON] - an admin API call; fails the run on a non-2xx
gw_api() {
	code=$(curl -s -o "$GW_DIR/api.out" -w '%{http_code}' -b "$GW_DIR/admin.cookies" -X "$1" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} "$GW_API$2") || code=000
	case "$code" in 2??) ;; *) echo "glewlwyd: $1 $2 -> $code $(cat "$GW_DIR/api.out")" >&2; return 1 ;; esac
}

gw_start() {
	GW_DIR=$(mktemp -d /tmp/oidc-gw.XXXXXX)
	GW_PORT=$(free_port)
	OTPD_PORT=$(free_port)
	GW_API=http://127.0.0.1:$GW_PORT/api
	GW_ISSUER=$GW_API/oidc
	export GW_DIR GW_PORT OTPD_PORT GW_API GW_ISSUER
	[ -r "$GW_INIT_SQL" ] || fail "glewlwyd is not installed (scripts/deps.sh check)"
	zcat "$GW_INIT_SQL" | sqlite3 "$GW_DIR/gw.db" || fail "glewlwyd database"
	cat >"$GW_DIR/glewlwyd.conf" <<EOC
port=$GW_PORT
bind_address="127.0.0.1"
external_url="http://127.0.0.1:$GW_PORT"
login_url="login.html"
api_prefix="api"
log_mode="file"
log_file="$GW_DIR/glewlwyd.log"
log_level="INFO"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_scope="g_admin"
profile_scope="g_profile"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
login_api_enabled=true
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "$GW_DIR/gw.db"; };
EOC
	glewlwyd -c "$GW_DIR/glewlwyd.conf" >"$GW_DIR/stdout.log" 2>&1 &
	GW_PID=$!
	export GW_PID
	echo "$GW_PID" >"$GW_DIR/pid"
	for _ in $(seq 50); do
		curl -s -o /dev/null "$GW_API/auth/scheme" && break
		kill -0 "$GW_PID" 2>/dev/null || { cat "$GW_DIR/stdout.log" >&2; fail "glewlwyd exited"; }
		sleep 0.1
	done
	gw_configure || { tail -20 "$GW_DIR/glewlwyd.log" >&2; fail "glewlwyd setup"; }
}

gw_stop() {
	[ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
	[ -n "${GW_DIR:-}" ] && rm -rf "$GW_DIR"
	return 0
}

# json_str FILE - a file's content as a JSON string
json_str() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }

gw_configure() {
	curl -s -o /dev/null -c "$GW_DIR/admin.cookies" -H 'Content-Type: application/json' \
		-d '{"username":"admin","password":"password"}' "$GW_API/auth/" || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$GW_DIR/sign.key" 2>/dev/null &&
		openssl pkey -in "$GW_DIR/sign.key" -pubout -out "$GW_DIR/sign.pub" || return 1
	# The OIDC plugin: code flow only, PKCE, email and email_verified in every ID token.
	gw_api POST /mod/plugin/ "{\"module\":\"oidc\",\"name\":\"oidc\",\"display_name\":\"OIDC\",\"enabled\":true,
	  \"parameters\":{\"iss\":\"$GW_ISSUER\",\"jwt-type\":\"rsa\",\"jwt-key-size\":\"256\",
	  \"key\":$(json_str "$GW_DIR/sign.key"),\"cert\":$(json_str "$GW_DIR/sign.pub"),
	  \"access-token-duration\":3600,\"refresh-token-duration\":1209600,\"code-duration\":600,
	  \"allow-non-oidc\":false,\"auth-type-code-enabled\":true,\"auth-type-code-revoke-replayed\":true,
	  \"auth-type-token-enabled\":false,\"auth-type-implicit-enabled\":false,\"auth-type-password-enabled\":false,
	  \"auth-type-client-enabled\":false,\"auth-type-refresh-enabled\":false,
	  \"pkce-allowed\":true,\"subject-type\":\"public\",\"email-claim\":\"mandatory\",\"name-claim\":\"no\",
	  \"scope-claim\":\"no\",\"claims\":[{\"name\":\"email_verified\",\"user-property\":\"email_verified\",
	  \"type\":\"boolean\",\"boolean-value-true\":\"1\",\"boolean-value-false\":\"0\",\"mandatory\":true,
	  \"on-demand\":false,\"scopes\":[]}]}}" || return 1
	# Users may carry an email_verified property; the module reloads to see it.
	gw_api PUT /mod/user/database '{"module":"database","name":"database","display_name":"Database backend",
	  "order_rank":0,"readonly":false,"parameters":{"use-glewlwyd-connection":true,"data-format":{
	  "email_verified":{"multiple":false,"read":true,"write":true,"profile-read":true,"profile-write":false}}}}' &&
		gw_api PUT /mod/user/database/reset || return 1
	gw_api PUT /scope/openid '{"display_name":"openid","description":"OpenID Connect","password_required":true,
	  "password_max_age":0,"scheme":{}}' &&
		gw_api POST /scope/ '{"name":"email","display_name":"email","description":"email address",
	  "password_required":true,"password_max_age":0,"scheme":{}}' || return 1
	for c in otpd other; do
		gw_api POST /client/ "{\"client_id\":\"$c\",\"name\":\"$c\",\"confidential\":true,
		  \"password\":\"secret-of-$c\",\"redirect_uri\":[\"http://127.0.0.1:$OTPD_PORT/oidc/callback\"],
		  \"authorization_type\":[\"code\"],\"token_endpoint_auth_method\":[\"client_secret_basic\",
		  \"client_secret_post\"],\"scope\":[\"openid\",\"email\"],\"enabled\":true}" || return 1
	done
	gw_user alice 1 && gw_user bob 1 && gw_user carol 0
}

# gw_user NAME VERIFIED - NAME@partner.example, password pw-NAME, consent for both clients
gw_user() {
	gw_api POST /user/ "{\"username\":\"$1\",\"name\":\"$1\",\"email\":\"$1@partner.example\",
	  \"email_verified\":\"$2\",\"password\":\"pw-$1-0123\",\"scope\":[\"openid\",\"email\"],\"enabled\":true}" ||
		return 1
	gw_login "$1" || return 1
	for c in otpd other; do
		curl -s -o /dev/null -f -b "$GW_DIR/$1.cookies" -X PUT -H 'Content-Type: application/json' \
			-d '{"scope":"openid email"}' "$GW_API/auth/grant/$c" || return 1
	done
}

# gw_login NAME - a provider session for the user, the way its login page does it
gw_login() {
	curl -s -o /dev/null -f -c "$GW_DIR/$1.cookies" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"pw-$1-0123\"}" "$GW_API/auth/"
}

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

# auth URL [JAR] - /auth as nginx asks it; prints the status
auth() { curl -s -b "${2:-$T/jar}" -D "$T/ah" -o /dev/null -w '%{http_code}' -H "X-Original-URL: $1" "$BASE/auth"; }

mail_count() { find "$T/sink" -type f | wc -l; }
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
