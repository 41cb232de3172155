/* stack.h - the bounds of the stack a capture may read: from the capture's own frame up to a top
 * known to be mapped. Internal to src/unwind.
 *
 * The common case, this thread's own stack as already checked, is inline (every capture asks);
 * anything else is stack.c's slow path, which finds the top once per thread (and once per fiber
 * switch) and remembers it here.
 */
#ifndef MEMKIT_UNWIND_STACK_H
#define MEMKIT_UNWIND_STACK_H

#include <stdint.h>

#define MK__UNW_HIDDEN __attribute__((visibility("hidden")))

/* Ranges of this thread's stacks known to be mapped: its own (thr) and the fiber it last ran on
 * (fib). Written hi = 0 first, then lo, then hi, so a signal handler that interrupts an update
 * sees an empty range and recomputes. */
struct mk__stack_tls {
    uintptr_t thr_lo, thr_hi, fib_lo, fib_hi;
};
MK__UNW_HIDDEN extern __thread struct mk__stack_tls mk__stack_tls __attribute__((tls_model("initial-exec")));

/* The top of any stack holding sp (stack.c): see mk__stack_top. */
MK__UNW_HIDDEN uintptr_t mk__stack_top_slow(uintptr_t sp);

/* One past the highest stack byte the walk may read for the stack holding sp, or 0 when unknown.
 * Every byte of [sp, result) is mapped. No malloc; async-signal-safe; errno kept. */
static inline uintptr_t mk__stack_top(uintptr_t sp) {
    if (sp >= mk__stack_tls.thr_lo && sp < mk__stack_tls.thr_hi) return mk__stack_tls.thr_hi;
    return mk__stack_top_slow(sp);
}

#endif
