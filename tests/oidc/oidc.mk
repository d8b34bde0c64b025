# tests/oidc/ - organisation sign-in against a real OpenID Connect provider
# (glewlwyd from Debian) started on loopback by tests/oidc/run.sh.
#
#   make test-oidc     build otpd's core and the probe, run every t-*.sh
#
# oidc_probe drives otpd/oidc.c as otpd's routes do; mktoken makes the
# invitations (tests/otpd/). Include this fragment from the top Makefile.
OIDC_PROBE_BIN = $(O)/tests/oidc/oidc_probe
CFLAGS_oidc = -Iotpd $(shell pkg-config --cflags jansson libcurl)

test-bins: $(OIDC_PROBE_BIN)

$(OIDC_PROBE_BIN): $(O)/tests/oidc/oidc_probe.o $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OTPD_CORE_LIBS) $(SHARED_LIBS)

test-oidc: all $(MKTOKEN_BIN) $(OIDC_PROBE_BIN)
	@BUILD=$(O) tests/oidc/run.sh

.PHONY: test-oidc
CLEAN += tests/oidc/oidc_probe
