# guestlink - top-level Makefile.
#
#   make            build milter/guestlink-milter, otpd/otpctl (and otpd/otpd)
#   make check      install missing packages, build with -Werror, run every test
#   make demo       install missing packages, build, run the whole path on loopback
#   make asan       build and run the tests under ASan+UBSan (objects in build/asan)
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#   make install    install binaries, man pages, systemd units and example config under PREFIX
#   make deb        build the Debian packages from a clean copy of the tree (in build/deb/)
#   make clean
#
# Objects and binaries go under $(O) in the source layout; the default O=.
# puts the binaries where the contract says (milter/guestlink-milter, ...).
# Each part adds its sources in its own fragment (shared/shared.mk, ...).

O	?= .
CC	?= cc
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# systemd looks in /usr/local/lib/systemd/system too; Debian sets /lib/systemd/system.
UNITDIR	?= $(PREFIX)/lib/systemd/system
FUZZ_SECONDS ?= 30

WARN	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	  -Wpointer-arith -Wcast-qual -Wformat=2
HARDEN	= -fstack-protector-strong -D_FORTIFY_SOURCE=2
CFLAGS	?= -O2 -g
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SAN),1)
XFLAGS	+= $(SAN_FLAGS)
XLDFLAGS += $(SAN_FLAGS)
endif

PKGS	= gmime-3.0 libsodium inih
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(HARDEN) $(WERROR) $(XFLAGS) -Ishared \
	     $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS = $(LDFLAGS) $(XLDFLAGS)

.PHONY: bench bench-bins all check demo asan fuzz install deb clean deps check-deps style test-unit test-milter test-otpd test-pg test-oidc test-e2e \
	check-build check-asan check-fuzz

all:

include shared/shared.mk
include milter/milter.mk
include otpd/otpd.mk
-include tests/tests.mk
-include tests/hardening/hardening.mk
-include tests/oidc/oidc.mk
-include tests/browser/browser.mk
-include bench/bench.mk
-include tests/packaging/packaging.mk

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CFLAGS_$(notdir $(patsubst %/,%,$(dir $<)))) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)

deps:
	@scripts/deps.sh build

check-deps:
	@scripts/deps.sh check

# The order matters: a -Werror build, the style check, the tests, then the
# same tests under ASan+UBSan, then a short fuzz run.
check: check-deps
	$(MAKE) WERROR=-Werror all test-bins
	$(MAKE) style
	$(MAKE) test-unit test-milter test-otpd test-pg test-oidc test-e2e test-hardening test-browser test-packaging
	$(MAKE) check-asan
	$(MAKE) test-valgrind
	$(MAKE) check-fuzz
	@echo "make check: all tests passed"

check-asan:
	$(MAKE) O=build/asan SAN=1 WERROR=-Werror CFLAGS="-O1 -g" all test-bins
	$(MAKE) O=build/asan SAN=1 CFLAGS="-O1 -g" test-unit test-milter test-otpd test-oidc test-e2e

asan: check-deps check-asan

style: all
	@tests/style.sh
	@OTPCTL=$(OTPCTL_BIN) scripts/gen-admin-doc.sh --check

demo:
	@scripts/deps.sh demo
	$(MAKE) all
	@scripts/demo.sh

MAN5	= man/guestlink.conf.5
MAN8	= man/guestlink-milter.8 man/otpd.8 man/otpctl.8
UNITS	= contrib/systemd/guestlink-milter.service contrib/systemd/otpd.service

# The units name /usr/local/sbin/...: installed with $(SBINDIR) instead.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/guestlink \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(MILTER_BIN) $(DESTDIR)$(SBINDIR)/guestlink-milter
	install -m 0755 $(OTPD_BIN) $(DESTDIR)$(SBINDIR)/otpd
	install -m 0755 $(OTPCTL_BIN) $(DESTDIR)$(BINDIR)/otpctl
	install -m 0644 contrib/guestlink.conf $(DESTDIR)$(SYSCONFDIR)/guestlink/guestlink.conf.example
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	for u in $(UNITS); do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

# The packages, built from the files git tracks (as a fresh clone has them):
# build/deb/*.deb (scripts/build-deb.sh; tests/packaging/ checks them).
deb:
	scripts/build-deb.sh build/deb

clean:
	rm -rf build $(CLEAN)
	find . -name '*.o' -o -name '*.d' | xargs rm -f
