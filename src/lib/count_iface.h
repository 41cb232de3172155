/* count_iface.h - what the malloc interposition layer (libmemkit-count.a, or the memkit run
 * recorder) offers libmemkit's counting API (memkit/count.h). Internal; never installed.
 *
 * The layer exports one function, mk__count_iface(), returning a static table. libmemkit finds it
 * through a weak reference (static linking) or dlsym (a preloaded recorder), so the library itself
 * never depends on the layer being present.
 */
#ifndef MEMKIT_COUNT_IFACE_H
#define MEMKIT_COUNT_IFACE_H

#include <stdint.h>

#define MK__COUNT_IFACE_VERSION 1u

/* Counters in this order: allocs, frees, reallocs, bytes_allocated, bytes_freed. */
enum { MK__C_ALLOCS, MK__C_FREES, MK__C_REALLOCS, MK__C_BYTES_ALLOC, MK__C_BYTES_FREED, MK__C_N };

/* One allocation the watch caught: its index in the thread's allocation count and its stack. */
#define MK__WATCH_FRAMES 16
struct mk__watch_hit {
    uint64_t index;
    int nframes;
    void *frames[MK__WATCH_FRAMES];
};

struct mk__count_iface {
    unsigned version;          /* MK__COUNT_IFACE_VERSION */
    const char *provider;      /* "libmemkit-count" or "memkit run" */
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

const struct mk__count_iface *mk__count_iface(void);

#endif
