/* hooks.c - the malloc family of the preloaded recorder: glibc's entry points plus a guard.
 *
 * Each function forwards to glibc's __libc_* entry point (no dlsym bootstrap, so it works before any
 * constructor has run, and inside ld.so's first calls), keeps glibc's argument checks and errno,
 * counts the call in this thread's counters, and hands the event to the backend (hooks.h). The one
 * decision to know: the fast path tests two things, the thread's guard and a global "active" flag;
 * everything else (first-call initialization, fork, exit) happens on the slow path behind them.
 * Per-thread state lives in initial-exec TLS (the Makefile builds src/prof with it) so reading it
 * never calls into the dynamic linker, which could allocate.
 */
#define _GNU_SOURCE
#include "hooks.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../count_iface.h"
#include "raw.h"
#include "unwind.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define EXPORT __attribute__((visibility("default")))

#define WATCH_RING 8 /* the last hits a thread keeps for mk__count_iface's watch_hits */

struct hook_tls {
    int guard;
    int registered;        /* 0: not yet, 1: in the registry, 2: exited (never again) */
    struct mk_hook_counters c;
    uint64_t watch;        /* allocations whose index exceeds this get their stack captured */
    struct hook_tls *next; /* the registry of counting threads, for process-wide sums */
    uint64_t nhits;
    struct mk__watch_hit hits[WATCH_RING];
};
static __thread struct hook_tls tls = {.watch = UINT64_MAX};
static void register_thread(void);
static void watch_hit(void);

static int active;     /* read on every call: the backend wants events */
static int init_state; /* 0: not yet, 1: running, 2: done */
static int aligned_alloc_checks_pow2;

struct mk_hook_counters *mk__hook_counters(void) { return &tls.c; }
void mk__hooks_set_active(int on) { __atomic_store_n(&active, on, __ATOMIC_RELEASE); }
void mk__guard_enter(void) { tls.guard++; }
void mk__guard_leave(void) { tls.guard--; }

static void hooks_init(void) {
    extern char **__environ;
    /* Too early to read the environment (an allocation inside the dynamic linker's start-up): stay
     * untracked and try again on a later call; the constructor runs once it is set. */
    if (!__environ) return;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
    int saved = errno;
    tls.guard++;
    /* glibc 2.38 made aligned_alloc reject alignments that are not powers of two; before, it was
     * memalign under another name. Behave as the glibc underneath does. */
    const char *v = gnu_get_libc_version();
    int major = 0, minor = 0;
    while (*v >= '0' && *v <= '9') major = major * 10 + (*v++ - '0');
    if (*v == '.') v++;
    while (*v >= '0' && *v <= '9') minor = minor * 10 + (*v++ - '0');
    aligned_alloc_checks_pow2 = major > 2 || (major == 2 && minor >= 38);
    mk__backend_init();
    tls.guard--;
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
    errno = saved;
}

__attribute__((constructor(101))) static void hooks_ctor(void) { hooks_init(); }

/* True when this call should be reported to the backend; initializes on the first call. */
static inline int want(void) {
    if (__builtin_expect(tls.guard, 0)) return 0;
    if (__builtin_expect(__atomic_load_n(&active, __ATOMIC_RELAXED), 1)) return 1;
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 0) hooks_init();
    return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}

/* Sizes in the units the backend reports at free: a zero-byte request counts one byte (DHAT's
 * rule), so bytes_allocated - bytes_freed is the live balance. */
static inline void count_alloc(size_t size) {
    if (__builtin_expect(tls.registered != 1, 0)) register_thread();
    tls.c.allocs++;
    tls.c.bytes_allocated += size ? size : 1;
    if (__builtin_expect(tls.c.allocs > tls.watch, 0)) watch_hit();
}

/* The backend keeps errno itself (its only calls that can set it, mmap and the like, save and
 * restore it), so the hot path does not pay for __errno_location twice per call. */
static __attribute__((noinline)) void *after_alloc(void *p, size_t size, unsigned fn) {
    tls.guard++;
    mk__on_alloc(p, size, fn);
    tls.guard--;
    return p;
}

EXPORT void *malloc(size_t size) {
    void *p = __libc_malloc(size);
    if (!p || tls.guard) return p;
    count_alloc(size);
    if (!want()) return p;
    return after_alloc(p, size, MK_FN_MALLOC);
}

EXPORT void *calloc(size_t n, size_t size) {
    void *p = __libc_calloc(n, size);
    if (!p || tls.guard) return p;
    size_t bytes = n * size; /* glibc returned a block, so the product did not overflow */
    count_alloc(bytes);
    if (!want()) return p;
    return after_alloc(p, bytes, MK_FN_CALLOC);
}

EXPORT void free(void *p) {
    if (!p) return;
    if (tls.guard) {
        __libc_free(p);
        return;
    }
    if (__builtin_expect(tls.registered != 1, 0)) register_thread();
    tls.c.frees++;
    if (want()) {
        tls.guard++;
        tls.c.bytes_freed += mk__on_free(p);
        tls.guard--;
    }
    __libc_free(p);
}

static void *do_realloc(void *old, size_t size) {
    if (!old) {
        void *p = __libc_malloc(size);
        if (!p || tls.guard) return p;
        count_alloc(size); /* a new block, not a resize: not in reallocs */
        if (!want()) return p;
        return after_alloc(p, size, MK_FN_REALLOC);
    }
    if (tls.guard || !want()) {
        void *p = __libc_realloc(old, size);
        if (!tls.guard) {
            if (p) count_alloc(size), tls.c.reallocs++;
            else if (size == 0) tls.c.frees++;
        }
        return p;
    }
    struct mk_realloc_tok tok;
    tls.guard++;
    mk__realloc_take(old, &tok);
    tls.guard--;
    void *p = __libc_realloc(old, size);
    int saved = errno;
    tls.guard++;
    size_t old_size = mk__realloc_done(&tok, p, size);
    tls.guard--;
    errno = saved;
    if (p) {
        count_alloc(size);
        tls.c.reallocs++;
        tls.c.bytes_freed += old_size;
    } else if (size == 0) {
        tls.c.frees++;
        tls.c.bytes_freed += old_size;
    }
    return p;
}

EXPORT void *realloc(void *old, size_t size) { return do_realloc(old, size); }

EXPORT void *reallocarray(void *old, size_t n, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return do_realloc(old, bytes);
}

static void *aligned(size_t align, size_t size, unsigned fn) {
    void *p = __libc_memalign(align, size);
    if (!p || tls.guard) return p;
    count_alloc(size);
    if (!want()) return p;
    return after_alloc(p, size, fn);
}

EXPORT void *memalign(size_t align, size_t size) { return aligned(align, size, MK_FN_MEMALIGN); }

EXPORT void *aligned_alloc(size_t align, size_t size) {
    if (aligned_alloc_checks_pow2 && (align == 0 || (align & (align - 1)))) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(align, size, MK_FN_MEMALIGN);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size) {
    /* glibc's checks: a power of two that is a multiple of sizeof(void *); *out untouched on error. */
    if (align % sizeof(void *) != 0 || align == 0 || (align & (align - 1))) return EINVAL;
    void *p = aligned(align, size, MK_FN_MEMALIGN);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *valloc(size_t size) {
    void *p = __libc_valloc(size);
    if (!p || tls.guard) return p;
    count_alloc(size);
    if (!want()) return p;
    return after_alloc(p, size, MK_FN_OTHER);
}

EXPORT void *pvalloc(size_t size) {
    void *p = __libc_pvalloc(size);
    if (!p || tls.guard) return p;
    count_alloc(size);
    if (!want()) return p;
    return after_alloc(p, size, MK_FN_OTHER);
}

/* glibc exports no __libc_ name for it: find the next definition once, under the guard (dlsym may
 * allocate). What it returns is glibc's usable size, as without the recorder. */
EXPORT size_t malloc_usable_size(void *p) {
    static size_t (*next)(void *);
    size_t (*fn)(void *) = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
    if (!fn) {
        tls.guard++;
        fn = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
        tls.guard--;
        if (!fn) return 0;
        __atomic_store_n(&next, fn, __ATOMIC_RELEASE);
    }
    return fn(p);
}

/* ---- mk__count_iface: the counting API's view of this layer (src/count_iface.h) ---- */

static int reg_lock;
static struct hook_tls *reg_head;
static uint64_t retired[MK__C_N]; /* counts of threads that exited, under reg_lock */
static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

static void reg_acquire(void) {
    while (__atomic_exchange_n(&reg_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&reg_lock, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static void reg_release(void) { __atomic_store_n(&reg_lock, 0, __ATOMIC_RELEASE); }

static void add_counts(uint64_t out[MK__C_N], const struct mk_hook_counters *c) {
    out[MK__C_ALLOCS] += __atomic_load_n(&c->allocs, __ATOMIC_RELAXED);
    out[MK__C_FREES] += __atomic_load_n(&c->frees, __ATOMIC_RELAXED);
    out[MK__C_REALLOCS] += __atomic_load_n(&c->reallocs, __ATOMIC_RELAXED);
    out[MK__C_BYTES_ALLOC] += __atomic_load_n(&c->bytes_allocated, __ATOMIC_RELAXED);
    out[MK__C_BYTES_FREED] += __atomic_load_n(&c->bytes_freed, __ATOMIC_RELAXED);
}

static void unlink_locked(struct hook_tls *t) {
    for (struct hook_tls **pp = &reg_head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
}

/* At thread exit (a TLS destructor): fold the thread's counts into the retired sums. Its later
 * events, from other destructors, are counted for the thread but no longer for the process. */
static void thread_gone(void *arg) {
    struct hook_tls *t = arg;
    reg_acquire();
    add_counts(retired, &t->c);
    unlink_locked(t);
    t->registered = 2;
    reg_release();
}

static void reg_fork_prepare(void) { reg_acquire(); }
static void reg_fork_parent(void) { reg_release(); }
/* The child has one thread: the others' counts become history. */
static void reg_fork_child(void) {
    for (struct hook_tls *t = reg_head; t; t = t->next)
        if (t != &tls) add_counts(retired, &t->c);
    reg_head = tls.registered == 1 ? &tls : NULL;
    tls.next = NULL;
    reg_release();
}

static void make_key(void) {
    pthread_key_create(&reg_key, thread_gone);
    pthread_atfork(reg_fork_prepare, reg_fork_parent, reg_fork_child);
}

static __attribute__((noinline)) void register_thread(void) {
    extern char **__environ;
    if (tls.registered == 2 || tls.guard || !__environ) return; /* !__environ: too early, retry later */
    tls.guard++;
    pthread_once(&reg_once, make_key);
    reg_acquire();
    tls.next = reg_head;
    reg_head = &tls;
    tls.registered = 1;
    reg_release();
    pthread_setspecific(reg_key, &tls); /* may allocate (under the guard) */
    tls.guard--;
}

extern char __ehdr_start[] __attribute__((visibility("hidden")));
extern char __etext[] __attribute__((visibility("hidden")));

static __attribute__((noinline)) void watch_hit(void) {
    uintptr_t pcs[MK__WATCH_FRAMES + 8];
    tls.guard++;
    int n = mk__backtrace(pcs, MK__WATCH_FRAMES + 8, 0), i = 0;
    while (i < n && pcs[i] >= (uintptr_t)__ehdr_start && pcs[i] < (uintptr_t)__etext) i++;
    struct mk__watch_hit *h = &tls.hits[tls.nhits % WATCH_RING];
    h->index = tls.c.allocs;
    h->nframes = 0;
    for (; i < n && h->nframes < MK__WATCH_FRAMES; i++) h->frames[h->nframes++] = (void *)pcs[i];
    tls.nhits++;
    tls.guard--;
}

static void iface_thread_counts(uint64_t out[MK__C_N]) {
    for (int i = 0; i < MK__C_N; i++) out[i] = 0;
    add_counts(out, &tls.c);
}

static void iface_process_counts(uint64_t out[MK__C_N], uint64_t *peak_live) {
    for (int i = 0; i < MK__C_N; i++) out[i] = 0;
    if (tls.registered == 0) register_thread();
    tls.guard++;
    reg_acquire();
    for (int i = 0; i < MK__C_N; i++) out[i] = retired[i];
    for (struct hook_tls *t = reg_head; t; t = t->next) add_counts(out, &t->c);
    reg_release();
    tls.guard--;
    if (peak_live) *peak_live = mk__backend_peak_live();
}

static void iface_peak_reset(void) { mk__backend_peak_reset(); }

static uint64_t iface_watch(uint64_t threshold) {
    uint64_t old = tls.watch;
    tls.watch = threshold;
    return old;
}

static int iface_watch_hits(uint64_t after, struct mk__watch_hit *out, int max) {
    uint64_t k = tls.nhits > WATCH_RING ? tls.nhits - WATCH_RING : 0;
    int n = 0;
    for (; k < tls.nhits && n < max; k++) {
        const struct mk__watch_hit *h = &tls.hits[k % WATCH_RING];
        if (h->index > after) out[n++] = *h;
    }
    return n;
}

static const struct mk__count_iface count_iface = {
    MK__COUNT_IFACE_VERSION, "memkit run", NULL,
    iface_thread_counts, iface_process_counts, iface_peak_reset, iface_watch, iface_watch_hits,
};

/* Exported for libmemkit's counting API, which finds it with dlsym in a preloaded recorder. */
EXPORT const struct mk__count_iface *mk__count_iface(void) { return &count_iface; }
