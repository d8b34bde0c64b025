#!/bin/bash
# t-too-big.sh - max_message_size bounds what the milter keeps: a tagged
# invitation over it is refused 552 5.3.4 and nothing is queued; an ordinary
# (untagged) mail over it passes unchanged; the milter's memory stays small.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup "max_message_size = 64k"

# big_mail FILE SUBJECT MSGID - a 200 KB mail with a resource link at the top
big_mail() {
	make_invite "$1" "$2" "guest@gmail.com" "$3"
	python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
pad = "\n".join("padding line %06d to make this mail larger than max_message_size" % i for i in range(3000))
s = s.replace("</html>", "<!--\n" + pad + "\n-->\n</html>", 1)
open(p, "w").write(s)
PY
}

id=$(unique_id)
big_mail "$T_DIR/big-tagged.eml" "[invite] Join our research lab" "$id"
rc=0
smtp_send "$T_DIR/big-tagged.eml" staff@example.org guest@gmail.com || rc=$?
check "tagged, too big: swaks reports a failure (exit $rc)" test "$rc" -ne 0
expect_match "$SMTP_REPLY" '^552 5\.3\.4 ' "tagged, too big: 552 5.3.4"
expect_match "$SMTP_REPLY" 'too large' "tagged, too big: the reply says why"
sleep 1
expect_eq "$(sink_find "$id")" "" "tagged, too big: nothing delivered"

id=$(unique_id)
big_mail "$T_DIR/big-plain.eml" "Lab news" "$id"
smtp_send "$T_DIR/big-plain.eml" staff@example.org guest@gmail.com || true
expect_match "$SMTP_REPLY" '^250 ' "ordinary, too big: accepted"
if f=$(sink_wait "$id" 15); then
	awk 'b { print } /^$/ && !b { b = 1 }' "$T_DIR/big-plain.eml" >"$T_DIR/big-plain.want"
	sink_body "$f" >"$T_DIR/big-plain.got"
	expect_file_eq "$T_DIR/big-plain.got" "$T_DIR/big-plain.want" "ordinary, too big: body byte-identical"
else
	fail "ordinary, too big: not delivered"
fi
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MILTER_PID/status")
check "milter peak memory under 64 MB (got ${hwm} kB)" test "$hwm" -lt 65536
check "nothing left in the queue" pf_queue_empty "$PF_DIR"
t_done
