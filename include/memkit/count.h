/* memkit/count.h - in-process allocation counting, per-request windows and regions, and allocation
 * assertions for tests.
 *
 * The counters live in the layer that interposes the malloc family: link the program with
 * libmemkit-count.a (`pkg-config --libs memkit-count`), or run it under `memkit run`, whose recorder
 * keeps the same counters. Without either, mk_count_available() is false and every figure reads 0.
 * Under AddressSanitizer (or any sanitizer that owns malloc) the counting layer steps aside and says
 * so through mk_count_unavailable_reason().
 *
 * The one design decision to know: counting is per thread with plain stores (no atomic
 * read-modify-write, no lock), so a malloc/free pair costs about a nanosecond more. Process totals
 * add up every thread's counters when asked; the process peak is exact for a single-threaded
 * program and, with several threads, may miss up to 64 KiB per other thread (each thread publishes
 * its live-byte balance in steps of that size).
 *
 * Bytes: under libmemkit-count they are malloc_usable_size of each block (what the heap handed
 * out, so that frees, whose size C does not pass, balance allocations); under `memkit run` they are
 * the requested sizes, which the recorder knows for every block.
 *
 * Global state: one window base for mk_count_reset (process-wide, guarded by a lock), and each
 * thread's own base (thread-local).
 * Thread-safety: every function may be called from any thread.
 */
#ifndef MEMKIT_COUNT_H
#define MEMKIT_COUNT_H

#include "base.h"

MK_EXTERN_C_BEGIN

#define MK_COUNT_STATS_VERSION 1u
struct mk_count_stats {
    unsigned version;        /* MK_COUNT_STATS_VERSION */
    uint64_t allocs;         /* calls that returned a block (malloc, calloc, realloc, memalign...) */
    uint64_t frees;          /* free calls on non-NULL pointers */
    uint64_t reallocs;       /* realloc calls that returned a block (also counted in allocs) */
    uint64_t bytes_allocated;
    uint64_t bytes_freed;
    int64_t live_blocks;     /* allocs - frees - reallocs (a realloc replaces a block); may be negative
                              * for a thread that frees blocks other threads allocated */
    int64_t live_bytes;      /* bytes_allocated - bytes_freed, likewise */
    uint64_t peak_live_bytes; /* process: the highest live_bytes in the window; thread: 0 */
};

/* True when a counting layer is present in this process (libmemkit-count linked in, or the
 * memkit run recorder preloaded) and counting works. */
MK_API bool mk_count_available(void);

/* Why counting is not available ("" when it is): e.g. "not linked with libmemkit-count and not run
 * under memkit run", or "AddressSanitizer owns malloc in this build". A static string. */
MK_API const char *mk_count_unavailable_reason(void);

/* Process totals since the last mk_count_reset (or since start). */
MK_API void mk_count_stats(struct mk_count_stats *out) MK_NONNULL(1);

/* The calling thread's share since it last called mk_count_reset (or since it started): a reset
 * restarts the process window and the caller's own window, never another thread's. */
MK_API void mk_count_thread_stats(struct mk_count_stats *out) MK_NONNULL(1);

/* Starts a new window for the process totals and the calling thread's share: later stats count
 * from here (the seed's per-request reset_stats). */
MK_API void mk_count_reset(void);

/* A region: what the calling thread allocated between begin and end. Regions nest freely and
 * allocate nothing. */
typedef struct mk_count_region {
    uint64_t allocs, frees, reallocs, bytes_allocated, bytes_freed;
} mk_count_region;

MK_API void mk_count_region_begin(mk_count_region *r) MK_NONNULL(1);
/* Fills *delta (the thread's counts since begin; peak_live_bytes = 0). r stays valid for another end. */
MK_API void mk_count_region_end(const mk_count_region *r, struct mk_count_stats *delta) MK_NONNULL(1, 2);

/* ---- assertions for tests ---- */

/* An expectation in progress; see MK_EXPECT_ALLOCS. */
typedef struct mk_count_expect {
    mk_count_region region;
    uint64_t max;
    const char *file;
    int line;
    int done;
    uint64_t prev_threshold; /* the enclosing expectation's watch, restored at the end */
} mk_count_expect;

MK_API mk_count_expect mk_count_expect_begin(uint64_t max, const char *file, int line);
/* Ends the expectation. Returns true when the block made at most max allocations; otherwise prints
 * to stderr "file:line: expected at most N allocations, got M" and the call stack of each
 * allocation past the limit (captured only once the limit was passed), and returns false. When
 * counting is unavailable it prints nothing and returns true (see mk_count_available). */
MK_API bool mk_count_expect_end(mk_count_expect *e) MK_NONNULL(1);

/* How many expectations have failed in this process (so a test harness can fail the test). */
MK_API uint64_t mk_count_expect_failures(void);

/* MK_EXPECT_ALLOCS(max, { code }) runs code once and checks that the calling thread made at most
 * max allocations in it; MK_EXPECT_NO_ALLOCS({ code }) is max = 0. Failures are reported as
 * mk_count_expect_end says and counted by mk_count_expect_failures(). Do not `return` or `break`
 * out of the block (the check would be skipped). */
#define MK_EXPECT_ALLOCS(max, ...)                                                                  \
    for (mk_count_expect mk__expect = mk_count_expect_begin((max), __FILE__, __LINE__);             \
         !mk__expect.done; (void)mk_count_expect_end(&mk__expect))                                  \
    __VA_ARGS__
#define MK_EXPECT_NO_ALLOCS(...) MK_EXPECT_ALLOCS(0, __VA_ARGS__)

MK_EXTERN_C_END

#endif
