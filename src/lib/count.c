/* count.c - the counting API over whichever interposition layer is in the process.
 *
 * The layer is looked up once (a weak reference, then dlsym for a preloaded recorder) and cached.
 * Windows (mk_count_reset) are a process-wide base subtracted from the raw counters; a thread's
 * own base is re-taken lazily when it notices the window changed. Nothing here allocates.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memkit/count.h"
#include "count_iface.h"

__attribute__((weak)) const struct mk__count_iface *mk__count_iface(void);

static const struct mk__count_iface *iface;
static pthread_once_t iface_once = PTHREAD_ONCE_INIT;

static void find_iface(void) {
    const struct mk__count_iface *(*get)(void) = mk__count_iface;
    if (!get) get = (const struct mk__count_iface *(*)(void))dlsym(RTLD_DEFAULT, "mk__count_iface");
    const struct mk__count_iface *f = get ? get() : NULL;
    if (f && f->version == MK__COUNT_IFACE_VERSION) iface = f;
}

static const struct mk__count_iface *layer(void) {
    pthread_once(&iface_once, find_iface);
    return iface;
}

bool mk_count_available(void) {
    const struct mk__count_iface *f = layer();
    return f && !f->unavailable;
}

const char *mk_count_unavailable_reason(void) {
    const struct mk__count_iface *f = layer();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    if (!f) return "a sanitizer owns malloc in this build: the counting layer steps aside";
#endif
    if (!f) return "no counting layer: link with libmemkit-count.a or run under memkit run";
    return f->unavailable ? f->unavailable : "";
}

/* The process window's base counters, and the calling thread's own base (its last reset). */
static pthread_mutex_t window_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t window_base[MK__C_N];
static __thread uint64_t thread_base[MK__C_N];

static void fill(struct mk_count_stats *out, const uint64_t now[MK__C_N], const uint64_t base[MK__C_N]) {
    memset(out, 0, sizeof *out);
    out->version = MK_COUNT_STATS_VERSION;
    out->allocs = now[MK__C_ALLOCS] - base[MK__C_ALLOCS];
    out->frees = now[MK__C_FREES] - base[MK__C_FREES];
    out->reallocs = now[MK__C_REALLOCS] - base[MK__C_REALLOCS];
    out->bytes_allocated = now[MK__C_BYTES_ALLOC] - base[MK__C_BYTES_ALLOC];
    out->bytes_freed = now[MK__C_BYTES_FREED] - base[MK__C_BYTES_FREED];
    out->live_blocks = (int64_t)(out->allocs - out->frees - out->reallocs);
    out->live_bytes = (int64_t)(out->bytes_allocated - out->bytes_freed);
}

void mk_count_stats(struct mk_count_stats *out) {
    const struct mk__count_iface *f = layer();
    uint64_t now[MK__C_N] = {0}, base[MK__C_N], peak = 0;
    if (f && !f->unavailable) f->process_counts(now, &peak);
    pthread_mutex_lock(&window_lock);
    memcpy(base, window_base, sizeof base);
    pthread_mutex_unlock(&window_lock);
    fill(out, now, base);
    /* The layer's peak is of the raw balance; the window's live bytes start from its base. */
    int64_t base_live = (int64_t)(base[MK__C_BYTES_ALLOC] - base[MK__C_BYTES_FREED]);
    out->peak_live_bytes = (int64_t)peak > base_live ? (uint64_t)((int64_t)peak - base_live) : 0;
    if ((int64_t)out->peak_live_bytes < out->live_bytes) out->peak_live_bytes = (uint64_t)out->live_bytes;
}

void mk_count_thread_stats(struct mk_count_stats *out) {
    const struct mk__count_iface *f = layer();
    uint64_t now[MK__C_N] = {0};
    if (f && !f->unavailable) f->thread_counts(now);
    fill(out, now, thread_base);
}

void mk_count_reset(void) {
    const struct mk__count_iface *f = layer();
    uint64_t now[MK__C_N] = {0}, peak;
    if (f && !f->unavailable) {
        f->process_counts(now, &peak);
        f->peak_reset();
    }
    pthread_mutex_lock(&window_lock);
    memcpy(window_base, now, sizeof window_base);
    pthread_mutex_unlock(&window_lock);
    if (f && !f->unavailable) f->thread_counts(thread_base);
}

void mk_count_region_begin(mk_count_region *r) {
    const struct mk__count_iface *f = layer();
    uint64_t now[MK__C_N] = {0};
    if (f && !f->unavailable) f->thread_counts(now);
    *r = (mk_count_region){now[0], now[1], now[2], now[3], now[4]};
}

void mk_count_region_end(const mk_count_region *r, struct mk_count_stats *delta) {
    const struct mk__count_iface *f = layer();
    uint64_t now[MK__C_N] = {0};
    if (f && !f->unavailable) f->thread_counts(now);
    uint64_t base[MK__C_N] = {r->allocs, r->frees, r->reallocs, r->bytes_allocated, r->bytes_freed};
    fill(delta, now, base);
}

static uint64_t failures;

uint64_t mk_count_expect_failures(void) { return __atomic_load_n(&failures, __ATOMIC_RELAXED); }

mk_count_expect mk_count_expect_begin(uint64_t max, const char *file, int line) {
    mk_count_expect e;
    memset(&e, 0, sizeof e);
    e.max = max;
    e.file = file;
    e.line = line;
    mk_count_region_begin(&e.region);
    const struct mk__count_iface *f = layer();
    uint64_t threshold = e.region.allocs + max;
    if (threshold < e.region.allocs) threshold = UINT64_MAX;
    e.prev_threshold = UINT64_MAX;
    if (f && !f->unavailable) {
        uint64_t prev = f->watch(UINT64_MAX);
        e.prev_threshold = prev;
        f->watch(prev < threshold ? prev : threshold);
    }
    return e;
}

bool mk_count_expect_end(mk_count_expect *e) {
    e->done = 1;
    const struct mk__count_iface *f = layer();
    if (!f || f->unavailable) return true;
    struct mk_count_stats d;
    mk_count_region_end(&e->region, &d);
    f->watch(e->prev_threshold);
    if (d.allocs <= e->max) return true;
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    /* Report with stdio on stderr: the expectation is over, allocating here is fine. */
    fprintf(stderr, "%s:%d: expected at most %llu allocation%s, got %llu\n", e->file, e->line,
            (unsigned long long)e->max, e->max == 1 ? "" : "s", (unsigned long long)d.allocs);
    struct mk__watch_hit hits[8];
    int n = f->watch_hits(e->region.allocs + e->max, hits, 8);
    for (int i = 0; i < n; i++) {
        fprintf(stderr, "  allocation %llu of the block:\n",
                (unsigned long long)(hits[i].index - e->region.allocs));
        fflush(stderr);
        backtrace_symbols_fd(hits[i].frames, hits[i].nframes, STDERR_FILENO);
    }
    if (d.allocs - e->max > (uint64_t)n)
        fprintf(stderr, "  (%llu more not shown)\n", (unsigned long long)(d.allocs - e->max - (uint64_t)n));
    return false;
}
