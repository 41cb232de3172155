# bench/prof.mk - P1-P5 and the threaded and real-program rows (MT1, MT2, MT64, PY, GXX, XZ): the
# profiler's overhead (bench/prof/run.py; results in build/results/prof.md). w6_gen writes the XZ input.
# P1 is built twice: as released programs usually are (-O2 -g, no frame pointers) and with them.
PROF_BINS := $(BB)/p1 $(BB)/p1fp $(BB)/p2 $(BB)/p3 $(BB)/p4 $(BB)/pt $(BB)/snapbig $(BB)/mt $(BB)/w6_gen $(BB)/rawcheck $(BB)/empty-interposer.so
BENCH_BINS += $(PROF_BINS)
BENCH_RUNS += $(MAKE) -C $(TOP) MODE=rel tools && python3 prof/run.py --top $(TOP) --bin $(BB) --out $(BB)/results/prof.md;

$(BB)/p1: prof/p1.c common.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BB)/p1fp: prof/p1.c common.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -fno-omit-frame-pointer -o $@ $<

$(BB)/empty-interposer.so: prof/empty.c
	@mkdir -p $(@D)
	$(CC) -O2 -shared -fPIC -o $@ $<

$(BB)/p%: prof/p%.c common.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BB)/rawcheck: $(TOP)/tests/prof/rawcheck.c memkit-lib
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -I$(TOP)/src/analyzer -o $@ $(TOP)/tests/prof/rawcheck.c $(MEMKIT_ANALYZER_A) $(MEMKIT_A)

$(BB)/pt: prof/pt.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BB)/mt: prof/mt.c common.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BB)/snapbig: prof/snapbig.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<
