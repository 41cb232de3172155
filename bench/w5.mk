# W5 small strings: mk_string, strndup/free, the C floors and the Rust peers (rust/src/bin/w5.rs).
# The program with no arguments runs the table (W5_ROUNDS rounds, default 7) into build/results/w5.md.
BENCH_BINS += $(BB)/w5_string
BENCH_RUNS += $(BB)/w5_string;

$(BB)/w5_string: w5_string.c common.h $(TOP)/include/memkit/str.h | memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(MEMKIT_A)
