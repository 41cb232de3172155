# W3 frames in a shared buffer: mk_bytes against the C view floors, copies and bytes::Bytes.
BENCH_BINS += $(BB)/w3
BENCH_RUNS += $(BB)/w3;

$(BB)/w3: w3.c driver.h common.h $(MEMKIT_A)
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ w3.c $(MEMKIT_A)
