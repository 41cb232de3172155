# unwind.mk - stack capture: memkit's CFI walker against the frame-pointer walk, glibc backtrace()
# and libunwind, in a program built without frame pointers and one built with them.
# libunwind is the reference: without libunwind-dev the benchmark is skipped with a note.
UNW_BENCH_LIBS := $(shell pkg-config --libs libunwind 2>/dev/null || echo -lunwind)
UNW_HAVE_LIBUNWIND := $(shell printf '\#include <libunwind.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo yes)
UNW_REC_CFLAGS := -std=c11 -O2 -g -DNDEBUG -fPIC -fvisibility=hidden -fno-omit-frame-pointer -ftls-model=initial-exec
ifeq ($(UNW_HAVE_LIBUNWIND),yes)
BENCH_BINS += $(BB)/unwind_bench_nofp $(BB)/unwind_bench_fp
endif

BENCH_RUNS += ./unwind_run.sh;

UNW_REC_SRC := $(wildcard $(TOP)/src/unwind/*.c)
UNW_REC_OBJ := $(UNW_REC_SRC:$(TOP)/src/unwind/%.c=$(BB)/unwind_rec_%.o)

$(BB)/unwind_rec_%.o: $(TOP)/src/unwind/%.c $(wildcard $(TOP)/src/unwind/*.h)
	@mkdir -p $(BB)
	$(CC) $(UNW_REC_CFLAGS) -c -o $@ $<

$(BB)/unwind_bench_nofp: unwind_bench.c $(UNW_REC_OBJ) common.h
	$(CC) $(BENCH_CFLAGS) -fomit-frame-pointer -o $@ unwind_bench.c $(UNW_REC_OBJ) $(UNW_BENCH_LIBS)

$(BB)/unwind_bench_fp: unwind_bench.c $(UNW_REC_OBJ) common.h
	$(CC) $(BENCH_CFLAGS) -fno-omit-frame-pointer -o $@ unwind_bench.c $(UNW_REC_OBJ) $(UNW_BENCH_LIBS)
