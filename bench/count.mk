# The counting layer's overhead per malloc/free pair.
MEMKIT_COUNT_A := $(TOP)/build/rel/libmemkit-count.a
BENCH_BINS += $(BB)/count_overhead_plain $(BB)/count_overhead_counted
BENCH_RUNS += ./count_overhead.sh $(BB) | tee $(BB)/results/count.md;

$(BB)/count_overhead_plain: count_overhead.c common.h
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BB)/count_overhead_counted: count_overhead.c common.h memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ count_overhead.c $(MEMKIT_A) $(MEMKIT_COUNT_A)
