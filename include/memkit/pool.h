/* memkit/pool.h - mk_pool, fixed-size objects with O(1) alloc and free (a typed arena).
 *
 * Slots are carved from an mk_arena and freed slots go on an intrusive free list, so a pool costs
 * nothing per object beyond rounding the size up to the alignment (and to a pointer, which a free
 * slot holds). mk_pool_reset takes every slot back at once and keeps the memory.
 *
 * In checked builds (the library built without NDEBUG, under AddressSanitizer, or run under
 * Valgrind) alloc and free go through the library, which poisons free slots and reports a double
 * free on stderr before aborting.
 *
 * Thread-safety: a pool is single-owner; use one per thread or lock around it.
 */
#ifndef MEMKIT_POOL_H
#define MEMKIT_POOL_H

#include "arena.h"

MK_EXTERN_C_BEGIN

typedef struct mk_pool {
    void *free_list;    /* fast path: freed slots (always NULL in checked mode) */
    unsigned checked;   /* nonzero: alloc and free go through the library */
    size_t slot_size;   /* bytes per slot: the object size rounded up */
    size_t object_size; /* the size given to mk_pool_init */
    size_t align;
    void *checked_free; /* the free list in checked mode */
    mk_arena arena;     /* where slots are carved */
    unsigned annotate;  /* nonzero: alloc and free are reported (memkit/prof.h) */
} mk_pool;

#define MK_POOL_STATS_VERSION 1u
struct mk_pool_stats {
    unsigned version;   /* MK_POOL_STATS_VERSION */
    size_t object_size; /* the size given to mk_pool_init */
    size_t slot_size;   /* bytes each object takes */
    size_t live;        /* slots handed out and not freed */
    size_t free;        /* freed slots waiting for reuse */
    size_t reserved;    /* bytes of memory owned, chunk headers included */
    size_t chunks;
};

/* Prepares a pool of objects of size bytes at alignment align (a power of two); allocates nothing.
 * backing NULL means the heap. Returns MK_EINVAL for a bad alignment, MK_EOVERFLOW for a size that
 * cannot be rounded up; *p is then zeroed, which mk_pool_destroy accepts. */
MK_API mk_err mk_pool_init(mk_pool *p, size_t size, size_t align, const mk_allocator *backing) MK_NONNULL(1);

/* As mk_pool_init with arena options (chunk sizes, a byte limit) for the memory behind the slots. */
MK_API mk_err mk_pool_init_opts(mk_pool *p, size_t size, size_t align, const mk_arena_opts *opts) MK_NONNULL(1);

/* With on, reports each object handed out and freed to memkit's counting layer and profiler as a
 * block of this pool (memkit/prof.h), and a reset or destroy as all of them given back; alloc and
 * free then go through the library. Call it before the first alloc. Returns whether annotation is
 * on: false when no layer takes annotations (the pool keeps its inline fast path). */
MK_API bool mk_pool_annotate(mk_pool *p, bool on) MK_NONNULL(1);

/* Frees all memory; every object becomes invalid. */
MK_API void mk_pool_destroy(mk_pool *p) MK_NONNULL(1);

/* Every slot back to the pool at once; memory is kept for reuse. */
MK_API void mk_pool_reset(mk_pool *p) MK_NONNULL(1);

MK_API MK_NODISCARD void *mk__pool_alloc_checked(mk_pool *p);
MK_API void mk__pool_free_checked(mk_pool *p, void *obj);

/* An uninitialized slot, valid until freed, reset or destroy; NULL when memory runs out. */
MK_INLINE MK_NODISCARD void *mk_pool_alloc(mk_pool *p) {
    void *s = p->free_list;
    if (MK_LIKELY(s != NULL)) {
        p->free_list = *(void **)s;
        return s;
    }
    if (MK_UNLIKELY(p->checked)) return mk__pool_alloc_checked(p);
    /* Slots are carved back to back from 16-aligned chunk starts and slot_size is a multiple of the
     * alignment, so up to 16 every slot is aligned already: asking for 1 drops the rounding. */
    if (MK_LIKELY(p->align <= 16)) return mk_arena_alloc(&p->arena, p->slot_size, 1);
    return mk_arena_alloc(&p->arena, p->slot_size, p->align);
}

/* Returns obj (from this pool, or NULL for a no-op) to the pool in O(1). */
MK_INLINE void mk_pool_free(mk_pool *p, void *obj) {
    if (MK_UNLIKELY(p->checked)) {
        mk__pool_free_checked(p, obj);
    } else if (obj) {
        *(void **)obj = p->free_list;
        p->free_list = obj;
    }
}

/* Fills *out. Counts free slots by walking the free list: O(free slots). */
MK_API void mk_pool_stats(const mk_pool *p, struct mk_pool_stats *out) MK_NONNULL(1, 2);

/* MK_POOL_DEFINE(name, T) declares a pool type `name` for objects of type T, with
 * name_init(p, backing), name_alloc(p) -> T *, name_free(p, T *), name_reset(p), name_destroy(p). */
#define MK_POOL_DEFINE(name, T)                                                                      \
    typedef struct name { mk_pool pool; } name;                                                     \
    MK_GENERATED mk_err name##_init(name *p, const mk_allocator *backing) {                          \
        return mk_pool_init(&p->pool, sizeof(T), MK_ALIGNOF(T), backing);                           \
    }                                                                                                \
    MK_GENERATED T *name##_alloc(name *p) { return (T *)mk_pool_alloc(&p->pool); }                   \
    MK_GENERATED void name##_free(name *p, T *obj) { mk_pool_free(&p->pool, obj); }                  \
    MK_GENERATED void name##_reset(name *p) { mk_pool_reset(&p->pool); }                             \
    MK_GENERATED void name##_destroy(name *p) { mk_pool_destroy(&p->pool); }

MK_EXTERN_C_END

#endif
