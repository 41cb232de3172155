/* counters.c - the slow paths of the per-thread counters: the thread registry, publishing the
 * live balance, the process peak, expectation watches, and the table libmemkit reads.
 *
 * Threads register on their first counted allocation (the zero watch threshold of a new thread
 * sends it here) and fold their counts into a retired total when they exit, through a pthread key
 * destructor. The registry is guarded by a spinlock that is never held across an allocation.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "counters.h"
#include "hooks.h"
#include "sysmem.h"
#include "../unwind/unwind.h"

int64_t mk__live_published;

static int lock_word;
static struct mk__hook_counters *threads;
static uint64_t retired[MK__C_N];
static uint64_t retired_peak;
static pthread_key_t exit_key;
static int have_key;

static void lock(void) {
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

void mk__counters_publish(struct mk__hook_counters *c) {
    __atomic_add_fetch(&mk__live_published, c->unpublished, __ATOMIC_RELAXED);
    c->unpublished = 0;
}

static void fold_peak(uint64_t peak) {
    if (peak > retired_peak) retired_peak = peak;
}

static void unlink_thread(struct mk__hook_counters *c) {
    if (c->prev) c->prev->next = c->next;
    else threads = c->next;
    if (c->next) c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

/* A thread is exiting: its counts join the retired totals (its TLS is about to go away). */
static void thread_exit(void *arg) {
    struct mk__hook_counters *c = arg;
    mk__guard_enter();
    lock();
    for (int i = 0; i < MK__C_N; i++) retired[i] += c->v[i];
    fold_peak(c->peak);
    if (c->state == 1) unlink_thread(c);
    c->state = 2;
    unlock();
    mk__counters_publish(c);
    memset(c->v, 0, sizeof c->v);
    c->watch = UINT64_MAX; /* frees during the rest of the exit are counted, never registered */
    mk__guard_leave();
}

/* After fork only the forking thread exists: every other registered thread is gone. */
static void fork_child(void) {
    lock_word = 0;
    for (struct mk__hook_counters *c = threads, *n; c; c = n) {
        n = c->next;
        if (c == mk__hook_counters()) continue;
        for (int i = 0; i < MK__C_N; i++) retired[i] += c->v[i];
        fold_peak(c->peak);
        unlink_thread(c);
        c->state = 2;
    }
}
static void fork_prepare(void) { lock(); }
static void fork_parent(void) { unlock(); }

void mk__counters_init(void) {
    if (pthread_key_create(&exit_key, thread_exit) == 0) have_key = 1;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((noinline)) void mk__counters_stack(struct mk__watch_hit *h, int skip) {
    uintptr_t pcs[MK__WATCH_FRAMES];
    int n = mk__backtrace(pcs, MK__WATCH_FRAMES, skip + 1);
    h->nframes = n;
    for (int i = 0; i < n; i++) h->frames[i] = (void *)pcs[i];
}

static __attribute__((noinline)) void capture(struct mk__hook_counters *c, uint64_t index, uint64_t bytes, int64_t balance,
                                              uint64_t size) {
    if (!c->hits) {
        c->hits = mk__sys_map(sizeof *c->hits, 0);
        if (!c->hits) return;
    }
    if (c->hits->n >= MK__WATCH_KEEP) return;
    struct mk__watch_hit *h = &c->hits->hit[c->hits->n++];
    /* From the program's call: past this function, the slow path and the hook. */
    mk__counters_stack(h, 3);
    h->index = index;
    h->bytes_after = bytes;
    h->balance_after = balance;
    h->size = size;
}

/* The hot path's threshold: every allocation while the extended watch is on. */
void mk__counters_rearm(struct mk__hook_counters *c) { c->watch = c->ext ? 0 : c->w.allocs; }

void mk__counters_slow(struct mk__hook_counters *c, uint64_t index, uint64_t size) {
    mk__guard_enter();
    if (c->state == 0) {
        lock();
        c->state = 1;
        c->next = threads;
        if (threads) threads->prev = c;
        threads = c;
        unlock();
        c->w = (struct mk__watch){UINT64_MAX, UINT64_MAX, INT64_MAX};
        c->watch = UINT64_MAX;
        if (have_key) pthread_setspecific(exit_key, c);
    } else {
        uint64_t total = c->v[MK__C_BYTES_ALLOC];
        int64_t bal = (int64_t)(total - c->v[MK__C_BYTES_FREED]);
        if (c->ext && bal > c->tmax) c->tmax = bal;
        if (index > c->w.allocs || (c->ext && (total > c->w.bytes || bal > c->w.balance)))
            capture(c, index, total, bal, size);
    }
    mk__guard_leave();
}

/* ---- the table libmemkit reads ---- */

static void thread_counts(uint64_t out[MK__C_N]) {
    struct mk__hook_counters *c = mk__hook_counters();
    for (int i = 0; i < MK__C_N; i++) out[i] = __atomic_load_n(&c->v[i], __ATOMIC_RELAXED);
}

static void process_counts(uint64_t out[MK__C_N], uint64_t *peak_live) {
    mk__guard_enter();
    lock();
    uint64_t peak = retired_peak;
    for (int i = 0; i < MK__C_N; i++) out[i] = retired[i];
    for (struct mk__hook_counters *c = threads; c; c = c->next) {
        for (int i = 0; i < MK__C_N; i++) out[i] += __atomic_load_n(&c->v[i], __ATOMIC_RELAXED);
        uint64_t p = __atomic_load_n(&c->peak, __ATOMIC_RELAXED);
        if (p > peak) peak = p;
    }
    unlock();
    mk__guard_leave();
    *peak_live = peak;
}

static void peak_reset(void) {
    lock();
    retired_peak = 0;
    for (struct mk__hook_counters *c = threads; c; c = c->next) __atomic_store_n(&c->peak, 0, __ATOMIC_RELAXED);
    unlock();
}

/* Registers the calling thread if it is not yet, so a threshold is never mistaken for "new". */
static struct mk__hook_counters *registered(void) {
    struct mk__hook_counters *c = mk__hook_counters();
    if (c->state != 1) mk__counters_slow(c, 0, 0);
    return c;
}

static uint64_t watch(uint64_t threshold) {
    struct mk__hook_counters *c = registered();
    uint64_t prev = c->w.allocs;
    if (threshold != UINT64_MAX && c->hits && prev == UINT64_MAX && !c->ext) c->hits->n = 0;
    c->w.allocs = threshold;
    mk__counters_rearm(c);
    return prev;
}

void mk__counters_watch_set(const struct mk__watch *set, struct mk__watch *prev) {
    struct mk__hook_counters *c = registered();
    *prev = c->w;
    if (!set) return;
    int was_off = c->w.allocs == UINT64_MAX && !c->ext;
    c->w = *set;
    c->ext = set->bytes != UINT64_MAX || set->balance != INT64_MAX;
    if (was_off && c->hits && (set->allocs != UINT64_MAX || c->ext)) c->hits->n = 0;
    mk__counters_rearm(c);
}

int64_t mk__counters_thread_max(int64_t v) {
    struct mk__hook_counters *c = mk__hook_counters();
    int64_t m = c->tmax;
    c->tmax = v;
    return m;
}

static int watch_hits(uint64_t after, struct mk__watch_hit *out, int max) {
    struct mk__hook_counters *c = mk__hook_counters();
    int k = 0;
    for (int i = 0; c->hits && i < c->hits->n && k < max; i++)
        if (c->hits->hit[i].index > after) out[k++] = c->hits->hit[i];
    return k;
}

static void pause_counting(int delta) {
    if (delta > 0) mk__guard_enter();
    else mk__guard_leave();
}

/* The extended table as the layer alone offers it: watches, the thread's peak and pausing. A
 * backend that also tracks blocks and takes annotations (src/count) defines its own. */
static const struct mk__count_ext layer_ext = {
    .version = MK__COUNT_EXT_VERSION,
    .watch_set = mk__counters_watch_set,
    .thread_max = mk__counters_thread_max,
    .pause = pause_counting,
};

__attribute__((weak, visibility("default"))) const struct mk__count_ext *mk__count_ext(void) { return &layer_ext; }

static const struct mk__count_iface table = {
    MK__COUNT_IFACE_VERSION, mk__backend_name, NULL, thread_counts, process_counts, peak_reset, watch, watch_hits,
};

__attribute__((visibility("default"))) const struct mk__count_iface *mk__count_iface(void) { return &table; }
