/* stack.c - where the stack holding an address ends (stack.h): up to the thread pointer for glibc
 * threads and to __libc_stack_end for the main thread (each checked once per thread with mincore,
 * which never faults), the sigaltstack as declared for a handler running on one, the mapped memory
 * above sp (up to 4 MiB) on a fiber.
 */
#define _GNU_SOURCE
#include "stack.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define THREAD_STACK_MAX (1ull << 30)
#define MAIN_STACK_MAX (1ull << 34) /* both only bound the one-time mincore check */

extern void *__libc_stack_end __attribute__((weak));

__thread struct mk__stack_tls mk__stack_tls;
static unsigned char mincore_vec[16384]; /* mincore's output, never read: 64 MiB per call */

/* 1 when every page of [a, b) is mapped. mincore never faults, allocates nothing, and is
 * async-signal-safe; errno is kept. (A PROT_NONE page counts as mapped: stacks keep their guard
 * page below, where the walk never reads.) */
static int range_mapped(uintptr_t a, uintptr_t b) {
    int saved = errno, ok = 1;
    a &= ~(uintptr_t)4095;
    while (a < b) {
        size_t len = b - a;
        if (len > sizeof mincore_vec * 4096) len = sizeof mincore_vec * 4096;
        if (mincore((void *)a, len, mincore_vec) != 0) {
            ok = 0;
            break;
        }
        a += len;
    }
    errno = saved;
    return ok;
}

static void set_range(uintptr_t *lo, uintptr_t *hi, uintptr_t l, uintptr_t h) {
    *hi = 0;
    atomic_signal_fence(memory_order_seq_cst);
    *lo = l;
    atomic_signal_fence(memory_order_seq_cst);
    *hi = h;
}

/* sp lies below top (closer than max): checks once that all of [sp, top) is mapped, so it is this
 * thread's stack and not a fiber's somewhere below it, and caches the answer. */
static int own_stack(uintptr_t sp, uintptr_t top, uintptr_t max) {
    struct mk__stack_tls *t = &mk__stack_tls;
    if (sp >= top || top - sp >= max) return 0;
    /* Grown since the last check: only the new part. */
    uintptr_t from = t->thr_hi == top && t->thr_lo > sp ? t->thr_lo : top;
    if (!range_mapped(sp, from)) return 0;
    set_range(&t->thr_lo, &t->thr_hi, sp & ~(uintptr_t)4095, top);
    return 1;
}

__attribute__((noinline)) uintptr_t mk__stack_top_slow(uintptr_t sp) {
    struct mk__stack_tls *t = &mk__stack_tls;
    if (sp >= t->fib_lo && sp < t->fib_hi) return t->fib_hi;
    /* A glibc thread: its TCB (the thread pointer) sits at the top of its stack mapping. */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    if (own_stack(sp, tp, THREAD_STACK_MAX)) return tp;
    /* The main thread: __libc_stack_end is &argc, near the top of the stack mapping. */
    if (&__libc_stack_end && __libc_stack_end) {
        uintptr_t top = ((uintptr_t)__libc_stack_end | 4095) + 1;
        if (own_stack(sp, top, MAIN_STACK_MAX)) return top;
    }
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE)) {
        uintptr_t b = (uintptr_t)ss.ss_sp, e = b + ss.ss_size;
        if (sp >= b && sp < e) return e;
    }
    /* Any other stack (a fiber, a coroutine): as much above sp as is mapped, up to 4 MiB; frames
     * beyond are not reported. A few system calls, once per fiber switch. */
    uintptr_t base = sp & ~(uintptr_t)4095, top = base + 4096; /* sp's own page is mapped */
    for (uintptr_t len = 16384; len <= (4u << 20) && range_mapped(base, base + len); len *= 4)
        top = base + len;
    set_range(&t->fib_lo, &t->fib_hi, base, top);
    return top;
}
