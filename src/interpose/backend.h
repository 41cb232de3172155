/* backend.h - the one interface between the interposition layer and a backend (the recorder in
 * src/recorder, the counting-only layer in src/count). Internal.
 *
 * A backend is one translation unit that includes this header, defines struct mk__be_realloc and
 * every mk__be_ function declared below, then includes exports.inc, which defines the exported
 * malloc family and the rest of the layer on top of them (as mimalloc's alloc-override.c is
 * included into its allocator). The one design decision: the layer is compiled into each backend's
 * translation unit, not linked against it, so a backend's fast path (the sampled recorder's, which
 * is a dozen loads and stores) is inlined into malloc and free, each backend is built with its own
 * flags, and a backend that does nothing for an event costs nothing there. A backend that forgets
 * one of the functions fails to compile ("declared static but never defined").
 *
 * Every mk__be_ function is called outside the guard (hooks.h); a backend takes it (tls.guard, or
 * mk__guard_enter) around any work that may allocate. The layer updates the counters itself, with
 * the byte figures they return. They keep errno as they found it.
 */
#ifndef MEMKIT_INTERPOSE_BACKEND_H
#define MEMKIT_INTERPOSE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "chunk.h"
#include "hooks.h"
#include "../format/raw.h"

/* The layer's per-thread state: the guard (nonzero while the layer or its backend is at work on
 * this thread) and the exact counters (counters.h). Initial-exec TLS, so reading it never calls
 * into the dynamic linker, which could allocate. One per backend translation unit. */
struct mk__layer_tls {
    int guard;
    struct mk__hook_counters c;
};
static __thread struct mk__layer_tls tls;

/* True when a backend's events should be recorded now: the guard is free and the backend set the
 * layer active (hooks.h); initializes the layer on its first call. For backends that record events;
 * defined in exports.inc. */
static inline int mk__layer_want(void);

/* ---- what a backend defines ---- */

/* Once, on the layer's first call or from its constructor, whichever comes first, with the guard
 * held. */
static void mk__be_init(void);

/* The bytes the counters count for the block p just returned for a request of size bytes. */
static inline uint64_t mk__be_bytes(const void *p, size_t size);

/* p (non-NULL, already counted) was just returned for a request of size bytes by function fn
 * (enum mk__raw_fn) from the exported function whose frame (__builtin_frame_address(0)) is frame:
 * its return address and saved rbp are where a stack capture starts. Returns p. */
static inline void *mk__be_alloc(void *p, size_t size, unsigned fn, const void *frame);

/* p (non-NULL) is about to be freed. Returns its bytes for the counters (0 when unknown). */
static inline uint64_t mk__be_free(void *p);

/* realloc(old, size) with old non-NULL: take before the block is handed to glibc (so no other
 * thread can see the address reused while the backend still maps it), done with glibc's result:
 * p != NULL: success; p == NULL && size == 0: old was freed (glibc's realloc(p, 0)); p == NULL &&
 * size > 0: failure, old is untouched. done returns old's bytes for the counters (0: unknown). */
struct mk__be_realloc;
static inline void mk__be_realloc_take(void *old, struct mk__be_realloc *t);
static inline uint64_t mk__be_realloc_done(struct mk__be_realloc *t, void *p, size_t size, const void *frame);

/* _exit or _Exit is about to end the process without running destructors. */
static void mk__be_exit(void);

#endif
