/* counters.h - the exact per-thread allocation counters kept by the malloc interposition layer,
 * shared by the memkit run recorder and libmemkit-count.a, and read by libmemkit's counting API
 * (memkit/count.h) through mk__count_iface (src/lib/count_iface.h).
 *
 * The one design decision to know: the owner thread updates its counters with plain loads and
 * relaxed stores (no atomic read-modify-write, no lock); readers in other threads load them
 * relaxed. A thread's live-byte balance is published to one global atomic only in steps of
 * MK__PUBLISH_STEP bytes, so the process peak costs one shared load per allocation and is exact
 * for a single thread (and within a step per other thread otherwise). The counting path takes
 * about 20 instructions per allocation and 10 per free.
 */
#ifndef MEMKIT_INTERPOSE_COUNTERS_H
#define MEMKIT_INTERPOSE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/count_iface.h"

#define MK__HIDDEN __attribute__((visibility("hidden")))
#define MK__PUBLISH_STEP ((int64_t)64 << 10)
#define MK__WATCH_KEEP 8

struct mk__watch_buf {
    int n;
    struct mk__watch_hit hit[MK__WATCH_KEEP];
};

struct mk__hook_counters {
    uint64_t v[MK__C_N];     /* allocs, frees, reallocs, bytes allocated, bytes freed */
    int64_t unpublished;     /* live bytes not yet added to the global balance */
    uint64_t peak;           /* the highest process balance this thread saw since the last reset */
    uint64_t watch;          /* allocations past this index take the slow path; 0 = not registered */
    struct mk__watch_buf *hits;
    struct mk__hook_counters *next, *prev; /* the registry of live threads */
    int state;               /* 0 new, 1 registered, 2 exited */
    /* The expectations' watch (count_iface.h) and what it keeps: allocs is the plain watch's
     * threshold; bytes and balance count only while ext is set, which sends every allocation to
     * the slow path (watch 0) to test them and keep tmax, the running maximum of the balance. */
    struct mk__watch w;
    int ext;
    int track;               /* block-tracking depth (the counting backend's tracking) */
    int64_t tmax;
};

MK__HIDDEN extern int64_t mk__live_published; /* atomic: the published process balance */

MK__HIDDEN void mk__counters_slow(struct mk__hook_counters *c, uint64_t index, uint64_t bytes);
MK__HIDDEN void mk__counters_publish(struct mk__hook_counters *c);
MK__HIDDEN void mk__counters_init(void);
/* The extended table's entries the layer itself implements (count_iface.h, struct mk__count_ext). */
MK__HIDDEN void mk__counters_watch_set(const struct mk__watch *set, struct mk__watch *prev);
MK__HIDDEN int64_t mk__counters_thread_max(int64_t v);
/* Captures the stack into h->frames: frames[0] is a PC in the caller of this function when skip is
 * 0, skip frames further out otherwise. */
MK__HIDDEN void mk__counters_stack(struct mk__watch_hit *h, int skip);
/* Sets the hot path's threshold after c->w, c->ext or c->track changed. */
MK__HIDDEN void mk__counters_rearm(struct mk__hook_counters *c);

#define MK__SET(x, val) __atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

/* After this thread got a block of bytes: counts it, keeps the peak, and (rarely) registers the
 * thread or captures the stack for an armed expectation. */
static inline void mk__count_alloc(struct mk__hook_counters *c, uint64_t bytes, int realloc_of_block) {
    uint64_t n = c->v[MK__C_ALLOCS] + 1;
    MK__SET(c->v[MK__C_ALLOCS], n);
    MK__SET(c->v[MK__C_BYTES_ALLOC], c->v[MK__C_BYTES_ALLOC] + bytes);
    if (realloc_of_block) MK__SET(c->v[MK__C_REALLOCS], c->v[MK__C_REALLOCS] + 1);
    c->unpublished += (int64_t)bytes;
    if (__builtin_expect(c->unpublished >= MK__PUBLISH_STEP, 0)) mk__counters_publish(c);
    uint64_t live = (uint64_t)(__atomic_load_n(&mk__live_published, __ATOMIC_RELAXED) + c->unpublished);
    /* A reset zeroes peaks from another thread; if it lands between this load and store, the
     * store puts back the current balance, which is a true value of the new window too. */
    if (live > c->peak) MK__SET(c->peak, live);
    if (__builtin_expect(n > c->watch, 0)) mk__counters_slow(c, n, bytes);
}

/* After this thread released a block of bytes (0 when the size is unknown). */
static inline void mk__count_free(struct mk__hook_counters *c, uint64_t bytes) {
    MK__SET(c->v[MK__C_FREES], c->v[MK__C_FREES] + 1);
    MK__SET(c->v[MK__C_BYTES_FREED], c->v[MK__C_BYTES_FREED] + bytes);
    c->unpublished -= (int64_t)bytes;
    if (__builtin_expect(c->unpublished <= -MK__PUBLISH_STEP, 0)) mk__counters_publish(c);
}

/* A realloc replaced a block of old_bytes: the old block's bytes leave the balance (the call is
 * counted by mk__count_alloc with realloc_of_block, not as a free). */
static inline void mk__count_replaced(struct mk__hook_counters *c, uint64_t old_bytes) {
    MK__SET(c->v[MK__C_BYTES_FREED], c->v[MK__C_BYTES_FREED] + old_bytes);
    c->unpublished -= (int64_t)old_bytes;
    if (__builtin_expect(c->unpublished <= -MK__PUBLISH_STEP, 0)) mk__counters_publish(c);
}

#endif
