# provider.sh - a private glewlwyd (Debian's OpenID Connect provider) on
# loopback, configured through its admin API. POSIX sh, sourced: by lib.sh
# (make test-oidc) and by tests/browser/run.sh (bash). Defines only gw_*
# functions and GW_* variables, so it does not clash with the caller's
# helpers; a fatal setup error calls gw_fail, which the caller may redefine
# (default: message on stderr, exit 1).
#
# gw_start: sqlite database from the package's schema, the OIDC plugin "oidc"
# (RS256 key made here), scope "email", clients "otpd" and "other"
# (confidential, secret secret-of-<client>), users
#   alice@partner.example  verified email
#   bob@partner.example    verified email
#   carol@partner.example  email_verified = false
#   mallory@evil.example   asserts email victim@example.net (verified): a hostile provider
# (user name = the address, password pw-<name>-0123, consent given to both
# clients; each has a provider session in $GW_DIR/<name>.cookies).
#
# Set before gw_start to change the defaults (the browser test does):
#   GW_DIR           where everything lives (default: a new mktemp dir, removed by
#                    gw_stop; a given one is left in place)
#   GW_PORT          glewlwyd's own port (default: a free one)
#   GW_PUBLIC        the provider's public origin: glewlwyd's external_url, the
#                    issuer is $GW_PUBLIC/api/oidc and the login page
#                    $GW_PUBLIC/login.html (default http://127.0.0.1:$GW_PORT,
#                    glewlwyd itself, which has no login page: curl needs none)
#   GW_REDIRECT_URI  the redirect URI registered for both clients (default
#                    http://127.0.0.1:$OTPD_PORT/oidc/callback, with OTPD_PORT
#                    chosen here)
# After gw_start: GW_PID, GW_DIR, GW_PORT, GW_API (admin/login API, direct),
# GW_ISSUER, OTPD_PORT (when GW_REDIRECT_URI was not given), all exported.
# The provider is ended by its PID (gw_stop).

GW_INIT_SQL=/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz

gw_fail() { echo "glewlwyd: $*" >&2; exit 1; }

_gw_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# gw_api METHOD PATH [JSON] - an admin API call; fails the run on a non-2xx
gw_api() {
	code=$(curl -s -o "$GW_DIR/api.out" -w '%{http_code}' -b "$GW_DIR/admin.cookies" -X "$1" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} "$GW_API$2") || code=000
	case "$code" in 2??) ;; *) echo "glewlwyd: $1 $2 -> $code $(cat "$GW_DIR/api.out")" >&2; return 1 ;; esac
}

gw_start() {
	if [ -n "${GW_DIR:-}" ]; then
		mkdir -p "$GW_DIR"
		GW_KEEP_DIR=1
	else
		GW_DIR=$(mktemp -d /tmp/oidc-gw.XXXXXX)
		GW_KEEP_DIR=0
	fi
	GW_PORT=${GW_PORT:-$(_gw_free_port)}
	GW_PUBLIC=${GW_PUBLIC:-http://127.0.0.1:$GW_PORT}
	if [ -z "${GW_REDIRECT_URI:-}" ]; then
		OTPD_PORT=$(_gw_free_port)
		GW_REDIRECT_URI=http://127.0.0.1:$OTPD_PORT/oidc/callback
		export OTPD_PORT
	fi
	GW_API=http://127.0.0.1:$GW_PORT/api
	GW_ISSUER=$GW_PUBLIC/api/oidc
	export GW_DIR GW_PORT GW_API GW_ISSUER GW_PUBLIC GW_REDIRECT_URI
	[ -r "$GW_INIT_SQL" ] || gw_fail "glewlwyd is not installed (scripts/deps.sh check)"
	zcat "$GW_INIT_SQL" | sqlite3 "$GW_DIR/gw.db" || gw_fail "database"
	# login_url is relative to external_url: $GW_PUBLIC/login.html. glewlwyd's
	# own login webapp is not in Debian's package; the browser test serves a
	# stand-in there (tests/browser/provider-login.html).
	cat >"$GW_DIR/glewlwyd.conf" <<EOC
port=$GW_PORT
bind_address="127.0.0.1"
external_url="$GW_PUBLIC"
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
	glewlwyd -c "$GW_DIR/glewlwyd.conf" >"$GW_DIR/stdout.log" 2>&1 </dev/null &
	GW_PID=$!
	export GW_PID
	echo "$GW_PID" >"$GW_DIR/pid"
	for _ in $(seq 50); do
		curl -s -o /dev/null "$GW_API/auth/scheme" && break
		kill -0 "$GW_PID" 2>/dev/null || { cat "$GW_DIR/stdout.log" >&2; gw_fail "glewlwyd exited"; }
		sleep 0.1
	done
	gw_configure || { tail -20 "$GW_DIR/glewlwyd.log" >&2; gw_fail "setup through the admin API failed"; }
}

gw_stop() {
	[ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
	GW_PID=
	[ -n "${GW_DIR:-}" ] && [ "${GW_KEEP_DIR:-0}" = 0 ] && rm -rf "$GW_DIR"
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
		  \"password\":\"secret-of-$c\",\"redirect_uri\":[\"$GW_REDIRECT_URI\"],
		  \"authorization_type\":[\"code\"],\"token_endpoint_auth_method\":[\"client_secret_basic\",
		  \"client_secret_post\"],\"scope\":[\"openid\",\"email\"],\"enabled\":true}" || return 1
	done
	gw_user alice 1 && gw_user bob 1 && gw_user carol 0 &&
		gw_user mallory 1 evil.example victim@example.net
}

# gw_user NAME VERIFIED [DOMAIN [EMAIL]] - user NAME@DOMAIN (default partner.example; the address is
# the user name, as at most organisations, so a login page can take login_hint as it is), password
# pw-NAME-0123, consent for both clients. EMAIL (default the user name) is the address its ID tokens
# assert: a hostile provider's account asserts someone else's (mallory@evil.example says
# victim@example.net, tests/oidc/t-otpd-foreign-*.sh).
gw_user() {
	_gw_u=$1@${3:-partner.example}
	gw_api POST /user/ "{\"username\":\"$_gw_u\",\"name\":\"$1\",\"email\":\"${4:-$_gw_u}\",
	  \"email_verified\":\"$2\",\"password\":\"pw-$1-0123\",\"scope\":[\"openid\",\"email\"],\"enabled\":true}" ||
		return 1
	gw_login "$1" "${3:-partner.example}" || return 1
	for c in otpd other; do
		curl -s -o /dev/null -f -b "$GW_DIR/$1.cookies" -X PUT -H 'Content-Type: application/json' \
			-d '{"scope":"openid email"}' "$GW_API/auth/grant/$c" || return 1
	done
}

# gw_login NAME [DOMAIN] - a provider session for the user NAME@DOMAIN (default partner.example) in
# $GW_DIR/NAME.cookies, the way its login page does it (POST /api/auth/ with the user name and password)
gw_login() {
	curl -s -o /dev/null -f -c "$GW_DIR/$1.cookies" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1@${2:-partner.example}\",\"password\":\"pw-$1-0123\"}" "$GW_API/auth/"
}
