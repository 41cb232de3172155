/* hooks.h - what the interposition layer offers code outside a backend's translation unit: the
 * thread's guard, the "active" switch and the thread's counters. Internal to libmemkit-prof.so and
 * libmemkit-count.a.
 *
 * The layer itself (exports.inc: malloc, free, calloc, realloc, reallocarray, memalign,
 * posix_memalign, aligned_alloc, valloc, pvalloc, malloc_usable_size, dlclose, _exit, _Exit, and
 * mk__count_iface's table through counters.c) is compiled once per backend, inside the backend's
 * own translation unit (backend.h says how); these functions are defined there.
 *
 * The one rule: backend code runs with this thread's guard held, so any allocation it (or libc on
 * its behalf) makes is forwarded untracked, and a signal handler that allocates while the backend
 * holds a lock is forwarded untracked too instead of deadlocking.
 */
#ifndef MEMKIT_INTERPOSE_HOOKS_H
#define MEMKIT_INTERPOSE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "sysmem.h"

/* This thread's counters; valid while the thread lives; only this thread writes them. */
MK__HIDDEN struct mk__hook_counters *mk__hook_counters(void);

/* Nonzero while the backend wants events: the hooks then call its event functions (backend.h).
 * A backend sets it from its init, after fork, and off at exit. */
MK__HIDDEN void mk__hooks_set_active(int on);

/* Enters/leaves the guard from backend code that runs outside a hook (constructors, destructors,
 * fork handlers), so its own allocations are not recorded. */
MK__HIDDEN void mk__guard_enter(void);
MK__HIDDEN void mk__guard_leave(void);

/* The backend's name, as the counting API reports its provider ("memkit run", "libmemkit-count").
 * Defined by the backend. */
MK__HIDDEN extern const char mk__backend_name[];

#endif
