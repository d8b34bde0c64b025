#!/bin/bash
# Finding 03: a guest disabled for inactivity is re-enabled by ANY new invitation, from any inviter, to
# any resource; the re-enabled guest then gets every OLD resource back too (the invitations of the
# guest record are kept through the disabling), although the old resource's inviter was told the guest
# was disabled and never sent the invitation again.
#
# Run from the tree after `make -j2 all test-bins`: bash findings/03-reenable-restores-all.sh
# Exit 1: the attack works (the old resource answers 200 at /auth); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
OLD=https://teams.example.org/team/42     # invited by staff@example.org (alice's resource)
NEW=https://wiki.example.org/space/7      # invited later by bob@example.org, another inviter
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 1h" "guest_disabled_delete = 0"
start_sink
start_otpd
guest_line() { "$OTPCTL" -c "$T/otpd.conf" guests | grep '"email":"guest@example.net"'; }

tok=$(token guest@example.net) || fail mktoken
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$OLD")" = 200 ] || fail "/auth for the old resource after enrolment"

# Inactive: the sweeper disables the guest (every session ends, alice gets the notice).
kill_otpd
sed -i 's/^guest_inactive_disable = .*/guest_inactive_disable = 2s/' "$T/otpd.conf"
start_otpd
for _ in $(seq 100); do guest_line | grep -q '"state":"disabled"' && break; sleep 0.1; done
guest_line | grep -q '"state":"disabled"' || fail "not disabled"
kill_otpd
sed -i 's/^guest_inactive_disable = .*/guest_inactive_disable = 1h/' "$T/otpd.conf"
start_otpd
sleep 1

# Bob invites the same guest to an unrelated resource.
tok2=$("$MKTOKEN" "$SIGNING_KEY" bob@example.org "$NEW" 0 86400 guest@example.net) || fail mktoken
: >"$T/jar"
html_accept "$tok2" guest@example.net
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page"
sleep 1
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(( $(date +%s) + 30 )))")" = 200 ] || fail "TOTP: $(head -c 300 "$T/pg")"
[ "$(auth "$NEW")" = 200 ] || fail "/auth for bob's resource"
s=$(auth "$OLD")
echo "disabled guest, re-enabled by bob's invitation to $NEW: /auth for alice's $OLD -> $s"
[ "$s" = 200 ] && { echo "ATTACK WORKS: the old resource came back without alice inviting again"; exit 1; }
echo "refused"
exit 0
