#!/bin/bash
# t-reject.sh - tagged mail the milter cannot turn into an invitation is
# refused at the end of DATA with a text the staff member can act on, and
# nothing is queued: no resource link (550 5.7.1), signed (550 5.7.1), more
# guests than max_recipients (550 5.5.3; set to 3 here, internal recipients
# do not count, 3 guests are fine).
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup "max_recipients = 3"

# expect_refused WHAT FILE CODE TEXT_REGEX RCPT... - swaks sees CODE and a text
expect_refused() {
	local what=$1 file=$2 code=$3 re=$4 rc=0
	shift 4
	smtp_send "$file" staff@example.org "$@" || rc=$?
	if [ "$rc" -ne 0 ]; then ok "$what: swaks reports a failure (exit $rc)"; else fail "$what: swaks exit 0"; fi
	expect_match "$SMTP_REPLY" "^$code " "$what: reply $code"
	expect_match "$SMTP_REPLY" "$re" "$what: the reply says why"
	REFUSED_IDS="${REFUSED_IDS:-} $(sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$file")"
}

# 1. Tagged, but no link to a configured resource (a link elsewhere is no help).
id=$(unique_id)
make_invite "$T_DIR/r1.eml" "[invite] Join our research lab" "guest@gmail.com" "$id" https://www.example.com/lab
expect_refused "no resource link" "$T_DIR/r1.eml" '550 5\.7\.1' '[Ll]ink' guest@gmail.com

# 2. Tagged and S/MIME signed (multipart/signed), with a resource link.
id=$(unique_id)
cat >"$T_DIR/r2.eml" <<EOF2
From: Staff Member <staff@example.org>
To: guest@gmail.com
Subject: [invite] Join our research lab
Date: Mon, 01 Jan 2024 10:00:00 +0100
Message-ID: <$id>
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;
	boundary="signed-boundary"

This is a cryptographically signed message in MIME format.

--signed-boundary
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Please join our lab: $RESOURCE_URL

--signed-boundary
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7s"

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIE
AAAAAAAA
--signed-boundary--
EOF2
expect_refused "signed" "$T_DIR/r2.eml" '550 5\.7\.1' '[Uu]nsigned' guest@gmail.com

# 3. Four guests with max_recipients = 3.
id=$(unique_id)
make_invite "$T_DIR/r3.eml" "[invite] Join our research lab" "a@gmail.com, b@gmail.com, c@gmail.com, d@gmail.com" "$id"
expect_refused "4 guests, max 3" "$T_DIR/r3.eml" '550 5\.5\.3' '3' a@gmail.com b@gmail.com c@gmail.com d@gmail.com

# 4. Three guests and two colleagues: within the limit.
id=$(unique_id)
make_invite "$T_DIR/r4.eml" "[invite] Join our research lab" "a@gmail.com, b@gmail.com, c@gmail.com" "$id"
smtp_send "$T_DIR/r4.eml" staff@example.org a@gmail.com b@gmail.com c@gmail.com me@example.org you@example.org || true
expect_match "$SMTP_REPLY" '^250 ' "3 guests + 2 internal: accepted"
if f=$(sink_wait "$id" 15); then
	ok "3 guests + 2 internal: delivered"
	link=$(mime "$f" links | head -1)
	inspect "$link" || true
	expect_eq "$(jfield guests)" 3 "3 guests + 2 internal: inspect guests"
	expect_rc 1 "internal recipient is not a guest" inspect "$link" --email me@example.org
	expect_eq "$(sink_rcpts "$f" | sort | tr '\n' ' ')" \
		"a@gmail.com b@gmail.com c@gmail.com me@example.org you@example.org " "all 5 envelope recipients delivered"
else
	fail "3 guests + 2 internal: not delivered"
fi

# The refused ones never reached the queue or the sink.
for id in $REFUSED_IDS; do
	expect_eq "$(sink_find "$id")" "" "refused <$id> not delivered"
done
expect_eq "$(grep -c 'milter-reject: END-OF-MESSAGE' "$(pf_log "$PF_DIR")" || true)" 3 \
	"Postfix logged 3 milter rejects at end of message"
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
