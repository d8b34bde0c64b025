# tests/hardening/hardening.mk - hardening checks (issue 6) beyond the
# end-to-end scenarios (those are tests/e2e/t-*.sh and run in test-e2e):
#   test-hardening  tests/hardening/t-*.sh: systemd units (systemd-analyze verify), otpd's storage
#                   faults (map full, disk full on a tmpfs, corrupt data.mdb) and a relay outage
#                   (RELAY_OUTAGE seconds, default 20): slow ones, run once (not again under ASan)
#   test-valgrind   e2e scenarios again with the milter under valgrind memcheck, and otpd's
#                   t-happy, t-mfa-enrol, t-links with otpd under it
# Include from the top Makefile after tests/tests.mk.
.PHONY: test-hardening test-valgrind

test-hardening: all
	@BUILD=$(O) tests/hardening/run.sh

test-valgrind: all
	@BUILD=$(O) tests/hardening/valgrind.sh
