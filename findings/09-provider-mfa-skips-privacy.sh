#!/bin/sh
# Finding 09 (low): with [guestlink] privacy_url set, the privacy step ("before a guest's first sign-in
# finishes ... the guest sees once what is kept about them ... and accepts it", otpd/privacy.h,
# docs/admin.md) is only ever shown to a code-level session on its way to /mfa/setup. A guest whose own
# provider did the MFA (mfa_amr) gets a full session straight from /oidc/callback and is on the resource
# without the page, and nothing is recorded (no privacy_accepted_at, no audit line).
#
# Uses the project's private glewlwyd (tests/oidc/run.sh): the scenario is copied into tests/oidc for
# the run under a temporary name and removed after.
# Run from the tree after `make -j2 all test-bins`: sh findings/09-provider-mfa-skips-privacy.sh
# Exit 1: the attack works; 0: refused; 2: setup failed.
cd "$(dirname "$0")/.." || exit 2
name=t-zz-rt2-privacy-$$.sh
cp findings/09-provider-mfa-skips-privacy.scenario "tests/oidc/$name" || exit 2
RT2_OUT=$(mktemp /tmp/rt2-privacy.XXXXXX)
export RT2_OUT
trap 'rm -f "tests/oidc/$name" "$RT2_OUT"' EXIT
run=$(sh tests/oidc/run.sh "$name" 2>&1)
out=$(cat "$RT2_OUT")
[ -n "$out" ] || echo "$run"
echo "$out"
case $out in
*"ATTACK WORKS"*) exit 1 ;;
*REFUSED*) exit 0 ;;
esac
echo "SETUP FAILED"
exit 2
