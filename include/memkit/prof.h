/* memkit/prof.h - telling memkit about the blocks of a custom allocator.
 *
 * An allocator that carves blocks out of memory it got elsewhere (an arena, a pool, a slab, a
 * free list) is invisible to anything that watches malloc: the profiler sees one big chunk, and an
 * allocation expectation counts nothing. These calls report the allocator's own blocks, as
 * valgrind's VALGRIND_MALLOCLIKE_BLOCK / FREELIKE_BLOCK / MEMPOOL_* requests and heaptrack's
 * heaptrack_report_alloc do: "this block of N bytes was handed out", "given back", "every block of
 * this pool was given back". The counting layers (libmemkit-count, memkit run, and libmemkit
 * under a sanitizer) count them as allocations and frees, so MK_EXPECT_ALLOCS and friends see arena
 * allocations too; a block reported handed out is counted in addition to the chunk the allocator
 * took from malloc. Under memkit run they are also blocks of the profile, on sites of their own
 * marked "custom allocator", and in its totals (docs/PROFILER.md, "Custom allocators").
 *
 * The one design decision: each macro is one load of a global flag and a predictable branch when
 * no layer takes annotations (mk_prof_active is then 0), so an allocator may leave them in its
 * release build. Use the MK_PROF_ macros; the functions behind them check nothing more.
 *
 * memkit's own mk_arena and mk_pool report their blocks when created with MK_ARENA_ANNOTATE in
 * their options (memkit/arena.h, memkit/pool.h).
 *
 * Thread-safety: every call may be made from any thread; a block may be given back by a thread
 * other than the one that reported it.
 */
#ifndef MEMKIT_PROF_H
#define MEMKIT_PROF_H

#include "base.h"

MK_EXTERN_C_BEGIN

/* Nonzero while a layer in this process takes annotations; set once at start. Read-only. */
MK_API extern int mk_prof_active;

/* ptr (a block of size bytes, in pool when pool is not NULL) was handed out. ptr must not be a
 * block already reported and not yet given back. */
MK_API void mk_prof_alloc(const void *pool, const void *ptr, size_t size);
/* ptr, reported handed out, was given back. A pointer never reported is ignored. */
MK_API void mk_prof_free(const void *pool, const void *ptr);
/* Every block reported in pool was given back at once (an arena reset, a pool destroyed). */
MK_API void mk_prof_pool_reset(const void *pool);

#define MK_PROF_ALLOC(ptr, size) MK_PROF_POOL_ALLOC(NULL, ptr, size)
#define MK_PROF_FREE(ptr) MK_PROF_POOL_FREE(NULL, ptr)
#define MK_PROF_POOL_ALLOC(pool, ptr, size)                                                          \
    do {                                                                                             \
        if (MK_UNLIKELY(mk_prof_active)) mk_prof_alloc((pool), (ptr), (size));                       \
    } while (0)
#define MK_PROF_POOL_FREE(pool, ptr)                                                                 \
    do {                                                                                             \
        if (MK_UNLIKELY(mk_prof_active)) mk_prof_free((pool), (ptr));                                \
    } while (0)
#define MK_PROF_POOL_RESET(pool)                                                                     \
    do {                                                                                             \
        if (MK_UNLIKELY(mk_prof_active)) mk_prof_pool_reset(pool);                                   \
    } while (0)

MK_EXTERN_C_END

#endif
