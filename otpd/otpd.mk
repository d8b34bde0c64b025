# otpd/ - the otpd daemon and otpctl (admin CLI).
#
# OTPD_CORE_SRC: every otpd module but the two mains; unit tests and fuzz
# targets link them (tests/tests.mk).
OTPD_BIN = $(O)/otpd/otpd
OTPCTL_BIN = $(O)/otpd/otpctl
OTPD_CORE_SRC = otpd/store.c otpd/store_lmdb.c otpd/store_pg.c otpd/store_pg_conn.c otpd/store_pg_cache.c otpd/gcra.c otpd/codes.c otpd/secrets.c otpd/lang.c otpd/text.c \
		otpd/mailmsg.c otpd/outbox.c otpd/form.c otpd/invite.c otpd/session.c otpd/flow.c \
		otpd/totp.c otpd/qr.c otpd/guest.c otpd/mfa.c otpd/signin.c otpd/signin_finish.c otpd/pages.c otpd/pages_words.c otpd/http.c \
		otpd/routes.c otpd/step.c otpd/steps_signin.c otpd/steps_mfa.c otpd/steps_account.c otpd/steps_idp.c \
		otpd/steps_service.c otpd/render.c \
		otpd/notice.c otpd/lifecycle.c otpd/account.c otpd/privacy.c \
		otpd/record.c otpd/record_legacy.c otpd/upgrade.c otpd/auth_fast.c
OTPD_CORE_OBJ = $(OTPD_CORE_SRC:%.c=$(O)/%.o)
OTPD_CORE_LIBS = $(shell pkg-config --libs libmicrohttpd lmdb libcurl jansson libqrencode libcrypto libpq) -lpthread
# OpenID Connect sign-in (otpd/oidc.c): JWS checks with OpenSSL's libcrypto.
OTPD_CORE_SRC += otpd/oidc.c otpd/oidc_jws.c otpd/oidc_pending.c otpd/idp.c
# The start-up check of the database file (otpd/dbcheck.c).
OTPD_CORE_SRC += otpd/dbcheck.c
OTPD_CORE_LIBS += $(shell pkg-config --libs libcrypto)
OTPD_OBJ = $(O)/otpd/main.o
OTPCTL_SRC = otpd/otpctl.c
OTPCTL_OBJ = $(OTPCTL_SRC:%.c=$(O)/%.o)
OTPCTL_LIBS = $(OTPD_CORE_LIBS)
# -Imilter: otpd_config.c knows the milter's sections by name (milter/milter_config.h), as one file serves both.
CFLAGS_otpd = $(shell pkg-config --cflags jansson libmicrohttpd libcurl libqrencode libcrypto libpq) -Imilter

# Test helper: prints a signed token (tests need no milter).
MKTOKEN_BIN = $(O)/tests/otpd/mktoken

all: $(OTPD_BIN) $(OTPCTL_BIN)
test-bins: $(MKTOKEN_BIN)

$(OTPD_BIN): $(OTPD_OBJ) $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OTPD_CORE_LIBS) $(SHARED_LIBS)

$(OTPCTL_BIN): $(OTPCTL_OBJ) $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OTPCTL_LIBS) $(SHARED_LIBS)

$(MKTOKEN_BIN): $(O)/tests/otpd/mktoken.o $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SHARED_LIBS)

# Integration: a real otpd, real LMDB, smtp-sink catching the code mails.
test-otpd: all $(MKTOKEN_BIN)
	@BUILD=$(O) tests/otpd/run.sh

.PHONY: test-otpd
CLEAN += otpd/otpctl otpd/otpd tests/otpd/mktoken
