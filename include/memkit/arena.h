/* memkit/arena.h - mk_arena, a bump allocator with reset and mark/rewind.
 *
 * Allocation bumps a pointer through a chain of chunks; nothing is freed one by one. mk_arena_reset
 * keeps every chunk, so a program that fills and resets an arena per request (or per frame) touches
 * the same pages every round and faults nothing in after the first. Allocations bump upwards so the
 * newest one can grow in place (mk_arena_resize_last), which is how a vector built in an arena
 * extends without copying.
 *
 * The one design decision to know: the inline fast path compares against a->end, and whenever the
 * library tracks memory for AddressSanitizer or Valgrind it keeps that limit at zero, so every
 * allocation takes the slow path in arena.c, which unpoisons what it hands out. Headers stay free of
 * sanitizer calls and the uninstrumented fast path pays nothing for them.
 *
 * Thread-safety: an arena is single-owner; use one per thread or lock around it.
 */
#ifndef MEMKIT_ARENA_H
#define MEMKIT_ARENA_H

#include <string.h>

#include "alloc.h"
#include "error.h"

MK_EXTERN_C_BEGIN

typedef struct mk_arena_chunk mk_arena_chunk;

/* Options for mk_arena_init; zero fields take the defaults. */
typedef struct mk_arena_opts {
    size_t first_chunk;          /* bytes of the first chunk, header included (default 4096) */
    size_t max_chunk;            /* chunks double up to this size (default 64 MiB) */
    size_t limit;                /* at most this many bytes of chunks in all; 0 = no limit */
    const mk_allocator *backing; /* where chunks come from; NULL = the C heap */
} mk_arena_opts;

typedef struct mk_arena {
    char *ptr;                   /* fast path: next free byte */
    char *end;                   /* fast path: limit (0 while the library tracks memory) */
    mk_arena_chunk *chunk;       /* the chunk being filled; NULL before the first allocation */
    mk_arena_chunk *first;       /* the oldest chunk: reset starts again here */
    char *pos;                   /* next free byte while tracking (ptr/end are then 0) */
    size_t used;                 /* bytes handed out, as requested */
    size_t tails;                /* bytes left behind at the ends of chunks this round */
    size_t reserved;             /* bytes of chunks owned, headers included */
    size_t nchunks;              /* chunks owned */
    size_t next_size, max_chunk, limit;
    const mk_allocator *backing;
    unsigned tracking;           /* nonzero: poison/unpoison through the slow path */
    unsigned annotate;           /* nonzero: report each allocation (memkit/prof.h), slow path */
} mk_arena;

/* A position to rewind to. Valid until the arena is reset or destroyed. */
typedef struct mk_arena_pos {
    mk_arena_chunk *chunk;
    char *pos;
    size_t used, tails;
} mk_arena_pos;

#define MK_ARENA_STATS_VERSION 1u
struct mk_arena_stats {
    unsigned version;            /* MK_ARENA_STATS_VERSION */
    size_t used;                 /* bytes handed out since the last reset, as requested */
    size_t reserved;             /* bytes of chunk memory owned, headers included */
    size_t chunks;               /* chunks owned */
    size_t wasted_align;         /* bytes skipped to align allocations */
    size_t wasted_tail;          /* bytes left unused at the ends of filled chunks */
};

/* Prepares an empty arena; allocates nothing. opts may be NULL. Returns MK_EINVAL when a size in
 * opts is unusable (max_chunk < first_chunk); *a is then zeroed, which mk_arena_destroy accepts. */
MK_API mk_err mk_arena_init(mk_arena *a, const mk_arena_opts *opts) MK_NONNULL(1);

/* Prepares an arena whose first chunk is the caller's buffer buf[0..cap) (any alignment; about 32
 * bytes of it hold a chunk header). The buffer is never freed and must outlive the arena; more
 * chunks come from the heap when it fills. */
MK_API void mk_arena_init_buf(mk_arena *a, void *buf, size_t cap) MK_NONNULL(1);

/* MK_ARENA_ANNOTATE: with on, reports each later allocation to memkit's counting layer and
 * profiler as a block of this arena (memkit/prof.h), and a reset or destroy as all of them given
 * back; a rewind reports nothing (its blocks stay counted until the next reset). Every allocation
 * then takes the slow path. Returns whether annotation is on: false when no layer takes
 * annotations (the arena stays as fast as before). */
MK_API bool mk_arena_annotate(mk_arena *a, bool on) MK_NONNULL(1);

/* Frees every chunk the arena allocated. The arena may be initialized again afterwards. */
MK_API void mk_arena_destroy(mk_arena *a) MK_NONNULL(1);

MK_API MK_NODISCARD void *mk__arena_alloc_slow(mk_arena *a, size_t size, size_t align);

/* size bytes aligned to align (a power of two), valid until the next reset, rewind past it or
 * destroy. NULL when align is not a power of two, the byte limit is reached or the backing
 * allocator fails. size 0 returns a valid (non-NULL) pointer. The fast path is a few instructions. */
MK_INLINE MK_NODISCARD void *mk_arena_alloc(mk_arena *a, size_t size, size_t align) {
    uintptr_t cur = (uintptr_t)a->ptr, end = (uintptr_t)a->end;
    uintptr_t p = (cur + (align - 1)) & ~(uintptr_t)(align - 1);
    /* Chunk ends are 16-aligned, so rounding up to align <= 16 never passes the end. */
    if (MK_LIKELY(mk_is_pow2(align) && (align <= 16 || p <= end) && size - 1 < end - p)) {
        a->ptr = (char *)(p + size);
        a->used += size;
        return (void *)p;
    }
    return mk__arena_alloc_slow(a, size, align);
}

/* As mk_arena_alloc, with the bytes zeroed. */
MK_INLINE MK_NODISCARD void *mk_arena_zalloc(mk_arena *a, size_t size, size_t align) {
    void *p = mk_arena_alloc(a, size, align);
    if (p) memset(p, 0, size);
    return p;
}

/* n elements of elem_size; NULL when n * elem_size overflows or allocation fails. */
MK_INLINE MK_NODISCARD void *mk_arena_alloc_array(mk_arena *a, size_t n, size_t elem_size, size_t align) {
    size_t size;
    if (!mk_mul_size(n, elem_size, &size)) return NULL;
    return mk_arena_alloc(a, size, align);
}

#ifdef __cplusplus
#define MK_ALIGNOF(T) alignof(T)
#else
#define MK_ALIGNOF(T) _Alignof(T)
#endif

/* One T, or n of them (overflow-checked), uninitialized; NULL on failure. */
#define MK_ARENA_NEW(a, T) ((T *)mk_arena_alloc((a), sizeof(T), MK_ALIGNOF(T)))
#define MK_ARENA_NEW_ARRAY(a, T, n) ((T *)mk_arena_alloc_array((a), (n), sizeof(T), MK_ALIGNOF(T)))

/* Copies into the arena: n bytes; a NUL-terminated string; at most n bytes of s plus a NUL.
 * NULL on failure. The copies live as long as any arena allocation. */
MK_API MK_NODISCARD void *mk_arena_memdup(mk_arena *a, const void *src, size_t n) MK_NONNULL(1);
MK_API MK_NODISCARD char *mk_arena_strdup(mk_arena *a, const char *s) MK_NONNULL(1, 2);
MK_API MK_NODISCARD char *mk_arena_strndup(mk_arena *a, const char *s, size_t n) MK_NONNULL(1, 2);

/* Grows or shrinks ptr, which must be the newest allocation and old bytes long, to new bytes in
 * place. Returns true on success; false (ptr untouched) when ptr is not the newest allocation or
 * the current chunk has no room. */
MK_API bool mk_arena_resize_last(mk_arena *a, void *ptr, size_t old_size, size_t new_size) MK_NONNULL(1);

/* The current position, and a rewind to it: everything allocated after the mark is released (the
 * chunks stay for reuse). Rewinding to a mark taken before a reset is undefined. */
MK_API mk_arena_pos mk_arena_mark(const mk_arena *a) MK_NONNULL(1);
MK_API void mk_arena_rewind(mk_arena *a, mk_arena_pos mark) MK_NONNULL(1);

/* Releases every allocation and keeps every chunk, so refilling faults nothing in. */
MK_API void mk_arena_reset(mk_arena *a) MK_NONNULL(1);

/* Releases every allocation and gives memory back down to one chunk (the largest). */
MK_API void mk_arena_trim(mk_arena *a) MK_NONNULL(1);

/* Fills *out (out->version = MK_ARENA_STATS_VERSION). Walks the chunk chain. */
MK_API void mk_arena_stats(const mk_arena *a, struct mk_arena_stats *out) MK_NONNULL(1, 2);

/* An mk_allocator over the arena: alloc bumps, resize grows the newest block in place or copies,
 * free releases only the newest block (others wait for reset). Valid while a lives. */
MK_API mk_allocator mk_arena_allocator(mk_arena *a) MK_NONNULL(1);

MK_EXTERN_C_END

#endif
