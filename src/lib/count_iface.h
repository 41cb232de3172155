/* count_iface.h - what a counting layer offers libmemkit's counting API (memkit/count.h).
 * Internal; never installed.
 *
 * Two kinds of layer fill this table: the malloc interposition layer (libmemkit-count.a, or the
 * memkit run recorder), which exports mk__count_iface() and is found through a weak reference
 * (static linking) or dlsym (a preloaded recorder); and libmemkit's own sanitizer layer
 * (count_san.c), which counts through the allocation hooks of AddressSanitizer, ThreadSanitizer,
 * MemorySanitizer and LeakSanitizer when one of them owns malloc. The library itself never
 * depends on a layer being present.
 */
#ifndef MEMKIT_COUNT_IFACE_H
#define MEMKIT_COUNT_IFACE_H

#include <stdint.h>

#define MK__COUNT_IFACE_VERSION 1u
#define MK__COUNT_EXT_VERSION 1u

/* Counters in this order: allocs, frees, reallocs, bytes_allocated, bytes_freed. */
enum { MK__C_ALLOCS, MK__C_FREES, MK__C_REALLOCS, MK__C_BYTES_ALLOC, MK__C_BYTES_FREED, MK__C_N };

/* One allocation a watch (or block tracking) caught: its index in the thread's allocation count and
 * its stack; layers with the extended table also fill the thread's bytes allocated and live
 * balance right after it, and its own size. */
#define MK__WATCH_FRAMES 16
struct mk__watch_hit {
    uint64_t index;
    int nframes;
    void *frames[MK__WATCH_FRAMES];
    uint64_t bytes_after;   /* thread's bytes_allocated counter after this allocation */
    int64_t balance_after;  /* thread's bytes_allocated - bytes_freed after it */
    uint64_t size;          /* this allocation's bytes */
};

/* Thresholds of an extended watch: an allocation is captured when, after counting it, the thread's
 * allocation count exceeds allocs, or its bytes allocated exceed bytes, or its live balance exceeds
 * balance. UINT64_MAX / INT64_MAX disarm a threshold. */
struct mk__watch {
    uint64_t allocs;
    uint64_t bytes;
    int64_t balance;
};

struct mk__count_iface {
    unsigned version;          /* MK__COUNT_IFACE_VERSION */
    const char *provider;      /* "libmemkit-count", "memkit run" or "sanitizer hooks" */
    const char *unavailable;   /* NULL when counting works; else why not */
    /* The calling thread's counters since it started. */
    void (*thread_counts)(uint64_t out[MK__C_N]);
    /* The sum over every thread that ever counted (exited threads included), and the highest
     * process live-byte balance seen since the last peak_reset. */
    void (*process_counts)(uint64_t out[MK__C_N], uint64_t *peak_live);
    /* Starts a new peak window. */
    void (*peak_reset)(void);
    /* Sets the calling thread's watch: allocations whose index (the thread's alloc counter after
     * counting them) exceeds threshold get their stack captured. UINT64_MAX disarms. Returns the
     * previous threshold. */
    uint64_t (*watch)(uint64_t threshold);
    /* Copies up to max hits with index > after (the oldest first) and returns how many it copied. */
    int (*watch_hits)(uint64_t after, struct mk__watch_hit *out, int max);

};

/* The extended table, offered by layers that export mk__count_ext() (and by the sanitizer layer):
 * watches on bytes and on the live balance, the thread's peak, block tracking, pausing, and the
 * annotations of custom allocators. A layer without it still counts; the API then says which
 * figure it cannot check. watch_set, thread_max and pause are never NULL (the interposition layer
 * offers them to every backend); track and tracked_live are NULL in a layer whose backend keeps
 * no table of blocks for them (the recorder), annotate in one that takes no annotations. */
struct mk__count_ext {
    unsigned version; /* MK__COUNT_EXT_VERSION */

    /* The extended watch: sets the calling thread's thresholds to *set (set NULL: leaves them) and
     * stores the previous ones in *prev. Arming it from fully disarmed forgets the thread's earlier
     * hits. Hits are read
     * with watch_hits (every hit has an index above the thread's count when it was armed). */
    void (*watch_set)(const struct mk__watch *set, struct mk__watch *prev);
    /* The calling thread's running maximum of its live balance (bytes allocated - freed), kept
     * while an extended watch is armed: returns it and replaces it by v. */
    int64_t (*thread_max)(int64_t v);
    /* Block tracking: track(+1) / track(-1) enter and leave one level on the calling thread.
     * While the level is above zero the layer remembers every block the thread allocates (size,
     * index, stack) until any thread frees it; leaving the last level forgets them. */
    void (*track)(int delta);
    /* Blocks the calling thread allocated with index > after that are still live: copies up to
     * max (oldest first), and stores how many there are and their bytes; *lost counts blocks the
     * layer could not track (its table was full). Returns the number copied. */
    int (*tracked_live)(uint64_t after, struct mk__watch_hit *out, int max, uint64_t *count, uint64_t *bytes,
                        uint64_t *lost);
    /* pause(+1) / pause(-1): while paused, the calling thread's allocations and frees are not
     * counted (the API's own failure reports run paused, so they never count against an
     * enclosing expectation). */
    void (*pause)(int delta);
    /* A custom allocator's event (memkit/prof.h): kind MK__ANN_ALLOC (ptr, size, in pool or NULL),
     * MK__ANN_FREE (ptr, pool or NULL) or MK__ANN_RESET (every block of pool given back). */
    void (*annotate)(int kind, const void *pool, const void *ptr, uint64_t size);
};

enum { MK__ANN_ALLOC = 1, MK__ANN_FREE = 2, MK__ANN_RESET = 3 };

const struct mk__count_iface *mk__count_iface(void);
const struct mk__count_ext *mk__count_ext(void);

/* libmemkit's sanitizer layer: its table (and *ext its extended one) when a sanitizer's allocation
 * hooks were installed and proved to work, else NULL with *why set to the reason (a static string,
 * "" when no sanitizer runtime is present). */
const struct mk__count_iface *mk__count_san_iface(const struct mk__count_ext **ext, const char **why);

#endif
