# W2 small vectors: memkit vec/smallvec/arrayvec, the C floors and the Rust peers (rust/src/bin/w2.rs).
# build/w2 runs the table (W2_ROUNDS rounds, default 7) into build/results/w2.md.
BENCH_BINS += $(BB)/w2
BENCH_RUNS += $(BB)/w2;

$(BB)/w2: w2.c driver.h common.h $(TOP)/include/memkit/vec.h | memkit-lib
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(MEMKIT_A)
