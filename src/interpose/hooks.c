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

#include "../lib/count_iface.h"
#include "../format/raw.h"
#include "../unwind/unwind.h"
#ifndef MK_HOOKS_COUNT_ONLY
#include "../recorder/fast.h"
#endif

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define EXPORT __attribute__((visibility("default")))

struct hook_tls {
    int guard;
    struct mk__hook_counters c; /* counters.h: the counting API's view of this thread */
};
static __thread struct hook_tls tls;

static int active;     /* read on every call: the backend wants events */
static int init_state; /* 0: not yet, 1: running, 2: done */
static int aligned_alloc_checks_pow2;

struct mk__hook_counters *mk__hook_counters(void) { return &tls.c; }
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
    mk__counters_init();
    mk__backend_init();
    tls.guard--;
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
    errno = saved;
}

__attribute__((constructor(101))) static void hooks_ctor(void) { hooks_init(); }

/* True when this call should be reported to the backend; initializes on the first call.
 * libmemkit-count has no backend: there the answer is a constant no. */
#ifdef MK_HOOKS_COUNT_ONLY
static inline int want(void) { return 0; }
#else
/* True when this call should be reported to the backend; initializes on the first call. */
static inline int want(void) {
    if (__builtin_expect(tls.guard, 0)) return 0;
    if (__builtin_expect(__atomic_load_n(&active, __ATOMIC_RELAXED), 1)) return 1;
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 0) hooks_init();
    return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}
#endif

/* The bytes counted for a block: the request, except in libmemkit-count, which keeps no table of
 * sizes and so counts what glibc's chunk header says the block holds (malloc_usable_size without
 * the call), the one figure it can also read at free. */
#ifdef MK_HOOKS_COUNT_ONLY
static inline size_t usable(const void *p) {
    size_t head = ((const size_t *)p)[-1]; /* chunk size | flags; bit 1: mmapped (16-byte header) */
    return (head & ~(size_t)7) - sizeof(size_t) - ((head & 2) << 2);
}
#define BYTES(p, size) ((void)(size), usable(p))
#else
#define BYTES(p, size) ((void)(p), (size) ? (size) : 1) /* a zero-byte block counts one (DHAT), as the backend reports at free */
#endif

static inline void count_alloc(void *p, size_t size) { mk__count_alloc(&tls.c, BYTES(p, size), 0); }

/* A realloc of a block of old_bytes returned p for size bytes: a new block replaced the old one, or,
 * for realloc(old, 0) returning NULL, the old one was freed; any other NULL changed nothing. */
static inline void count_realloc(void *p, size_t size, size_t old_bytes) {
    if (p) {
        mk__count_replaced(&tls.c, old_bytes);
        mk__count_alloc(&tls.c, BYTES(p, size), 1);
    } else if (size == 0) {
        mk__count_free(&tls.c, old_bytes);
    }
}

/* The backend keeps errno itself (its only calls that can set it, mmap and the like, save and
 * restore it), so the hot path does not pay for __errno_location twice per call. */
/* frame: the exported function's frame (__builtin_frame_address(0) there, FRAME below), whose
 * return address is the caller's: the stack capture starts from it instead of walking over the
 * recorder's own frames. */
static __attribute__((noinline)) void *after_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    tls.guard++;
    mk__on_alloc(p, size, fn, frame);
    tls.guard--;
    return p;
}

/* The sampled recorder's common case inline (fast.h), under the guard; else after_alloc. */
#ifdef MK_HOOKS_COUNT_ONLY
#define FAST_ALLOC(p, size) 0
#define FAST_FREE(p) 0
#else
static inline int fast_alloc(void *p, size_t size) {
    tls.guard = 1; /* it was 0: the caller checked */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    int done = mk__fast_alloc(p, size);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tls.guard = 0;
    return done;
}
#define FAST_ALLOC(p, size) fast_alloc(p, size)
#define FAST_FREE(p) mk__fast_free(p)
#endif
#define FRAME __builtin_frame_address(0)

EXPORT void *malloc(size_t size) {
    void *p = __libc_malloc(size);
    if (!p || tls.guard) return p;
    count_alloc(p, size);
    if (!want() || FAST_ALLOC(p, size)) return p;
    return after_alloc(p, size, MK_FN_MALLOC, FRAME);
}

EXPORT void *calloc(size_t n, size_t size) {
    void *p = __libc_calloc(n, size);
    if (!p || tls.guard) return p;
    size_t bytes = n * size; /* glibc returned a block, so the product did not overflow */
    count_alloc(p, bytes);
    if (!want()) return p;
    return after_alloc(p, bytes, MK_FN_CALLOC, FRAME);
}

EXPORT void free(void *p) {
    if (!p) return;
    if (tls.guard) {
        __libc_free(p);
        return;
    }
#ifdef MK_HOOKS_COUNT_ONLY
    mk__count_free(&tls.c, usable(p));
#else
    size_t bytes = 0;
    if (want()) {
        tls.guard++;
        bytes = FAST_FREE(p);
        if (!bytes) bytes = mk__on_free(p);
        tls.guard--;
    }
    mk__count_free(&tls.c, bytes);
#endif
    __libc_free(p);
}

/* realloc(NULL, n) is an allocation; realloc(p, n) that returns a block replaces p (counted as an
 * allocation and a realloc, and p's bytes leave the balance); realloc(p, 0) that returns NULL freed
 * p (glibc); any other NULL is a failure that changed nothing. */
static inline void *do_realloc(void *old, size_t size, const void *frame) {
    if (!old) {
        void *p = __libc_malloc(size);
        if (!p || tls.guard) return p;
        count_alloc(p, size);
        if (!want()) return p;
        return after_alloc(p, size, MK_FN_REALLOC, frame);
    }
    if (tls.guard || !want()) {
#ifdef MK_HOOKS_COUNT_ONLY
        size_t old_bytes = tls.guard ? 0 : usable(old);
#else
        size_t old_bytes = 0; /* only the recorder knows it */
#endif
        void *p = __libc_realloc(old, size);
        if (!tls.guard) count_realloc(p, size, old_bytes);
        return p;
    }
    struct mk__realloc_tok tok;
    tls.guard++;
    mk__realloc_take(old, &tok);
    tls.guard--;
    void *p = __libc_realloc(old, size);
    int saved = errno;
    tls.guard++;
    size_t old_size = mk__realloc_done(&tok, p, size, frame);
    tls.guard--;
    errno = saved;
    count_realloc(p, size, old_size);
    return p;
}

EXPORT void *realloc(void *old, size_t size) { return do_realloc(old, size, FRAME); }

EXPORT void *reallocarray(void *old, size_t n, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return do_realloc(old, bytes, FRAME);
}

static inline void *aligned(size_t align, size_t size, unsigned fn, const void *frame) {
    void *p = __libc_memalign(align, size);
    if (!p || tls.guard) return p;
    count_alloc(p, size);
    if (!want()) return p;
    return after_alloc(p, size, fn, frame);
}

EXPORT void *memalign(size_t align, size_t size) { return aligned(align, size, MK_FN_MEMALIGN, FRAME); }

EXPORT void *aligned_alloc(size_t align, size_t size) {
    if (aligned_alloc_checks_pow2 && (align == 0 || (align & (align - 1)))) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(align, size, MK_FN_MEMALIGN, FRAME);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size) {
    /* glibc's checks: a power of two that is a multiple of sizeof(void *); *out untouched on error. */
    if (align % sizeof(void *) != 0 || align == 0 || (align & (align - 1))) return EINVAL;
    void *p = aligned(align, size, MK_FN_MEMALIGN, FRAME);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *valloc(size_t size) {
    void *p = __libc_valloc(size);
    if (!p || tls.guard) return p;
    count_alloc(p, size);
    if (!want()) return p;
    return after_alloc(p, size, MK_FN_OTHER, FRAME);
}

EXPORT void *pvalloc(size_t size) {
    void *p = __libc_pvalloc(size);
    if (!p || tls.guard) return p;
    count_alloc(p, size);
    if (!want()) return p;
    return after_alloc(p, size, MK_FN_OTHER, FRAME);
}

/* The next definition of name after this library's, looked up once into *slot, under the guard
 * (dlsym may allocate); NULL if there is none. */
static void *next_fn(void **slot, const char *name) {
    void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!fn) {
        tls.guard++;
        fn = dlsym(RTLD_NEXT, name);
        tls.guard--;
        if (fn) __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
    }
    return fn;
}

/* glibc exports no __libc_ name for it: the next definition. What it returns is glibc's usable
 * size, as without the recorder. */
EXPORT size_t malloc_usable_size(void *p) {
    static void *next;
    size_t (*fn)(void *) = (size_t (*)(void *))next_fn(&next, "malloc_usable_size");
    return fn ? fn(p) : 0;
}


/* dlclose: after a library is unloaded, another may be mapped at its addresses, so the unwinder's
 * per-address rule cache must forget what it knew (src/prof/unwind.h). */
EXPORT int dlclose(void *handle) {
    static void *next;
    int (*fn)(void *) = (int (*)(void *))next_fn(&next, "dlclose");
    if (!fn) return -1;
    int rc = fn(handle);
    int saved = errno;
    mk__unwind_invalidate();
    errno = saved;
    return rc;
}
