# bench/ - performance measurements (not part of make check): make bench
# runs each and writes docs/performance.md from their output.
REWRITE_BENCH = $(O)/bench/rewrite_bench
MILTERLOAD = $(O)/bench/milterload

$(REWRITE_BENCH): $(O)/bench/rewrite_bench.o $(SHARED_OBJ) $(MILTER_CORE_OBJ) $(CONFIG_TABLES_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs gmime-3.0) $(SHARED_LIBS)

# -Imilter first: rewrite_bench wants milter/invite.h; otpdpop uses no header of both names.
CFLAGS_bench = -Imilter -Iotpd $(CFLAGS_otpd)
HELLO_MHD = $(O)/bench/hello_mhd
LMDB_CEILING = $(O)/bench/lmdb_ceiling
OTPDPOP = $(O)/bench/otpdpop
TRIVMILTER = $(O)/bench/trivmilter

$(HELLO_MHD): $(O)/bench/hello_mhd.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs libmicrohttpd) -lpthread

$(LMDB_CEILING): $(O)/bench/lmdb_ceiling.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs lmdb)

$(OTPDPOP): $(O)/bench/otpdpop.o $(OTPD_CORE_OBJ) $(CONFIG_TABLES_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OTPD_CORE_LIBS) $(SHARED_LIBS)

$(TRIVMILTER): $(O)/bench/trivmilter.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lmilter -lpthread

$(MILTERLOAD): $(O)/bench/milterload.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread

bench-bins: $(MKTOKEN_BIN) $(REWRITE_BENCH) $(MILTERLOAD) $(HELLO_MHD) $(LMDB_CEILING) $(OTPDPOP) $(TRIVMILTER)

bench:
	@scripts/deps.sh bench
	$(MAKE) all bench-bins
	@BUILD=$(O) bench/run.sh

CLEAN += bench/rewrite_bench bench/milterload bench/hello_mhd bench/lmdb_ceiling bench/otpdpop bench/trivmilter
