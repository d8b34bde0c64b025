#!/bin/bash
# 04 - every recipient of an invitation can read from the link how many guests it was sent to, Bcc ones
# included. The token is signed, not encrypted: byte 41 is the number of guest hashes (and the length grows
# by 16 bytes a guest). A guest who sees one To: address and 3 hashes knows 2 others were Bcc'd; a link
# forwarded or logged by a scanner tells the same. Decoding needs no key.
# Exit 1: the attack works (the Bcc count is read from the visible guest's copy); 0: refused.
set -u
. "$(dirname "$0")/../tests/lib/e2e.sh"
e2e_setup
trap '_t_cleanup; rm -rf "$T_DIR"' EXIT
id=$(unique_id)
make_invite "$T_DIR/in.eml" "[invite] Join our research lab" "Guest <guest@gmail.com>" "$id"
smtp_send "$T_DIR/in.eml" staff@example.org guest@gmail.com secret-one@gmail.com secret-two@yahoo.com ||
	note "smtp: $SMTP_REPLY"
f=$(sink_wait "$id" 15) || { echo "nothing delivered"; exit 2; }
link=$(mime "$f" links | sed -n 1p)
n=$(python3 -c 'import base64,sys
t=sys.argv[1].rsplit("/",1)[1]
b=base64.urlsafe_b64decode(t+"="*(-len(t)%4))
print(b[41])' "$link")
note "the To: header shows 1 guest; the link read without any key says: $n guests"
if [ "$n" = 3 ]; then
	echo "VULNERABLE: the visible guest learns that 2 more addresses were invited in Bcc"
	exit 1
fi
echo "refused"
exit 0
