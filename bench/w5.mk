# W5 small strings: mk_string, strndup/free, the C floors and the Rust peers (rust/src/bin/w5.rs).
# build/w5 runs the table (W5_ROUNDS rounds, default 7) into build/results/w5.md.
BENCH_BINS += $(BB)/w5
BENCH_RUNS += $(BB)/w5;

$(BB)/w5: w5.c driver.h common.h $(TOP)/include/memkit/str.h | memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(MEMKIT_A)
