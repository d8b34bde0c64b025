# tests/ - unit tests (cmocka, one binary per tests/unit/test_*.c), miltertest
# scripts, end-to-end scenarios with a private Postfix, fuzz targets.
#
# Every unit test links all library code (shared, milter core, otpd core):
# a new test is a new file, nothing to register.
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
UNIT_LIBS = $(shell pkg-config --libs cmocka gmime-3.0 jansson) $(OTPD_CORE_LIBS) $(SHARED_LIBS)
CFLAGS_unit = $(shell pkg-config --cflags cmocka jansson) -Imilter -Iotpd

FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
CFLAGS_fuzz = -Imilter -Iotpd $(shell pkg-config --cflags jansson)

test-bins: $(UNIT_BINS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(SHARED_OBJ) $(MILTER_CORE_OBJ) $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UNIT_LIBS)

test-unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

test-milter: all
	@BUILD=$(O) tests/milter/run.sh

test-e2e: all
	@BUILD=$(O) tests/e2e/run.sh

# PostgreSQL (a private cluster, tests/lib/pg.sh): the store unit tests again, the otpd scenarios again
# with database = postgresql://…, and two otpd hosts behind nginx (tests/pg/t-*.sh).
test-pg: all $(UNIT_BINS) $(MKTOKEN_BIN)
	@BUILD=$(O) tests/pg/run.sh

# libFuzzer: clang, objects in build/fuzz; make check runs each target briefly.
FUZZ_O = build/fuzz
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzz-bins:
	$(MAKE) O=$(FUZZ_O) CC=clang XFLAGS="$(FUZZ_FLAGS)" fuzz-link

fuzz-link: $(FUZZ_SRC:tests/fuzz/%.c=$(O)/tests/fuzz/%)

$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(SHARED_OBJ) $(MILTER_CORE_OBJ) $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(shell pkg-config --libs gmime-3.0 jansson) \
		$(OTPD_CORE_LIBS) $(SHARED_LIBS)

fuzz: check-deps fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_O)

check-fuzz: fuzz-bins
	@FUZZ_SECONDS=$${FUZZ_CHECK_SECONDS:-30} tests/fuzz/run.sh $(FUZZ_O)
