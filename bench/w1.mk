# w1.mk - workload W1 (small objects: mk_arena, mk_pool against malloc and the arena/pool peers).
# w1 (glibc), w1_je (-ljemalloc) and w1_mi (-lmimalloc) are one source linked three ways; build/w1
# runs every contender in its own processes, interleaved, and writes build/results/w1.md.
# `make -C bench w1-quick` is a 1M-object, 3-process run for iteration.

W1_DEFS :=
W1_LIBS :=
ifeq ($(call pc_has,talloc),yes)
W1_DEFS += -DHAVE_TALLOC $(shell pkg-config --cflags talloc)
W1_LIBS += $(shell pkg-config --libs talloc)
endif
ifeq ($(call pc_has,apr-1),yes)
W1_DEFS += -DHAVE_APR $(filter-out -D_GNU_SOURCE,$(shell pkg-config --cflags apr-1))
W1_LIBS += $(shell pkg-config --libs apr-1)
endif
ifeq ($(call pc_has,glib-2.0),yes)
W1_DEFS += -DHAVE_GLIB $(shell pkg-config --cflags glib-2.0)
W1_LIBS += $(shell pkg-config --libs glib-2.0)
endif
W1_HAVE_JE := $(shell echo 'int main(void){return 0;}' | $(CC) -x c - -o /dev/null -ljemalloc 2>/dev/null && echo yes)
W1_HAVE_MI := $(shell echo 'int main(void){return 0;}' | $(CC) -x c - -o /dev/null -lmimalloc 2>/dev/null && echo yes)

W1_BINS := $(BB)/w1 $(if $(W1_HAVE_JE),$(BB)/w1_je) $(if $(W1_HAVE_MI),$(BB)/w1_mi)
BENCH_BINS += $(W1_BINS)
BENCH_RUNS += $(BB)/w1;

$(BB)/w1: w1.c driver.h common.h $(MEMKIT_A)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(W1_DEFS) -o $@ w1.c $(MEMKIT_A) $(W1_LIBS)

# The allocator library comes first on the link line so its malloc is the process's malloc.
$(BB)/w1_je: w1.c driver.h common.h $(MEMKIT_A)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(W1_DEFS) -o $@ w1.c -ljemalloc $(MEMKIT_A) $(W1_LIBS)

$(BB)/w1_mi: w1.c driver.h common.h $(MEMKIT_A)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(W1_DEFS) -o $@ w1.c -lmimalloc $(MEMKIT_A) $(W1_LIBS)

.PHONY: w1 w1-quick
w1: memkit-lib rust $(W1_BINS)
	@mkdir -p $(BB)/results
	$(BB)/w1

w1-quick: memkit-lib rust $(W1_BINS)
	W1_ROUNDS=3 W1_N=1000000 $(BB)/w1
