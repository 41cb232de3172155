/* testing.c - the unwinder's test-only entry points (testing.h): the plain frame-pointer walk the
 * tests and the benchmark compare with, the check of how far such a walk can be trusted, and the
 * rule cache's reset for cold-cache figures. Linked into tests and benchmarks only. */
#define _GNU_SOURCE
#include "testing.h"

#include "cache.h"
#include "rule.h"
#include "stack.h"

#define MAX_SKIP 1024 /* as unwind.c: a larger skip is a caller's bug */

/* a .. a+8 lies within [lo, hi) */
static inline int in_stack(uintptr_t a, uintptr_t lo, uintptr_t hi) { return a >= lo && a <= hi - 8; }

__attribute__((noinline)) int mk__backtrace_fp(uintptr_t *pcs, int max, int skip) {
    const uintptr_t *fp = __builtin_frame_address(0);
    uintptr_t lo = (uintptr_t)fp, hi = mk__stack_top(lo);
    int n = 0;
    if (!hi) hi = lo + 16; /* an unknown stack: only our own frame is read */
    if (max <= 0 || skip > MAX_SKIP) return 0;
    /* Bounded: each step moves fp up within [lo, hi). */
    while (in_stack((uintptr_t)fp + 8, lo, hi)) {
        uintptr_t ret = fp[1];
        const uintptr_t *next = (const uintptr_t *)fp[0];
        if (ret < 4096) break;
        if (skip > 0) skip--;
        else if ((pcs[n++] = ret), n == max) break;
        if (next <= fp || !in_stack((uintptr_t)next, lo, hi)) break;
        fp = next;
    }
    return n;
}

int mk__unwind_fp_sound(const uintptr_t *pcs, int n) {
    int k = 0, synced = 0;
    for (; k < n && pcs[k] >= 4096; k++) {
        uint64_t r = mk__cache_lookup(pcs[k], mk__gen_bits());
        if (!r) { /* as the walk's miss: computed, then cached under the generation now current */
            int cacheable = 1;
            r = mk__rule_compute(pcs[k] - 1, pcs[k], 0, &synced, &cacheable);
            if (cacheable) mk__cache_put(pcs[k], mk__gen_bits(), r);
        }
        if (RULE_KIND(r) != K_FPFRAME) break;
    }
    return k;
}

void mk__unwind_forget_rules(void) { mk__gen_advance(); }
