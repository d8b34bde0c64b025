# guestlink - top-level Makefile.
#
#   make            build milter/guestlink-milter, otpd/otpctl (and otpd/otpd)
#   make check      install missing packages, build with -Werror, run every test
#   make demo       install missing packages, build, run the whole path on loopback
#   make asan       build and run the tests under ASan+UBSan (objects in build/asan)
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#   make install    install binaries and example config under PREFIX
#   make clean
#
# Objects and binaries go under $(O) in the source layout; the default O=.
# puts the binaries where the contract says (milter/guestlink-milter, ...).
# Each part adds its sources in its own fragment (shared/shared.mk, ...).

O	?= .
CC	?= cc
PREFIX	?= /usr/local
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

.PHONY: bench bench-bins all check demo asan fuzz install clean deps check-deps style test-unit test-milter test-otpd test-pg test-oidc test-e2e \
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

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CFLAGS_$(notdir $(patsubst %/,%,$(dir $<)))) -MMD -MP -c -o $@ $<

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
	$(MAKE) test-unit test-milter test-otpd test-pg test-oidc test-e2e test-hardening test-browser
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

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/guestlink
	install -m 0755 $(MILTER_BIN) $(DESTDIR)$(PREFIX)/sbin/guestlink-milter
	install -m 0755 $(OTPCTL_BIN) $(DESTDIR)$(PREFIX)/bin/otpctl
	$(if $(wildcard $(OTPD_BIN)),install -m 0755 $(OTPD_BIN) $(DESTDIR)$(PREFIX)/sbin/otpd)
	install -m 0644 contrib/guestlink.conf $(DESTDIR)/etc/guestlink/guestlink.conf.example

clean:
	rm -rf build $(CLEAN)
	find . -name '*.o' -o -name '*.d' | xargs rm -f
