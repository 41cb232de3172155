/* hooks.c - libmemkit-count: the interposition layer (src/interpose/backend.h) with the counting
 * backend, for programs that link memkit/count.h's counting into their own executable.
 *
 * The layer's per-thread counters are all that counting needs, so this backend records no event:
 * it keeps no table of sizes and counts what glibc's chunk header says a block holds (its usable
 * size), the one figure it can read again at free. Built without frame pointers (the unwinder reads
 * CFI), so a hook costs a call and a few stores.
 */
#define _GNU_SOURCE
#include "../interpose/backend.h"

const char mk__backend_name[] = "libmemkit-count";

struct mk__be_realloc {
    uint64_t old_bytes;
};

static void mk__be_init(void) {} /* the counters (initialized by the layer) are the whole state */

static inline uint64_t mk__be_bytes(const void *p, size_t size) {
    (void)size;
    return mk__chunk_usable((uintptr_t)p);
}

static inline void *mk__be_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    (void)size, (void)fn, (void)frame;
    return p;
}

static inline uint64_t mk__be_free(void *p) { return mk__chunk_usable((uintptr_t)p); }

static inline void mk__be_realloc_take(void *old, struct mk__be_realloc *t) { t->old_bytes = mk__chunk_usable((uintptr_t)old); }

static inline uint64_t mk__be_realloc_done(struct mk__be_realloc *t, void *p, size_t size, const void *frame) {
    (void)p, (void)size, (void)frame;
    return t->old_bytes;
}

static void mk__be_exit(void) {} /* nothing is written at exit */

#include "../interpose/exports.inc"
