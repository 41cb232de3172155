/* hooks.h - the interposition layer of the malloc family and the backend interface behind it.
 * Internal to libmemkit-prof.so (and later libmemkit-count.a).
 *
 * hooks.c defines malloc, free, calloc, realloc, reallocarray, memalign, posix_memalign,
 * aligned_alloc, valloc, pvalloc and malloc_usable_size, forwards each to glibc's __libc_* entry
 * point, keeps exact per-thread counters, and reports every event that returned or released a block
 * to a backend through the functions below. The backend (record.c for the profiler) is bound at
 * link time, so an event costs a direct call, not an indirect one.
 *
 * hooks.c also exports mk__count_iface (src/count_iface.h), the counting API's view of the layer:
 * the counters above summed over threads (a registry; exited threads folded in), the backend's peak,
 * and a per-thread "watch" that captures the stacks of allocations past a threshold.
 *
 * The one rule: a backend function runs with this thread's guard held, so any allocation it (or
 * libc on its behalf) makes is forwarded untracked, and a signal handler that allocates while the
 * backend holds a lock is forwarded untracked too instead of deadlocking.
 */
#ifndef MEMKIT_PROF_HOOKS_H
#define MEMKIT_PROF_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "sysmem.h"

/* This thread's counters; valid while the thread lives; only this thread writes them. */
MK__HIDDEN struct mk__hook_counters *mk__hook_counters(void);

/* Nonzero while the backend wants events. The backend sets it (mk__hooks_set_active) from
 * mk__backend_init, after fork, and off at exit. */
MK__HIDDEN void mk__hooks_set_active(int on);

/* Enters/leaves the guard from backend code that runs outside a hook (constructors, destructors,
 * fork handlers), so its own allocations are not recorded. */
MK__HIDDEN void mk__guard_enter(void);
MK__HIDDEN void mk__guard_leave(void);

/* ---- the backend ---- */

/* Once, on the first hooked call or from the constructor, whichever comes first. */
MK__HIDDEN void mk__backend_init(void);

/* p (non-NULL) was just returned for a request of size bytes by function fn (enum mk__raw_fn), from
 * the exported function whose frame (__builtin_frame_address(0)) is frame: its return address and
 * saved rbp are where the stack capture starts. */
MK__HIDDEN void mk__on_alloc(void *p, size_t size, unsigned fn, const void *frame);

/* p (non-NULL) is about to be freed. Returns the size the backend knew for it, 0 if it never saw p. */
MK__HIDDEN size_t mk__on_free(void *p);

/* realloc: mk__realloc_take(old) before the block is handed to glibc (so no other thread can see the
 * address reused while the backend still maps it), then mk__realloc_done with the result:
 * newp != NULL: success; newp == NULL && size == 0: old was freed (glibc's realloc(p, 0));
 * newp == NULL && size > 0: failure, old is untouched. done returns the old size (0: unknown). */
struct mk__realloc_tok {
    uint64_t w[3];
    int found;
};
MK__HIDDEN void mk__realloc_take(void *old, struct mk__realloc_tok *t);
MK__HIDDEN size_t mk__realloc_done(struct mk__realloc_tok *t, void *newp, size_t size, const void *frame);

#endif
