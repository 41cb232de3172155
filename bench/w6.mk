# W6: `memkit count` over a 1 GiB mapped text file against the floor (memchr of an absent byte),
# Rust memchr::memmem, ripgrep, glibc memmem and grep. The data file is generated at bench time
# under build/ (never committed) and reused while it has the right size. Results: build/results/w6.md.
BENCH_BINS += $(BB)/w6 $(BB)/w6_gen $(BB)/w6_peers w6-memkit
BENCH_RUNS += $(BB)/w6;

# The memkit command itself (the bench's memkit-lib target builds only the library).
.PHONY: w6-memkit
w6-memkit:
	$(MAKE) -C $(TOP) MODE=rel tools

$(BB)/w6 $(BB)/w6_gen $(BB)/w6_peers: $(BB)/%: %.c driver.h common.h
	@mkdir -p $(BB)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

# `make -C bench w6-run`: just this workload (builds memkit and the peers first).
.PHONY: w6-run
w6-run: memkit-lib rust w6-memkit $(BB)/w6 $(BB)/w6_gen $(BB)/w6_peers
	@mkdir -p $(BB)/results
	$(BB)/w6
