/* testing.h - the unwinder's entry points for tests and benchmarks only (testing.c); never in
 * libmemkit-prof.so or libmemkit-count.a. Same contract as unwind.h: no malloc, thread-safe,
 * async-signal-safe, bounded, never faults on a broken stack. */
#ifndef MEMKIT_UNWIND_TESTING_H
#define MEMKIT_UNWIND_TESTING_H

#include <stdint.h>

#include "unwind.h"

/* mk__backtrace's contract with the plain frame-pointer walk only (sound only where every frame
 * keeps a frame pointer). For comparison with the CFI walk. */
__attribute__((visibility("hidden"))) int mk__backtrace_fp(uintptr_t *pcs, int max, int skip);

/* How far a frame-pointer walk's result can be trusted: returns k, the number of leading entries
 * of pcs (as mk__backtrace_fp returned them, skip 0 or over frames that keep frame pointers) whose
 * frames keep a frame pointer at that PC by their CFI. pcs[0..k] (k + 1 entries, at most n) are then
 * exactly what mk__backtrace finds. Costs one rule lookup per entry. */
__attribute__((visibility("hidden"))) int mk__unwind_fp_sound(const uintptr_t *pcs, int n);

/* Forgets the cached rules only (the module table stays): the next capture of every call site pays
 * the CFI interpretation again. For the benchmark's cold-cache figure. */
__attribute__((visibility("hidden"))) void mk__unwind_forget_rules(void);

#endif
