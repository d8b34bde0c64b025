#!/bin/bash
# t-keys.sh - key files and key rotation.
#   1. A signing key that group or others can read (0644, 0640, 0604): the
#      milter refuses it with -n and at a real start, naming the file and
#      saying chmod 600; no socket appears. A missing key the same. 0600 and
#      0400 are fine.
#   2. Rotation: links signed with key A; a new key B (otpctl keygen in a new
#      directory), B's .pub copied beside A's in verify_keys, signing_key
#      pointed at B, the milter restarted: the old link still verifies with
#      its key id (A), a new invitation carries B's. A's .pub removed: the old
#      link is refused cleanly, {"valid":false,"error":"unknown_key"} and
#      exit 1, while B's link still verifies.
set -eu
. "$(dirname "$0")/../lib/e2e.sh"

need_bins "$MILTER_BIN" "$OTPCTL_BIN"

# --- 1. key file modes ----------------------------------------------------------------
KEYS_M="$T_DIR/keys-mode"
make_keys "$KEYS_M"
milter_config "$T_DIR/mode.conf" "$KEYS_M" "$T_DIR/run-mode"
sock="$T_DIR/run-mode/milter.sock"
for mode in 0644 0640 0604; do
	chmod "$mode" "$KEYS_M/link.key"
	rc=0
	out=$("$MILTER_BIN" -c "$T_DIR/mode.conf" -n 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then ok "key mode $mode: -n exits non-zero ($rc)"; else fail "key mode $mode: -n exit 0"; fi
	expect_match "$out" "$KEYS_M/link\\.key" "key mode $mode: -n names the key file"
	expect_match "$out" "chmod 600" "key mode $mode: -n says chmod 600"
	expect_match "$out" "mode $mode" "key mode $mode: -n gives the mode"
	rm -f "$sock"
	rc=0
	out=$(timeout 20 "$MILTER_BIN" -c "$T_DIR/mode.conf" -f 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
		ok "key mode $mode: a real start exits non-zero ($rc)"
	else
		fail "key mode $mode: a real start exit $rc (124: it kept running)"
	fi
	expect_match "$out" "$KEYS_M/link\\.key: mode $mode .*chmod 600" "key mode $mode: the start names the file and says chmod 600"
	check "key mode $mode: no socket was made" test ! -e "$sock"
done
# A missing signing key: refused at -n and at start, naming the file.
mv "$KEYS_M/link.key" "$KEYS_M/link.key.away"
rc=0
out=$("$MILTER_BIN" -c "$T_DIR/mode.conf" -n 2>&1) || rc=$?
expect_eq "$rc" 1 "missing key: -n exits 1"
expect_match "$out" "$KEYS_M/link\\.key: cannot open" "missing key: -n names the file"
rc=0
out=$(timeout 20 "$MILTER_BIN" -c "$T_DIR/mode.conf" -f 2>&1) || rc=$?
expect_eq "$rc" 1 "missing key: a real start exits 1"
check "missing key: no socket was made" test ! -e "$sock"
mv "$KEYS_M/link.key.away" "$KEYS_M/link.key"
for mode in 0600 0400; do
	chmod "$mode" "$KEYS_M/link.key"
	expect_eq "$("$MILTER_BIN" -c "$T_DIR/mode.conf" -n 2>&1)" "configuration OK" "key mode $mode: accepted"
done

# --- 2. rotation ------------------------------------------------------------------------
e2e_setup
VERIFY="$T_DIR/verify"
mkdir -m 0755 "$VERIFY"
cp "$KEY_DIR"/*.pub "$VERIFY/"
kid_a=$(basename "$KEY_DIR"/*.pub .pub)
sed -i "s|^verify_keys = .*|verify_keys = $VERIFY/|" "$CONF"

# send_invite N - an invitation to guestN@gmail.com; prints its accept link
send_invite() {
	local id f
	id=$(unique_id)
	make_invite "$T_DIR/rot$1.eml" "[invite] Join our research lab" "guest$1@gmail.com" "$id"
	smtp_send "$T_DIR/rot$1.eml" staff@example.org "guest$1@gmail.com" || true
	f=$(sink_wait "$id" 15) || return 1
	mime "$f" links 2>/dev/null | head -1
}

link_a=$(send_invite 1) || fail "invitation 1 (key A) not delivered"
inspect "$link_a" || true
expect_eq "$(jfield valid)" true "key A: the link verifies"
expect_eq "$(jfield kid)" "$kid_a" "key A: kid is A's ($kid_a)"

# Rotate: a new key pair B, its .pub beside A's, the milter signing with B.
make_keys "$T_DIR/keys-b"
kid_b=$(basename "$T_DIR"/keys-b/*.pub .pub)
cp "$T_DIR/keys-b/$kid_b.pub" "$VERIFY/"
sed -i "s|^signing_key = .*|signing_key = $T_DIR/keys-b/link.key|" "$CONF"
expect_eq "$("$MILTER_BIN" -c "$CONF" -n 2>&1)" "configuration OK" "rotated config: -n OK"
milter_stop
milter_start "$CONF"
link_b=$(send_invite 2) || fail "invitation 2 (key B) not delivered"
inspect "$link_b" || true
expect_eq "$(jfield valid)" true "key B: the new link verifies"
expect_eq "$(jfield kid)" "$kid_b" "key B: kid is B's ($kid_b)"
if [ "$kid_a" != "$kid_b" ]; then ok "A and B have different key ids"; else fail "A and B share kid $kid_a"; fi
inspect "$link_a" || true
expect_eq "$(jfield valid)" true "after rotation: the old link still verifies"
expect_eq "$(jfield kid)" "$kid_a" "after rotation: the old link follows its key id (A)"
expect_rc 0 "after rotation: the old link is still for guest1" inspect "$link_a" --email guest1@gmail.com

# Retire A.
rm "$VERIFY/$kid_a.pub"
rc=0
inspect "$link_a" || rc=$?
expect_eq "$rc" 1 "A retired: inspect of the old link exits 1"
expect_eq "$INSPECT_JSON" '{"valid":false,"error":"unknown_key"}' "A retired: the old link is an unknown key"
expect_eq "$(cat "$T_DIR/inspect.err")" "" "A retired: nothing on stderr (a clean refusal)"
inspect "$link_b" || true
expect_eq "$(jfield valid)" true "A retired: B's link still verifies"
check "the milter still runs" pid_alive "$MILTER_PID"
t_done
