# bench/ - performance measurements (not part of make check): make bench
# runs each and writes docs/performance.md from their output.
REWRITE_BENCH = $(O)/bench/rewrite_bench
MILTERLOAD = $(O)/bench/milterload

$(REWRITE_BENCH): $(O)/bench/rewrite_bench.o $(SHARED_OBJ) $(MILTER_CORE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs gmime-3.0) $(SHARED_LIBS)

CFLAGS_bench = -Imilter

$(MILTERLOAD): $(O)/bench/milterload.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread

bench-bins: $(REWRITE_BENCH) $(MILTERLOAD)

bench:
	@scripts/deps.sh bench
	$(MAKE) all bench-bins
	@BUILD=$(O) bench/run.sh

CLEAN += bench/rewrite_bench bench/milterload
