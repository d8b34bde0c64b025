#!/bin/bash
# Finding 04: the refusal of a disabled guest's OLD link (issued before the disabling) lives only in the
# guest record. guest_disabled_delete later deletes that record, and from then on the same old link signs
# the guest in again and gives the resource back, as if the guest had never been disabled. Nothing in the
# config ties link_ttl (milter, up to 366d) to guest_inactive_disable + guest_disabled_delete (otpd,
# 90d + 30d by default), so a link that outlives them re-opens the access the sweeper closed.
#
# Run from the tree after `make -j2 all test-bins`: bash findings/04-deleted-guest-old-link.sh
# Exit 1: the attack works (the old link signs the deleted guest in, /auth 200); 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
export OTPD_TEST_CHECKS=0
. tests/otpd/lib.sh
fail() { echo "SETUP FAILED: $*" >&2; [ -f "$T/otpd.log" ] && tail -5 "$T/otpd.log" >&2; exit 2; }
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 1h" "guest_disabled_delete = 0"
start_sink
start_otpd
guest_line() { "$OTPCTL" -c "$T/otpd.conf" guests | grep '"email":"guest@example.net"'; }

tok=$(token guest@example.net) || fail mktoken      # the old link: lives one day
html_accept "$tok" guest@example.net
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$RESOURCE")" = 200 ] || fail "/auth after enrolment"

kill_otpd
sed -i 's/^guest_inactive_disable = .*/guest_inactive_disable = 2s/' "$T/otpd.conf"
start_otpd
for _ in $(seq 100); do guest_line | grep -q '"state":"disabled"' && break; sleep 0.1; done
guest_line | grep -q '"state":"disabled"' || fail "not disabled"
# While disabled, the old link is refused (the documented behaviour, L1).
n0=$(mail_count)
api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}' >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$(latest_code)\"}")
[ "$r" = '403 {"error":"guest_disabled"}' ] || fail "old link while disabled: $r"
echo "while disabled: old link -> $r"

# Deleted 2 s after the disabling.
kill_otpd
sed -i 's/^guest_disabled_delete = .*/guest_disabled_delete = 2s/' "$T/otpd.conf"
start_otpd
for _ in $(seq 100); do guest_line >/dev/null || break; sleep 0.1; done
guest_line >/dev/null && fail "not deleted"
kill_otpd
sed -i -e 's/^guest_inactive_disable = .*/guest_inactive_disable = 1h/' -e 's/^guest_disabled_delete = .*/guest_disabled_delete = 0/' "$T/otpd.conf"
start_otpd

# The same old link again.
: >"$T/jar"
s=$(page "$BASE/accept/$tok"); [ "$s" = 200 ] || fail "accept page $s"
csrf=$(csrf_of "$T/pg")
n0=$(mail_count)
page --data-urlencode "email=guest@example.net" --data "csrf=$csrf" "$BASE/accept/$tok/email" >/dev/null
wait_mails $((n0 + 1)) 10 || fail "no code mail after deletion"
s=$(page --data-urlencode "email=guest@example.net" --data "code=$(latest_code)&csrf=$csrf" "$BASE/accept/$tok/code")
echo "after deletion: the old link's code step -> $s"
if [ "$s" = 200 ]; then
	setup_page
	[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment after deletion"
	a=$(auth "$RESOURCE")
	echo "after deletion: /auth for the old link's resource -> $a"
	[ "$a" = 200 ] && { echo "ATTACK WORKS: the link refused while disabled signs in once the record is deleted"; exit 1; }
fi
echo "refused"
exit 0
