/* hooks.c - the recorder as a backend of the interposition layer (src/interpose/backend.h): the
 * layer's exported malloc family is compiled into this file, with the recorder's event functions
 * and its sampled fast path (fast.h) inlined into it.
 *
 * Each event enters the guard around the recorder's work (record.c), so whatever it allocates is
 * forwarded untracked. The sampled recorder's common case (fast.h) runs inline under the guard;
 * anything else takes one noinline call into record.c.
 */
#define _GNU_SOURCE
#include "../interpose/backend.h"

#include <errno.h>

#include "fast.h"
#include "../lib/count_iface.h"
#include "record.h"

const char mk__backend_name[] = "memkit run";

struct mk__be_realloc {
    struct mk__realloc_tok tok;
    int tracked;
};

static void mk__be_init(void) { mk__backend_init(); }

/* A zero-byte block counts one byte (DHAT), as the recorder reports at free. */
static inline uint64_t mk__be_bytes(const void *p, size_t size) {
    (void)p;
    return size ? size : 1;
}

static __attribute__((noinline)) void *after_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    tls.guard++;
    mk__on_alloc(p, size, fn, frame);
    tls.guard--;
    return p;
}

static inline int fast_alloc(void *p, size_t size) {
    tls.guard = 1; /* it was 0: the layer checked */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    int done = mk__fast_alloc(p, size);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tls.guard = 0;
    return done;
}

/* malloc's unsampled blocks take the inline path; every other function's the full one. */
static inline void *mk__be_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    if (!mk__layer_want() || (fn == MK_FN_MALLOC && fast_alloc(p, size))) return p;
    return after_alloc(p, size, fn, frame);
}

static inline uint64_t mk__be_free(void *p) {
    if (!mk__layer_want()) return 0;
    tls.guard++;
    uint64_t bytes = mk__fast_free(p);
    if (!bytes) bytes = mk__on_free(p);
    tls.guard--;
    return bytes;
}

static inline void mk__be_realloc_take(void *old, struct mk__be_realloc *t) {
    t->tracked = mk__layer_want();
    if (!t->tracked) return;
    tls.guard++;
    mk__realloc_take(old, &t->tok);
    tls.guard--;
}

static inline uint64_t mk__be_realloc_done(struct mk__be_realloc *t, void *p, size_t size, const void *frame) {
    if (!t->tracked) return 0; /* only the recorder knows the old size */
    int saved = errno;
    tls.guard++;
    size_t old_size = mk__realloc_done(&t->tok, p, size, frame);
    tls.guard--;
    errno = saved;
    return old_size;
}

static void mk__be_exit(void) { mk__rec_quick_exit(); }

#include "../interpose/exports.inc"

/* ---- the extended counting table: the layer's watches, and custom allocators' blocks ----
 *
 * A strong mk__count_ext overrides the layer's weak one (counters.c), adding annotate: a block a
 * custom allocator reports (memkit/prof.h) is recorded as a block of its own site (record.c,
 * "custom allocators") and counted in the thread's counters as libmemkit-count counts it, so an
 * expectation under memkit run counts arena allocations too. malloc and free never come here. */

static void rec_pause(int delta) {
    if (delta > 0) mk__guard_enter();
    else mk__guard_leave();
}

static __attribute__((noinline)) void rec_annotate(int kind, const void *pool, const void *ptr, uint64_t size) {
    /* A live entry keeps 48 bits of size: a larger claim is no block any allocator hands out. */
    if ((kind == MK__ANN_ALLOC && size >> 48) || !mk__layer_want()) return;
    struct mk__hook_counters *c = &tls.c;
    uint64_t bytes, blocks = 1;
    tls.guard++;
    if (kind == MK__ANN_ALLOC) {
        bytes = size ? size : 1;
        mk__on_custom_alloc(pool, ptr, size, __builtin_frame_address(0));
    } else if (kind == MK__ANN_FREE) {
        bytes = mk__on_custom_free(ptr);
        blocks = bytes != 0;
    } else if (kind == MK__ANN_RESET) {
        bytes = mk__on_custom_reset(pool, &blocks);
    } else {
        blocks = bytes = 0;
    }
    tls.guard--;
    if (kind == MK__ANN_ALLOC) mk__count_alloc(c, bytes, 0);
    else
        for (uint64_t i = 0; i < blocks; i++) mk__count_free(c, i ? 0 : bytes);
}

static const struct mk__count_ext rec_ext = {
    .version = MK__COUNT_EXT_VERSION,
    .watch_set = mk__counters_watch_set,
    .thread_max = mk__counters_thread_max,
    .pause = rec_pause,
    .annotate = rec_annotate,
};

__attribute__((visibility("default"))) const struct mk__count_ext *mk__count_ext(void) { return &rec_ext; }
