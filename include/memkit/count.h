/* memkit/count.h - in-process allocation counting, per-request windows and regions, and allocation
 * assertions for tests.
 *
 * The counters live in a counting layer. Three can be present:
 *   - libmemkit-count.a (`pkg-config --libs memkit-count`, CMake `memkit::count`): interposes the
 *     malloc family from the program's own executable;
 *   - `memkit run`, whose preloaded recorder keeps the same counters;
 *   - a sanitizer (AddressSanitizer, ThreadSanitizer, MemorySanitizer) that owns malloc:
 *     libmemkit counts through the sanitizer's allocation hooks by itself, so link libmemkit
 *     alone there (libmemkit-count.a would hide the heap from the sanitizer).
 * Without any, mk_count_available() is false, every figure reads 0, and every expectation fails
 * with the reason (unless the test opted out: MK_COUNT_SKIP_IF_UNAVAILABLE).
 *
 * The one design decision to know: counting is per thread with plain stores (no atomic
 * read-modify-write, no lock). Process totals add up every thread's counters when asked; the
 * process peak is exact for a single-threaded program and, with several threads, may miss up to
 * 64 KiB per other thread (under libmemkit-count and memkit run each thread publishes its balance
 * in steps of that size).
 *
 * Bytes are the requested sizes in every layer (malloc(77) counts 77; a zero-byte request counts
 * 1, as in valgrind's DHAT), for blocks allocated and blocks freed alike.
 *
 * Thread-safety: every function may be called from any thread. Expectations are per thread
 * (each thread has its own nesting) unless marked all-threads.
 */
#ifndef MEMKIT_COUNT_H
#define MEMKIT_COUNT_H

#include "base.h"

MK_EXTERN_C_BEGIN

#define MK_COUNT_STATS_VERSION 2u
struct mk_count_stats {
    unsigned version;        /* MK_COUNT_STATS_VERSION */
    /* Calls that returned a block: malloc, calloc, realloc, reallocarray, memalign, aligned_alloc,
     * posix_memalign, valloc, pvalloc, C++ new (it calls malloc), and blocks a custom allocator
     * reported (memkit/prof.h). Under a sanitizer a realloc that returned a block counts here once
     * and its old block once in frees (the sanitizer's hooks see a new block and a free). */
    uint64_t allocs;
    uint64_t frees;          /* free calls on non-NULL pointers, and blocks reported given back */
    /* realloc calls that returned a block (also counted in allocs); always 0 under a sanitizer. */
    uint64_t reallocs;
    /* The requested sizes of the blocks counted in allocs, in every layer. */
    uint64_t bytes_allocated;
    /* The requested sizes of the blocks freed (and of blocks a realloc replaced), in every layer;
     * under memkit run a block allocated before the recorder started counts 0. */
    uint64_t bytes_freed;
    int64_t live_blocks;     /* allocs - frees - reallocs (a realloc replaces a block); may be negative
                              * for a thread that frees blocks other threads allocated */
    int64_t live_bytes;      /* bytes_allocated - bytes_freed, likewise */
    uint64_t peak_live_bytes; /* process: the highest live_bytes in the window; thread: 0 */
};

/* True when a counting layer is present in this process and counting works. */
MK_API bool mk_count_available(void);

/* Which layer counts: "libmemkit-count", "memkit run", "sanitizer hooks", or "" when none. */
MK_API const char *mk_count_provider(void);

/* Why counting is not available, e.g. "no counting layer: link with libmemkit-count.a or run under
 * memkit run"; when it is available, what it misses ("" when nothing: under ThreadSanitizer,
 * whose hooks never see the aligned allocation functions, it names them). A static string. */
MK_API const char *mk_count_unavailable_reason(void);

/* Process totals since the last mk_count_reset (or since start). */
MK_API void mk_count_stats(struct mk_count_stats *out) MK_NONNULL(1);

/* The calling thread's share since it last called mk_count_reset (or since it started): a reset
 * restarts the process window and the caller's own window, never another thread's. */
MK_API void mk_count_thread_stats(struct mk_count_stats *out) MK_NONNULL(1);

/* Starts a new window for the process totals and the calling thread's share: later stats count
 * from here. */
MK_API void mk_count_reset(void);

/* A region: what the calling thread allocated between begin and end. Regions nest freely and
 * allocate nothing. */
typedef struct mk_count_region {
    uint64_t allocs, frees, reallocs, bytes_allocated, bytes_freed;
} mk_count_region;

MK_API void mk_count_region_begin(mk_count_region *r) MK_NONNULL(1);
/* Fills *delta (the thread's counts since begin; peak_live_bytes = 0). r stays valid for another end. */
MK_API void mk_count_region_end(const mk_count_region *r, struct mk_count_stats *delta) MK_NONNULL(1, 2);

/* ---- assertions for tests ----
 *
 *   MK_EXPECT_ALLOCS(max, { code })   at most max allocations in code
 *   MK_EXPECT_NO_ALLOCS({ code })     none
 *   MK_EXPECT_BYTES(max, { code })    at most max bytes requested in code
 *   MK_EXPECT_NO_LEAKS({ code })      every block allocated in code is freed in code (by any thread)
 *   MK_EXPECT_PEAK(max, { code })     live bytes rise at most max above their level at the start
 * each with an MK_ASSERT_ twin, and MK_EXPECT_ALLOCS_ALL_THREADS / MK_EXPECT_BYTES_ALL_THREADS
 * (and their MK_ASSERT_ twins) that count every thread of the process.
 *
 * Scope: the calling thread, so other threads' allocations never fail a test by accident. The
 * all-threads forms count the process totals between the start and the end of the block, every
 * thread's (exited threads included): they suit code that hands work to a pool, and count whatever
 * else the process's other threads did meanwhile. Stacks are shown for the calling thread's
 * allocations only.
 *
 * A failure prints to stderr "file:line: MK_EXPECT_ALLOCS: expected at most N allocations, got M",
 * then the symbolized stacks (function and file:line, through addr2line when it is on PATH, else
 * dladdr's symbol names) of the offending allocations: those past the limit, or for NO_LEAKS the
 * blocks still live, or for PEAK those that raised the peak past the limit (at most 8 of each).
 * MK_ASSERT_* then calls abort(). MK_EXPECT_* carries on; the failure is counted, and a process
 * with a failed expectation that exits with status 0 exits with status 1 instead (an exit handler,
 * registered at start so that it runs after the program's own: it prints a line, flushes stdio,
 * runs LeakSanitizer's check when present, and calls _exit(1); destructors of the program's
 * libraries do not run then). A harness that counts failures itself takes them over with
 * mk_count_expect_take_failures(), after which they no longer change the exit status. _exit,
 * abort and signals bypass the exit handler.
 *
 * When counting is unavailable an expectation fails with the reason, unless the translation unit
 * defines MK_COUNT_SKIP_IF_UNAVAILABLE before including this header (or the process called
 * mk_count_skip_if_unavailable(true)): then it prints "skipped" with the reason and passes.
 *
 * The block: `break`, `continue` and `return` leave it early and the check still runs (a return
 * runs it as the block is left, through the cleanup attribute of GCC and Clang); longjmp out of
 * the block skips the check and leaves the thread's watch armed. Expectations nest freely, mixing
 * kinds and scopes; a failure report's own allocations are not counted. In a signal handler an
 * expectation counts what the handler allocates (and so does an expectation the handler
 * interrupted, on the same thread); checking is async-signal-safe, a failure report is not (it
 * uses stdio and may allocate). After fork both processes finish the block, each counting its own
 * copy of the thread, and the child starts with no failures of its own.
 */

enum mk_count_what { MK_COUNT_ALLOCS = 1, MK_COUNT_BYTES = 2, MK_COUNT_LEAKS = 3, MK_COUNT_PEAK = 4 };
#define MK_COUNT_F_ALL_THREADS 1u  /* count every thread (ALLOCS and BYTES only) */
#define MK_COUNT_F_ASSERT 2u       /* abort() on failure */
#define MK_COUNT_F_SKIP 4u         /* pass (saying so) when counting is unavailable */

/* An expectation in progress. Its fields are the macros' business and may change. */
typedef struct mk_count_expect {
    int what;
    unsigned flags;
    uint64_t max;
    const char *file;
    int line;
    int done;
    int state;               /* 0 counting, 1 unavailable, 2 invalid request */
    uint64_t base[5];        /* counters at the start (the thread's, or the process's) */
    uint64_t t_allocs, t_bytes; /* the thread's counters at the start */
    int64_t t_balance;
    uint64_t prev_watch[3];  /* the enclosing expectation's watch, restored at the end */
    int64_t prev_max;        /* the enclosing running maximum, restored at the end */
    int watched, tracked;
} mk_count_expect;

/* Starts an expectation (see above); what is an mk_count_what, flags MK_COUNT_F_*. Never fails:
 * a request that cannot be checked (unavailable counting, PEAK with all threads) fails at the end. */
MK_API mk_count_expect mk_count_expect_begin(int what, unsigned flags, uint64_t max, const char *file, int line);
/* Ends the expectation: returns true when it held (or was skipped); else reports as described
 * above and returns false, or aborts for MK_COUNT_F_ASSERT. A second call does nothing and
 * returns true. */
MK_API bool mk_count_expect_end(mk_count_expect *e) MK_NONNULL(1);
/* The cleanup function of the macros' variable: ends e if the block was left early. */
MK_API void mk__count_expect_cleanup(mk_count_expect *e) MK_NONNULL(1);

/* How many expectations have failed in this process (taken over or not). */
MK_API uint64_t mk_count_expect_failures(void);
/* Failures since the last call, which from now on no longer change the process's exit status:
 * for a harness that fails the current test itself. Thread-safe. */
MK_API uint64_t mk_count_expect_take_failures(void);
/* Makes expectations in this process pass (saying so on stderr) when counting is unavailable,
 * as MK_COUNT_SKIP_IF_UNAVAILABLE does for one translation unit. */
MK_API void mk_count_skip_if_unavailable(bool skip);

#ifdef MK_COUNT_SKIP_IF_UNAVAILABLE
#define MK__COUNT_FLAGS MK_COUNT_F_SKIP
#else
#define MK__COUNT_FLAGS 0u
#endif

#define MK__COUNT_CAT2(a, b) a##b
#define MK__COUNT_CAT(a, b) MK__COUNT_CAT2(a, b)
#if defined(__GNUC__)
#define MK__COUNT_CLEANUP __attribute__((cleanup(mk__count_expect_cleanup)))
#else
#define MK__COUNT_CLEANUP
#endif
#define MK__COUNT_RUN(v, what, flags, max, ...)                                                     \
    for (mk_count_expect v MK__COUNT_CLEANUP =                                                     \
             mk_count_expect_begin((what), (flags) | MK__COUNT_FLAGS, (max), __FILE__, __LINE__);  \
         !v.done; (void)mk_count_expect_end(&v))                                                    \
        do __VA_ARGS__ while (0)
#define MK__COUNT_EXPECT(what, flags, max, ...) \
    MK__COUNT_RUN(MK__COUNT_CAT(mk__expect_, __COUNTER__), what, flags, max, __VA_ARGS__)

#define MK_EXPECT_ALLOCS(max, ...) MK__COUNT_EXPECT(MK_COUNT_ALLOCS, 0u, max, __VA_ARGS__)
#define MK_EXPECT_NO_ALLOCS(...) MK__COUNT_EXPECT(MK_COUNT_ALLOCS, 0u, 0, __VA_ARGS__)
#define MK_EXPECT_BYTES(max, ...) MK__COUNT_EXPECT(MK_COUNT_BYTES, 0u, max, __VA_ARGS__)
#define MK_EXPECT_NO_LEAKS(...) MK__COUNT_EXPECT(MK_COUNT_LEAKS, 0u, 0, __VA_ARGS__)
#define MK_EXPECT_PEAK(max, ...) MK__COUNT_EXPECT(MK_COUNT_PEAK, 0u, max, __VA_ARGS__)
#define MK_EXPECT_ALLOCS_ALL_THREADS(max, ...) \
    MK__COUNT_EXPECT(MK_COUNT_ALLOCS, MK_COUNT_F_ALL_THREADS, max, __VA_ARGS__)
#define MK_EXPECT_BYTES_ALL_THREADS(max, ...) \
    MK__COUNT_EXPECT(MK_COUNT_BYTES, MK_COUNT_F_ALL_THREADS, max, __VA_ARGS__)

#define MK_ASSERT_ALLOCS(max, ...) MK__COUNT_EXPECT(MK_COUNT_ALLOCS, MK_COUNT_F_ASSERT, max, __VA_ARGS__)
#define MK_ASSERT_NO_ALLOCS(...) MK__COUNT_EXPECT(MK_COUNT_ALLOCS, MK_COUNT_F_ASSERT, 0, __VA_ARGS__)
#define MK_ASSERT_BYTES(max, ...) MK__COUNT_EXPECT(MK_COUNT_BYTES, MK_COUNT_F_ASSERT, max, __VA_ARGS__)
#define MK_ASSERT_NO_LEAKS(...) MK__COUNT_EXPECT(MK_COUNT_LEAKS, MK_COUNT_F_ASSERT, 0, __VA_ARGS__)
#define MK_ASSERT_PEAK(max, ...) MK__COUNT_EXPECT(MK_COUNT_PEAK, MK_COUNT_F_ASSERT, max, __VA_ARGS__)
#define MK_ASSERT_ALLOCS_ALL_THREADS(max, ...) \
    MK__COUNT_EXPECT(MK_COUNT_ALLOCS, MK_COUNT_F_ASSERT | MK_COUNT_F_ALL_THREADS, max, __VA_ARGS__)
#define MK_ASSERT_BYTES_ALL_THREADS(max, ...) \
    MK__COUNT_EXPECT(MK_COUNT_BYTES, MK_COUNT_F_ASSERT | MK_COUNT_F_ALL_THREADS, max, __VA_ARGS__)

MK_EXTERN_C_END

#endif
