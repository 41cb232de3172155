/* testalloc.h - a heap mk_allocator for unit tests: it counts every call and can be told to fail,
 * so a test can prove what an operation allocates and that a failed grow loses nothing. */
#ifndef MEMKIT_TESTS_TESTALLOC_H
#define MEMKIT_TESTS_TESTALLOC_H

#include <stdbool.h>

#include "memkit/alloc.h"

typedef struct mk_t_counting {
    size_t allocs, resizes, frees; /* successful calls; frees of non-NULL pointers */
    long live;                     /* blocks allocated and not yet freed */
    size_t live_bytes;             /* their bytes, as the callers stated them */
    bool failing;                  /* while set, every alloc and resize returns NULL */
} mk_t_counting;

static inline void *mk_t_c_alloc(void *ctx, size_t size, size_t align) {
    mk_t_counting *c = (mk_t_counting *)ctx;
    if (c->failing) return NULL;
    void *p = mk_heap()->alloc(NULL, size, align);
    if (p) c->allocs++, c->live++, c->live_bytes += size;
    return p;
}

static inline void *mk_t_c_resize(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align) {
    mk_t_counting *c = (mk_t_counting *)ctx;
    if (c->failing) return NULL;
    void *p = mk_heap()->resize(NULL, ptr, old_size, new_size, align);
    if (p) {
        c->resizes++;
        if (!ptr) c->live++;
        c->live_bytes += new_size - old_size;
    }
    return p;
}

static inline void mk_t_c_free(void *ctx, void *ptr, size_t size, size_t align) {
    mk_t_counting *c = (mk_t_counting *)ctx;
    if (ptr) c->frees++, c->live--, c->live_bytes -= size;
    mk_heap()->free(NULL, ptr, size, align);
}

/* Zeroes *c and returns an allocator that counts into it. */
static inline mk_allocator mk_t_counting_allocator(mk_t_counting *c) {
    memset(c, 0, sizeof *c);
    mk_allocator a = {mk_t_c_alloc, mk_t_c_resize, mk_t_c_free, c};
    return a;
}

#endif
