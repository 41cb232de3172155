/* count_san.c - counting through a sanitizer's allocation hooks, for builds in which
 * AddressSanitizer, ThreadSanitizer, MemorySanitizer or LeakSanitizer owns malloc.
 *
 * A sanitizer replaces the malloc family, so libmemkit-count's interposition cannot work there; but
 * every one of them calls hooks installed with __sanitizer_install_malloc_and_free_hooks after each
 * allocation and before each free, and answers __sanitizer_get_allocated_size with the requested
 * size. This file installs a pair of hooks from a constructor (when the runtime is present: the
 * symbols are weak, so libmemkit gains no dependency), checks once that they really fire for
 * malloc, realloc and free (UndefinedBehaviorSanitizer alone exports the function but owns no
 * allocator; LeakSanitizer alone does not report realloc), and then keeps the same per-thread
 * counters as the interposition layer, behind the same table (count_iface.h).
 *
 * Figures here: bytes are requested sizes at both ends (malloc(0) counts 1, as under memkit run);
 * a realloc is seen as an allocation of the new block and a free of the old one, so `reallocs`
 * stays 0 and a realloc adds one to both allocs and frees. Sanitized builds are slow anyway, so the
 * process balance is one atomic, and the tables of tracked and annotated blocks sit behind one
 * spinlock each; none of it is on any path of a program without a sanitizer.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "count_iface.h"
#include "count_table.h"

#define HIDDEN __attribute__((visibility("hidden")))

__attribute__((weak)) int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
                                                                  void (*)(const volatile void *));
__attribute__((weak)) size_t __sanitizer_get_allocated_size(const volatile void *);
__attribute__((weak)) int __sanitizer_get_ownership(const volatile void *);

#define KEEP 8 /* watch hits kept per thread */

struct hits {
    int n;
    struct mk__watch_hit hit[KEEP];
};

struct san_thread {
    uint64_t v[MK__C_N];
    int64_t max;           /* running maximum of the balance while an extended watch is armed */
    struct mk__watch w;    /* all disarmed until the first watch_set */
    struct hits *hits;     /* mmap'd on the first capture */
    int guard, track, state; /* state: 0 new, 1 registered, 2 exited */
    uint64_t tracked;      /* blocks this thread put in the tracked table */
    struct san_thread *next, *prev;
};

static __thread struct san_thread me __attribute__((tls_model("initial-exec"))) = {
    .w = {UINT64_MAX, UINT64_MAX, INT64_MAX}};

static int installed;              /* hooks installed and proved to work */
static const char *why_not = "";
static int64_t balance;            /* atomic: the process's live bytes */
static uint64_t peak;              /* atomic: its highest value since the last peak_reset */
static int reg_lock;
static struct san_thread *threads;
static uint64_t retired[MK__C_N];
static pthread_key_t exit_key;
static int have_key;

static void spin(int *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static void unspin(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

static void *mk__table_map(size_t n) {
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static struct mk__block_table tracked, annotated;

/* ---- counting ---- */

/* Captures the stack from the frame that called the hook (ra: the hook's return address), so the
 * report starts in the sanitizer's allocator, whose frames it drops, then reaches the program. */
static void capture(struct mk__watch_hit *h, const void *ra) {
    void *pcs[MK__WATCH_FRAMES + 8];
    int n = backtrace(pcs, MK__WATCH_FRAMES + 8), skip = 0;
    while (skip < n && skip < 8 && pcs[skip] != ra) skip++;
    if (skip == n || skip == 8) skip = 0;
    h->nframes = n - skip > MK__WATCH_FRAMES ? MK__WATCH_FRAMES : n - skip;
    memcpy(h->frames, pcs + skip, sizeof(void *) * (size_t)h->nframes);
}

static void thread_exit(void *arg) {
    struct san_thread *c = arg;
    c->guard++;
    spin(&reg_lock);
    for (int i = 0; i < MK__C_N; i++) retired[i] += c->v[i];
    if (c->state == 1) {
        if (c->prev) c->prev->next = c->next;
        else threads = c->next;
        if (c->next) c->next->prev = c->prev;
    }
    c->state = 2;
    unspin(&reg_lock);
    memset(c->v, 0, sizeof c->v);
    c->guard--;
}

static void enroll(struct san_thread *c) {
    c->guard++;
    spin(&reg_lock);
    c->state = 1;
    c->prev = NULL;
    c->next = threads;
    if (threads) threads->prev = c;
    threads = c;
    unspin(&reg_lock);
    if (have_key) pthread_setspecific(exit_key, c);
    c->guard--;
}

static void note_peak(int64_t live) {
    uint64_t p = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    while (live > 0 && (uint64_t)live > p &&
           !__atomic_compare_exchange_n(&peak, &p, (uint64_t)live, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

/* Counts one allocation of bytes at p on this thread, with the watch and tracking slow paths. */
static void count_alloc(struct san_thread *c, const void *p, uint64_t bytes, const void *ra) {
    if (c->state == 0) enroll(c);
    uint64_t n = c->v[MK__C_ALLOCS] + 1;
    __atomic_store_n(&c->v[MK__C_ALLOCS], n, __ATOMIC_RELAXED);
    uint64_t total = c->v[MK__C_BYTES_ALLOC] + bytes;
    __atomic_store_n(&c->v[MK__C_BYTES_ALLOC], total, __ATOMIC_RELAXED);
    int64_t bal = (int64_t)(total - c->v[MK__C_BYTES_FREED]);
    note_peak(__atomic_add_fetch(&balance, (int64_t)bytes, __ATOMIC_RELAXED));
    if (bal > c->max) c->max = bal;
    int hit = n > c->w.allocs || total > c->w.bytes || bal > c->w.balance;
    if (!hit && !c->track) return;
    c->guard++;
    struct mk__watch_hit h = {.index = n, .bytes_after = total, .balance_after = bal, .size = bytes};
    capture(&h, ra);
    if (hit) {
        if (!c->hits) c->hits = mk__table_map(sizeof *c->hits);
        if (c->hits && c->hits->n < KEEP) c->hits->hit[c->hits->n++] = h;
    }
    if (c->track && p) {
        mk__table_lock(&tracked);
        struct mk__block *b = mk__table_put(&tracked, p);
        if (b) {
            b->owner = c;
            b->pool = NULL;
            b->hit = h;
            c->tracked++;
        } else {
            tracked.lost++;
        }
        mk__table_unlock(&tracked);
    }
    c->guard--;
}

static void count_free(struct san_thread *c, const void *p, uint64_t bytes) {
    __atomic_store_n(&c->v[MK__C_FREES], c->v[MK__C_FREES] + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->v[MK__C_BYTES_FREED], c->v[MK__C_BYTES_FREED] + bytes, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&balance, (int64_t)bytes, __ATOMIC_RELAXED);
    if (p && __atomic_load_n(&tracked.used, __ATOMIC_RELAXED)) {
        mk__table_lock(&tracked);
        struct mk__block *b = mk__table_get(&tracked, p);
        if (b) mk__table_del(&tracked, b);
        mk__table_unlock(&tracked);
    }
}

static __attribute__((noinline)) void on_malloc(const volatile void *p, size_t size) {
    struct san_thread *c = &me;
    if (c->guard || c->state == 2) return;
    count_alloc(c, (const void *)p, size ? size : 1, __builtin_return_address(0));
}

static void on_free(const volatile void *p) {
    struct san_thread *c = &me;
    if (c->guard || !p) return;
    size_t size = __sanitizer_get_allocated_size(p);
    count_free(c, (const void *)p, size ? size : 1);
}

/* ---- the table libmemkit reads ---- */

static void thread_counts(uint64_t out[MK__C_N]) {
    for (int i = 0; i < MK__C_N; i++) out[i] = __atomic_load_n(&me.v[i], __ATOMIC_RELAXED);
}

static void process_counts(uint64_t out[MK__C_N], uint64_t *peak_live) {
    me.guard++;
    spin(&reg_lock);
    for (int i = 0; i < MK__C_N; i++) out[i] = retired[i];
    for (struct san_thread *c = threads; c; c = c->next)
        for (int i = 0; i < MK__C_N; i++) out[i] += __atomic_load_n(&c->v[i], __ATOMIC_RELAXED);
    unspin(&reg_lock);
    me.guard--;
    *peak_live = __atomic_load_n(&peak, __ATOMIC_RELAXED);
}

static void peak_reset(void) {
    int64_t live = __atomic_load_n(&balance, __ATOMIC_RELAXED);
    __atomic_store_n(&peak, live > 0 ? (uint64_t)live : 0, __ATOMIC_RELAXED);
}

static void watch_set(const struct mk__watch *set, struct mk__watch *prev) {
    struct san_thread *c = &me;
    if (c->state == 0) enroll(c);
    *prev = c->w;
    if (!set) return;
    int was_off = prev->allocs == UINT64_MAX && prev->bytes == UINT64_MAX && prev->balance == INT64_MAX;
    if (was_off && c->hits) c->hits->n = 0;
    c->w = *set;
}

static uint64_t watch(uint64_t threshold) {
    struct mk__watch set = me.w, prev;
    set.allocs = threshold;
    watch_set(&set, &prev);
    return prev.allocs;
}

static int watch_hits(uint64_t after, struct mk__watch_hit *out, int max) {
    struct san_thread *c = &me;
    int k = 0;
    for (int i = 0; c->hits && i < c->hits->n && k < max; i++)
        if (c->hits->hit[i].index > after) out[k++] = c->hits->hit[i];
    return k;
}

static int64_t thread_max(int64_t v) {
    int64_t m = me.max;
    me.max = v;
    return m;
}

static void track(int delta) {
    struct san_thread *c = &me;
    c->track += delta;
    if (c->track > 0 || !c->tracked) return;
    /* The last level ended: forget this thread's tracked blocks. */
    c->guard++;
    mk__table_lock(&tracked);
    for (size_t i = 0; tracked.slot && i < MK__TABLE_CAP;) {
        if (tracked.slot[i].ptr && tracked.slot[i].owner == c) mk__table_del(&tracked, &tracked.slot[i]);
        else i++;
    }
    c->tracked = 0;
    mk__table_unlock(&tracked);
    c->guard--;
}

static int tracked_live(uint64_t after, struct mk__watch_hit *out, int max, uint64_t *count, uint64_t *bytes,
                        uint64_t *lost) {
    struct san_thread *c = &me;
    int k = 0;
    uint64_t n = 0, b = 0;
    c->guard++;
    mk__table_lock(&tracked);
    for (size_t i = 0; tracked.slot && i < MK__TABLE_CAP; i++) {
        struct mk__block *s = &tracked.slot[i];
        if (!s->ptr || s->owner != c || s->hit.index <= after) continue;
        n++;
        b += s->hit.size;
        /* Keep the oldest max: insertion into out by index. */
        int j = k < max ? k++ : max;
        while (j > 0 && out[j - 1].index > s->hit.index) {
            if (j < max) out[j] = out[j - 1];
            j--;
        }
        if (j < max) out[j] = s->hit;
    }
    *lost = tracked.lost;
    mk__table_unlock(&tracked);
    c->guard--;
    *count = n;
    *bytes = b;
    return k;
}

static void pause_counting(int delta) { me.guard += delta; }

static __attribute__((noinline)) void annotate(int kind, const void *pool, const void *ptr, uint64_t size) {
    struct san_thread *c = &me;
    if (c->guard) return;
    if (kind == MK__ANN_ALLOC) {
        c->guard++;
        mk__table_lock(&annotated);
        struct mk__block *b = mk__table_put(&annotated, ptr);
        if (b) {
            b->pool = pool;
            b->hit.size = size ? size : 1;
        } else {
            annotated.lost++;
        }
        mk__table_unlock(&annotated);
        c->guard--;
        count_alloc(c, ptr, size ? size : 1, __builtin_return_address(0));
    } else if (kind == MK__ANN_FREE) {
        c->guard++;
        mk__table_lock(&annotated);
        struct mk__block *b = mk__table_get(&annotated, ptr);
        uint64_t bytes = b ? b->hit.size : 0;
        if (b) mk__table_del(&annotated, b);
        mk__table_unlock(&annotated);
        c->guard--;
        if (b) count_free(c, ptr, bytes);
    } else if (kind == MK__ANN_RESET) {
        c->guard++;
        mk__table_lock(&annotated);
        for (size_t i = 0; annotated.slot && i < MK__TABLE_CAP;) {
            struct mk__block *b = &annotated.slot[i];
            if (b->ptr && b->pool == pool) {
                const void *p = b->ptr;
                uint64_t bytes = b->hit.size;
                mk__table_del(&annotated, b);
                count_free(c, p, bytes);
            } else {
                i++;
            }
        }
        mk__table_unlock(&annotated);
        c->guard--;
    }
}

static const struct mk__count_iface table = {
    .version = MK__COUNT_IFACE_VERSION,
    .provider = "sanitizer hooks",
    .unavailable = NULL,
    .thread_counts = thread_counts,
    .process_counts = process_counts,
    .peak_reset = peak_reset,
    .watch = watch,
    .watch_hits = watch_hits,
};

static const struct mk__count_ext ext_table = {
    .version = MK__COUNT_EXT_VERSION,
    .watch_set = watch_set,
    .thread_max = thread_max,
    .track = track,
    .tracked_live = tracked_live,
    .pause = pause_counting,
    .annotate = annotate,
};

/* After fork only the forking thread exists: fold the others into the retired totals. */
static void fork_prepare(void) { spin(&reg_lock); }
static void fork_parent(void) { unspin(&reg_lock); }
static void fork_child(void) {
    for (struct san_thread *c = threads, *n; c; c = n) {
        n = c->next;
        if (c == &me) continue;
        for (int i = 0; i < MK__C_N; i++) retired[i] += c->v[i];
        if (c->prev) c->prev->next = c->next;
        else threads = c->next;
        if (c->next) c->next->prev = c->prev;
    }
    tracked.lock = annotated.lock = 0;
    unspin(&reg_lock);
}

/* Installs the hooks and proves they fire: a malloc, a realloc that must move, and two frees. */
static void install(void) {
    if (!__sanitizer_install_malloc_and_free_hooks || !__sanitizer_get_allocated_size) {
        why_not = "";
        return;
    }
    if (!__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free)) {
        why_not = "the sanitizer refused another pair of allocation hooks (it keeps at most 5)";
        return;
    }
    void *pcs[2];
    me.guard++;
    backtrace(pcs, 2); /* loads the unwinder now, not inside a hook */
    me.guard--;
    uint64_t a0 = me.v[MK__C_ALLOCS], f0 = me.v[MK__C_FREES];
    void *volatile p = __builtin_malloc(16);
    uint64_t a1 = __atomic_load_n(&me.v[MK__C_ALLOCS], __ATOMIC_RELAXED);
    void *volatile q = p ? __builtin_realloc(p, 1 << 16) : NULL;
    uint64_t a2 = __atomic_load_n(&me.v[MK__C_ALLOCS], __ATOMIC_RELAXED);
    __builtin_free(q ? q : p);
    uint64_t f2 = __atomic_load_n(&me.v[MK__C_FREES], __ATOMIC_RELAXED);
    if (a1 == a0) {
        why_not = "a sanitizer runtime is present but owns no allocator (UndefinedBehaviorSanitizer alone): "
                  "link with libmemkit-count.a";
        return;
    }
    if (a2 == a1 || f2 - f0 < 2) {
        why_not = "this sanitizer does not report realloc to its allocation hooks (LeakSanitizer alone): "
                  "counts would be wrong";
        return;
    }
    void *volatile r = aligned_alloc(64, 64);
    uint64_t a3 = __atomic_load_n(&me.v[MK__C_ALLOCS], __ATOMIC_RELAXED);
    free(r);
    if (r && a3 == a2)
        why_not = "this sanitizer (ThreadSanitizer) does not report memalign, aligned_alloc, posix_memalign, "
                  "valloc and pvalloc to its allocation hooks: those blocks are not counted (their frees are)";
    if (pthread_key_create(&exit_key, thread_exit) == 0) have_key = 1;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    installed = 1;
}

/* Early, so that process totals cover (nearly) the whole run. */
__attribute__((constructor(102))) static void san_ctor(void) { install(); }

/* Counting works; why_not may still name what it misses. */
HIDDEN const struct mk__count_iface *mk__count_san_iface(const struct mk__count_ext **ext, const char **why) {
    *why = why_not;
    *ext = installed ? &ext_table : NULL;
    return installed ? &table : NULL;
}
