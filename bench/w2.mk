# W2 small vectors: memkit vec/smallvec/arrayvec, the C floors and the Rust peers (rust/src/bin/w2.rs).
BENCH_BINS += $(BB)/w2_smallvec
BENCH_RUNS += $(BB)/w2_smallvec table $${W2_ROUNDS:-7} rust/target/release/w2 > $(BB)/results/w2.md && cat $(BB)/results/w2.md

$(BB)/w2_smallvec: w2_smallvec.c common.h $(TOP)/include/memkit/vec.h | memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(MEMKIT_A)
