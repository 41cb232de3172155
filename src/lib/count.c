/* count.c - the counting API over whichever counting layer is in the process.
 *
 * The layer is looked up once (a weak reference, then dlsym for a preloaded recorder, then the
 * sanitizer layer of count_san.c) and cached. Windows (mk_count_reset) are a process-wide base
 * subtracted from the raw counters; a thread's own base is re-taken lazily when it notices the
 * window changed. Expectations are regions plus the layer's watch (stacks of the allocations past a
 * limit), running maximum (peak) and block tracking (leaks). Nothing on the counting side
 * allocates; failure reports do, with the layer paused so that they count nowhere. count_report.c
 * prints them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memkit/count.h"
#include "memkit/prof.h"
#include "count_iface.h"
#include "count_report.h"

__attribute__((weak)) const struct mk__count_iface *mk__count_iface(void);
__attribute__((weak)) const struct mk__count_ext *mk__count_ext(void);

static const struct mk__count_iface *iface;
static const struct mk__count_ext *ext; /* NULL when the layer has no extended table */
static const char *no_layer_reason = "no counting layer: link with libmemkit-count.a or run under memkit run";
static const char *partial_reason = ""; /* what an available layer does not count */
static pthread_once_t iface_once = PTHREAD_ONCE_INIT;

/* The lookups that cannot allocate: the weak references (libmemkit-count linked in, libmemkit
 * inside the recorder, libmemkit.so under a preloaded recorder) and the sanitizer layer. Returns
 * whether a layer was settled. */
static int find_linked(void) {
    const struct mk__count_iface *f = mk__count_iface ? mk__count_iface() : NULL;
    if (f && f->version == MK__COUNT_IFACE_VERSION) {
        iface = f;
        const struct mk__count_ext *x = mk__count_ext ? mk__count_ext() : NULL;
        if (x && x->version == MK__COUNT_EXT_VERSION) ext = x;
        return 1;
    }
    if (f) {
        no_layer_reason = "the counting layer in this process is of another memkit version";
        return 1;
    }
    const char *why = "";
    iface = mk__count_san_iface(&ext, &why);
    if (iface) partial_reason = why;
    else if (*why) no_layer_reason = why;
    return iface || *why;
}

/* Then dlsym, for a recorder preloaded into a program that links libmemkit statically. dlsym
 * allocates when it fails, so it runs only on the first call into the API, never at start. */
static void find_iface(void) {
    if (iface || find_linked()) return;
    const struct mk__count_iface *(*get)(void) =
        (const struct mk__count_iface *(*)(void))dlsym(RTLD_DEFAULT, "mk__count_iface");
    const struct mk__count_iface *f = get ? get() : NULL;
    if (f && f->version == MK__COUNT_IFACE_VERSION) {
        iface = f;
        const struct mk__count_ext *(*get_ext)(void) =
            (const struct mk__count_ext *(*)(void))dlsym(RTLD_DEFAULT, "mk__count_ext");
        const struct mk__count_ext *x = get_ext ? get_ext() : NULL;
        if (x && x->version == MK__COUNT_EXT_VERSION) ext = x;
    } else if (f) {
        no_layer_reason = "the counting layer in this process is of another memkit version";
    }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    if (!iface) no_layer_reason = "a sanitizer owns malloc in this build but its allocation hooks are missing";
#endif
    if (iface && !iface->unavailable && ext && ext->annotate) mk_prof_active = 1;
}

static const struct mk__count_iface *layer(void) {
    pthread_once(&iface_once, find_iface);
    return iface;
}

/* ---- custom allocators (memkit/prof.h) ---- */

int mk_prof_active;

void mk_prof_alloc(const void *pool, const void *ptr, size_t size) {
    if (mk_prof_active && ptr) ext->annotate(MK__ANN_ALLOC, pool, ptr, size);
}

void mk_prof_free(const void *pool, const void *ptr) {
    if (mk_prof_active && ptr) ext->annotate(MK__ANN_FREE, pool, ptr, 0);
}

void mk_prof_pool_reset(const void *pool) {
    if (mk_prof_active) ext->annotate(MK__ANN_RESET, pool, NULL, 0);
}

/* A usable layer, or NULL. */
static const struct mk__count_iface *counting(void) {
    const struct mk__count_iface *f = layer();
    return f && !f->unavailable ? f : NULL;
}

bool mk_count_available(void) { return counting() != NULL; }

const char *mk_count_provider(void) {
    const struct mk__count_iface *f = counting();
    return f ? f->provider : "";
}

const char *mk_count_unavailable_reason(void) {
    const struct mk__count_iface *f = layer();
    if (!f) return no_layer_reason;
    if (f->unavailable) return f->unavailable;
    return partial_reason;
}

/* Counts the failure reports made while the layer could not be paused: subtracted from every read,
 * so that a report never counts against an enclosing expectation or window. */
static __thread uint64_t hidden_thread[MK__C_N];
static uint64_t hidden_process[MK__C_N]; /* atomic */

static void read_thread(const struct mk__count_iface *f, uint64_t now[MK__C_N]) {
    memset(now, 0, sizeof(uint64_t) * MK__C_N);
    if (!f) return;
    f->thread_counts(now);
    for (int i = 0; i < MK__C_N; i++) now[i] -= hidden_thread[i];
}

static void read_process(const struct mk__count_iface *f, uint64_t now[MK__C_N], uint64_t *peak) {
    memset(now, 0, sizeof(uint64_t) * MK__C_N);
    *peak = 0;
    if (!f) return;
    f->process_counts(now, peak);
    for (int i = 0; i < MK__C_N; i++) now[i] -= __atomic_load_n(&hidden_process[i], __ATOMIC_RELAXED);
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
    uint64_t now[MK__C_N], base[MK__C_N], peak;
    read_process(counting(), now, &peak);
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
    uint64_t now[MK__C_N];
    read_thread(counting(), now);
    fill(out, now, thread_base);
}

void mk_count_reset(void) {
    const struct mk__count_iface *f = counting();
    uint64_t now[MK__C_N], peak;
    read_process(f, now, &peak);
    if (f) f->peak_reset();
    pthread_mutex_lock(&window_lock);
    memcpy(window_base, now, sizeof window_base);
    pthread_mutex_unlock(&window_lock);
    read_thread(f, thread_base);
}

void mk_count_region_begin(mk_count_region *r) {
    uint64_t now[MK__C_N];
    read_thread(counting(), now);
    *r = (mk_count_region){now[0], now[1], now[2], now[3], now[4]};
}

void mk_count_region_end(const mk_count_region *r, struct mk_count_stats *delta) {
    uint64_t now[MK__C_N];
    read_thread(counting(), now);
    uint64_t base[MK__C_N] = {r->allocs, r->frees, r->reallocs, r->bytes_allocated, r->bytes_freed};
    fill(delta, now, base);
}

/* ---- pausing the layer around a report ---- */

struct paused {
    const struct mk__count_iface *f;
    uint64_t t0[MK__C_N], p0[MK__C_N], watch;
};

static void pause_begin(struct paused *s, const struct mk__count_iface *f) {
    s->f = f;
    if (!f) return;
    if (ext) {
        ext->pause(1);
        return;
    }
    /* No pause: disarm the watch and remember the counters, to hide what the report does. */
    s->watch = f->watch(UINT64_MAX);
    uint64_t peak;
    f->thread_counts(s->t0);
    f->process_counts(s->p0, &peak);
}

static void pause_end(struct paused *s) {
    const struct mk__count_iface *f = s->f;
    if (!f) return;
    if (ext) {
        ext->pause(-1);
        return;
    }
    uint64_t t1[MK__C_N], p1[MK__C_N], peak;
    f->thread_counts(t1);
    f->process_counts(p1, &peak);
    for (int i = 0; i < MK__C_N; i++) {
        hidden_thread[i] += t1[i] - s->t0[i];
        __atomic_add_fetch(&hidden_process[i], p1[i] - s->p0[i], __ATOMIC_RELAXED);
    }
    uint64_t shift = t1[MK__C_ALLOCS] - s->t0[MK__C_ALLOCS];
    f->watch(s->watch == UINT64_MAX || s->watch > UINT64_MAX - shift ? s->watch : s->watch + shift);
}

/* ---- failures and the exit status ---- */

static uint64_t failures, taken; /* atomic */
static int skip_unavailable;

uint64_t mk_count_expect_failures(void) { return __atomic_load_n(&failures, __ATOMIC_RELAXED); }

uint64_t mk_count_expect_take_failures(void) {
    uint64_t all = __atomic_load_n(&failures, __ATOMIC_RELAXED);
    uint64_t before = __atomic_exchange_n(&taken, all, __ATOMIC_RELAXED);
    return all > before ? all - before : 0;
}

void mk_count_skip_if_unavailable(bool skip) { __atomic_store_n(&skip_unavailable, skip, __ATOMIC_RELAXED); }

__attribute__((weak)) void __lsan_do_leak_check(void);

/* Runs last among the exit handlers (registered first): a process that exits 0 with failed
 * expectations nobody took over exits 1. */
static void at_exit(int status, void *arg) {
    (void)arg;
    uint64_t n = mk_count_expect_failures(), t = __atomic_load_n(&taken, __ATOMIC_RELAXED);
    if (status != 0 || n <= t) return;
    fprintf(stderr, "memkit: %llu allocation expectation%s failed: exit status 1\n", (unsigned long long)(n - t),
            n - t == 1 ? "" : "s");
    fflush(NULL);
    if (__lsan_do_leak_check) __lsan_do_leak_check();
    _exit(1);
}

static void fork_child(void) {
    __atomic_store_n(&failures, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&taken, 0, __ATOMIC_RELAXED);
}

__attribute__((constructor(103))) static void count_ctor(void) {
    on_exit(at_exit, NULL);
    pthread_atfork(NULL, NULL, fork_child);
    /* The lookups that cannot allocate, now: annotations need mk_prof_active from the start, and
     * an expectation in a signal handler then finds its layer settled. */
    if (find_linked() && iface && !iface->unavailable && ext && ext->annotate) mk_prof_active = 1;
}

/* ---- expectations ---- */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t min_u(uint64_t a, uint64_t b) { return a < b ? a : b; }

mk_count_expect mk_count_expect_begin(int what, unsigned flags, uint64_t max, const char *file, int line) {
    mk_count_expect e;
    memset(&e, 0, sizeof e);
    e.what = what;
    e.flags = flags;
    e.max = max;
    e.file = file;
    e.line = line;
    const struct mk__count_iface *f = counting();
    if (!f) {
        e.state = 1;
        return e;
    }
    if (what < MK_COUNT_ALLOCS || what > MK_COUNT_PEAK ||
        ((flags & MK_COUNT_F_ALL_THREADS) && what != MK_COUNT_ALLOCS && what != MK_COUNT_BYTES)) {
        e.state = 2;
        return e;
    }
    uint64_t t[MK__C_N];
    read_thread(f, t);
    e.t_allocs = t[MK__C_ALLOCS];
    e.t_bytes = t[MK__C_BYTES_ALLOC];
    e.t_balance = (int64_t)(t[MK__C_BYTES_ALLOC] - t[MK__C_BYTES_FREED]);
    if (flags & MK_COUNT_F_ALL_THREADS) {
        uint64_t peak;
        read_process(f, e.base, &peak);
    } else {
        memcpy(e.base, t, sizeof e.base);
    }
    /* Arm the watch for the stacks of the allocations past the limit: thresholds are in the raw
     * counters' terms (the hidden part added back), combined with any enclosing watch. */
    uint64_t raw_allocs = e.t_allocs + hidden_thread[MK__C_ALLOCS];
    uint64_t raw_bytes = e.t_bytes + hidden_thread[MK__C_BYTES_ALLOC];
    int64_t raw_balance = e.t_balance + (int64_t)(hidden_thread[MK__C_BYTES_ALLOC] - hidden_thread[MK__C_BYTES_FREED]);
    if (ext) {
        struct mk__watch w, prev, cur;
        ext->watch_set(NULL, &prev);
        w = prev;
        if (what == MK_COUNT_ALLOCS) w.allocs = min_u(prev.allocs, sat_add(raw_allocs, max));
        if (what == MK_COUNT_BYTES) w.bytes = min_u(prev.bytes, sat_add(raw_bytes, max));
        if (what == MK_COUNT_PEAK) {
            int64_t lim = max > (uint64_t)(INT64_MAX - raw_balance) ? INT64_MAX : raw_balance + (int64_t)max;
            w.balance = prev.balance < lim ? prev.balance : lim;
        }
        ext->watch_set(&w, &cur);
        e.prev_watch[0] = prev.allocs;
        e.prev_watch[1] = prev.bytes;
        e.prev_watch[2] = (uint64_t)prev.balance;
        e.watched = 2;
    } else if (what == MK_COUNT_ALLOCS) {
        uint64_t prev = f->watch(UINT64_MAX);
        f->watch(min_u(prev, sat_add(raw_allocs, max)));
        e.prev_watch[0] = prev;
        e.watched = 1;
    }
    if (what == MK_COUNT_PEAK && ext) e.prev_max = ext->thread_max(raw_balance);
    if (what == MK_COUNT_LEAKS && ext && ext->track) {
        ext->track(1);
        e.tracked = 1;
    }
    return e;
}

static const char *kind_name(const mk_count_expect *e) {
    int a = (e->flags & MK_COUNT_F_ASSERT) != 0, all = (e->flags & MK_COUNT_F_ALL_THREADS) != 0;
    switch (e->what) {
    case MK_COUNT_ALLOCS:
        if (all) return a ? "MK_ASSERT_ALLOCS_ALL_THREADS" : "MK_EXPECT_ALLOCS_ALL_THREADS";
        if (e->max == 0) return a ? "MK_ASSERT_NO_ALLOCS" : "MK_EXPECT_NO_ALLOCS";
        return a ? "MK_ASSERT_ALLOCS" : "MK_EXPECT_ALLOCS";
    case MK_COUNT_BYTES:
        if (all) return a ? "MK_ASSERT_BYTES_ALL_THREADS" : "MK_EXPECT_BYTES_ALL_THREADS";
        return a ? "MK_ASSERT_BYTES" : "MK_EXPECT_BYTES";
    case MK_COUNT_LEAKS: return a ? "MK_ASSERT_NO_LEAKS" : "MK_EXPECT_NO_LEAKS";
    case MK_COUNT_PEAK: return a ? "MK_ASSERT_PEAK" : "MK_EXPECT_PEAK";
    }
    return "mk_count_expect";
}

static bool failed(mk_count_expect *e) {
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    if (e->flags & MK_COUNT_F_ASSERT) {
        fprintf(stderr, "%s:%d: %s failed: aborting\n", e->file, e->line, kind_name(e));
        fflush(NULL);
        abort();
    }
    return false;
}

static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

bool mk_count_expect_end(mk_count_expect *e) {
    if (e->done) return true;
    e->done = 1;
    const struct mk__count_iface *f = counting();
    const char *name = kind_name(e);
    if (e->state == 1 || (!f && e->state == 0)) {
        const char *why = mk_count_unavailable_reason();
        if ((e->flags & MK_COUNT_F_SKIP) || __atomic_load_n(&skip_unavailable, __ATOMIC_RELAXED)) {
            fprintf(stderr, "%s:%d: %s skipped: counting unavailable: %s\n", e->file, e->line, name, why);
            return true;
        }
        fprintf(stderr, "%s:%d: %s cannot be checked: counting unavailable: %s\n", e->file, e->line, name, why);
        return failed(e);
    }
    if (e->state == 2) {
        fprintf(stderr, "%s:%d: %s cannot be checked: %s\n", e->file, e->line, name,
                (e->flags & MK_COUNT_F_ALL_THREADS) ? "only allocations and bytes have an all-threads form"
                                                     : "unknown kind of expectation");
        return failed(e);
    }
    /* Read the figures, then give the enclosing expectation its watch back. */
    uint64_t now[MK__C_N], peak;
    if (e->flags & MK_COUNT_F_ALL_THREADS) read_process(f, now, &peak);
    else read_thread(f, now);
    int64_t run_max = 0;
    int have_max = 0;
    if (e->what == MK_COUNT_PEAK && ext) {
        run_max = ext->thread_max(INT64_MIN);
        ext->thread_max(run_max > e->prev_max ? run_max : e->prev_max);
        have_max = 1;
    }
    struct mk__watch_hit hits[8];
    int nhits = 0;
    uint64_t live_n = 0, live_bytes = 0, lost = 0;
    uint64_t raw_allocs = e->t_allocs + hidden_thread[MK__C_ALLOCS];
    if (e->tracked) {
        nhits = ext->tracked_live(raw_allocs, hits, 8, &live_n, &live_bytes, &lost);
        ext->track(-1);
    }
    if (e->watched == 2) {
        struct mk__watch prev = {e->prev_watch[0], e->prev_watch[1], (int64_t)e->prev_watch[2]}, cur;
        if (e->what != MK_COUNT_LEAKS) nhits = f->watch_hits(raw_allocs, hits, 8);
        ext->watch_set(&prev, &cur);
    } else if (e->watched == 1) {
        nhits = f->watch_hits(raw_allocs, hits, 8);
        f->watch(e->prev_watch[0]);
    }

    struct mk_count_stats d;
    fill(&d, now, e->base);
    struct paused ps;
    int fail = 0;
    uint64_t got = 0;
    switch (e->what) {
    case MK_COUNT_ALLOCS: got = d.allocs; fail = got > e->max; break;
    case MK_COUNT_BYTES: got = d.bytes_allocated; fail = got > e->max; break;
    case MK_COUNT_LEAKS:
        if (e->tracked) {
            got = live_n;
            fail = live_n > 0;
        } else {
            got = d.live_blocks > 0 ? (uint64_t)d.live_blocks : 0;
            fail = d.live_blocks > 0 || d.live_bytes > 0;
        }
        break;
    case MK_COUNT_PEAK:
        if (!have_max) {
            pause_begin(&ps, f);
            fprintf(stderr, "%s:%d: %s cannot be checked: the counting layer (%s) does not keep a thread's peak\n",
                    e->file, e->line, name, f->provider);
            pause_end(&ps);
            return failed(e);
        }
        got = run_max > e->t_balance ? (uint64_t)(run_max - e->t_balance) : 0;
        fail = got > e->max;
        break;
    }
    if (!fail) return true;

    pause_begin(&ps, f);
    const char *scope = (e->flags & MK_COUNT_F_ALL_THREADS) ? " (all threads)" : "";
    unsigned long long mx = (unsigned long long)e->max, g = (unsigned long long)got;
    struct mk__report_filter keep = {0};
    keep.after_index = raw_allocs;
    switch (e->what) {
    case MK_COUNT_ALLOCS:
        fprintf(stderr, "%s:%d: %s: expected at most %llu %s%s, got %llu\n", e->file, e->line, name, mx,
                plural(e->max, "allocation", "allocations"), scope, g);
        keep.after_index = sat_add(raw_allocs, e->max);
        break;
    case MK_COUNT_BYTES:
        fprintf(stderr, "%s:%d: %s: expected at most %llu %s allocated%s, got %llu\n", e->file, e->line, name, mx,
                plural(e->max, "byte", "bytes"), scope, g);
        keep.after_bytes = sat_add(e->t_bytes + hidden_thread[MK__C_BYTES_ALLOC], e->max);
        keep.use_bytes = 1;
        break;
    case MK_COUNT_LEAKS:
        if (e->tracked)
            fprintf(stderr, "%s:%d: %s: expected every block allocated in the block to be freed in it; "
                            "%llu still live (%llu bytes)\n", e->file, e->line, name, g, (unsigned long long)live_bytes);
        else
            fprintf(stderr, "%s:%d: %s: expected every block allocated in the block to be freed in it; "
                            "the thread's live blocks grew by %lld (%lld bytes)\n", e->file, e->line, name,
                    (long long)d.live_blocks, (long long)d.live_bytes);
        break;
    case MK_COUNT_PEAK:
        fprintf(stderr, "%s:%d: %s: expected live bytes to rise at most %llu above the start, rose %llu\n",
                e->file, e->line, name, mx, g);
        keep.after_balance = e->t_balance + (int64_t)(hidden_thread[MK__C_BYTES_ALLOC] - hidden_thread[MK__C_BYTES_FREED]);
        keep.after_balance = e->max > (uint64_t)(INT64_MAX - keep.after_balance) ? INT64_MAX
                                                                                  : keep.after_balance + (int64_t)e->max;
        keep.use_balance = 1;
        break;
    }
    int shown = 0;
    for (int i = 0; i < nhits; i++) {
        const struct mk__watch_hit *h = &hits[i];
        if (e->what != MK_COUNT_LEAKS && !mk__report_keep(&keep, h)) continue;
        shown++;
        unsigned long long idx = (unsigned long long)(h->index - raw_allocs);
        if (e->what == MK_COUNT_LEAKS)
            fprintf(stderr, "  block of %llu bytes (allocation %llu of the block), still live:\n",
                    (unsigned long long)h->size, idx);
        else if (ext && h->size)
            fprintf(stderr, "  allocation %llu of the block (%llu bytes):\n", idx, (unsigned long long)h->size);
        else
            fprintf(stderr, "  allocation %llu of the block:\n", idx);
        mk__report_stack(stderr, h->frames, h->nframes);
    }
    if (e->what == MK_COUNT_LEAKS && e->tracked && live_n > (uint64_t)shown)
        fprintf(stderr, "  (%llu more not shown)\n", (unsigned long long)(live_n - (uint64_t)shown));
    else if (e->what == MK_COUNT_ALLOCS && !(e->flags & MK_COUNT_F_ALL_THREADS) && got - e->max > (uint64_t)shown)
        fprintf(stderr, "  (%llu more not shown)\n", (unsigned long long)(got - e->max - (uint64_t)shown));
    if (!shown && e->what != MK_COUNT_LEAKS)
        fprintf(stderr, "  (no stacks: %s)\n",
                (e->flags & MK_COUNT_F_ALL_THREADS) ? "the allocations past the limit were made by other threads"
                : e->watched ? "the counting layer kept none" : "this counting layer captures stacks for allocation counts only");
    if (e->what == MK_COUNT_LEAKS && !e->tracked)
        fprintf(stderr, "  (no stacks: this counting layer does not track blocks)\n");
    if (lost) fprintf(stderr, "  (%llu blocks could not be tracked: table full)\n", (unsigned long long)lost);
    fflush(stderr);
    pause_end(&ps);
    return failed(e);
}

void mk__count_expect_cleanup(mk_count_expect *e) {
    if (!e->done) (void)mk_count_expect_end(e);
}
