# W5 small strings: mk_string, strndup/free, the C 23-inline floor and the Rust peers (rust/src/bin/w5.rs).
BENCH_BINS += $(BB)/w5_string
BENCH_RUNS += $(BB)/w5_string table $${W5_ROUNDS:-7} rust/target/release/w5 > $(BB)/results/w5.md && cat $(BB)/results/w5.md

$(BB)/w5_string: w5_string.c common.h $(TOP)/include/memkit/str.h | memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(MEMKIT_A)
