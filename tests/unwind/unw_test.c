/* unw_test.c - checks mk__backtrace (src/unwind/unwind.c) against libunwind's unw_backtrace.
 *
 * Built by tests/unwind/check.sh in several variants (with and without frame pointers). Every
 * comparison captures with both unwinders from the same function: entry 0 differs (two call
 * sites), every later entry must be the same PC, and mk__backtrace must find as many frames as
 * libunwind does (both stop at the outermost frame). UNW_LIB1/UNW_LIB2 name the shared libraries
 * for the dlopen test.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "../../src/unwind/testing.h"
#include "../../src/unwind/cache.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#define NOIPA __attribute__((noipa))
#define MAXF 128

/* The allocator, interposed: any call while a thread is inside mk__backtrace is counted (the
 * contract says it never allocates; the first capture also rescans the loaded modules). */
extern void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t), *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static __thread volatile int t_in_capture; /* volatile: malloc is a builtin the compiler reasons about */
static atomic_int g_malloc_in_capture;
static void note_alloc(void) {
    if (t_in_capture) atomic_fetch_add(&g_malloc_in_capture, 1);
}
void *malloc(size_t n) { note_alloc(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { note_alloc(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { note_alloc(); return __libc_realloc(p, n); }
void free(void *p) { note_alloc(); __libc_free(p); }

static int mk_capture(uintptr_t *pcs, int max, int skip) {
    t_in_capture = 1;
    int n = mk__backtrace(pcs, max, skip);
    t_in_capture = 0;
    return n;
}

struct cmp_result {
    int n_mk, n_ref, mismatch_at; /* mismatch_at -1: agree */
    uintptr_t mk[MAXF], ref[MAXF];
};

/* Captures with both unwinders; safe in a signal handler (no printing, no malloc in ours). */
NOIPA static void capture_both(struct cmp_result *r) {
    void *ref[MAXF];
    t_in_capture = 1;
    r->n_mk = mk__backtrace(r->mk, MAXF, 0);
    t_in_capture = 0;
    r->n_ref = 0;
    (void)ref;
    /* libunwind's step-by-step API: its fast unw_backtrace path guesses wrong through frames
     * without frame pointers in a dlopen'ed library, stepping is the careful reference. */
    unw_context_t uc;
    unw_cursor_t c;
    if (unw_getcontext(&uc) == 0 && unw_init_local(&c, &uc) == 0) {
        do {
            unw_word_t ip;
            if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip) break;
            r->ref[r->n_ref++] = (uintptr_t)ip;
        } while (r->n_ref < MAXF && unw_step(&c) > 0);
    }
    r->mismatch_at = -1;
    int n = r->n_mk < r->n_ref ? r->n_mk : r->n_ref;
    for (int i = 1; i < n; i++)
        if (r->mk[i] != r->ref[i]) { r->mismatch_at = i; break; }
    if (r->mismatch_at < 0 && r->n_mk != r->n_ref) r->mismatch_at = n;
}

static void print_result(const struct cmp_result *r) {
    printf("    mk__backtrace %d frames, unw_backtrace %d, first difference at %d\n", r->n_mk, r->n_ref,
           r->mismatch_at);
    int n = r->n_mk > r->n_ref ? r->n_mk : r->n_ref;
    for (int i = 0; i < n && i < 40; i++) {
        Dl_info di;
        uintptr_t a = i < r->n_mk ? r->mk[i] : 0, b = i < r->n_ref ? r->ref[i] : 0;
        const char *s = (b && dladdr((void *)b, &di) && di.dli_sname) ? di.dli_sname : "?";
        printf("    %2d  %#14lx  %#14lx  %s\n", i, (unsigned long)a, (unsigned long)b, s);
    }
}

#define CHECK_AGREE(r) (CHECK_EQ((r)->mismatch_at, -1) ? 1 : (print_result(r), 0))

/* ---- call chains: three shapes of frames, alternating -------------------------------------- */

typedef int (*leaf_fn)(void *);
static volatile int g_sink;
NOIPA static int chain_a(int d, leaf_fn f, void *arg);
NOIPA static int chain_b(int d, leaf_fn f, void *arg);
NOIPA static int chain_c(int d, leaf_fn f, void *arg);

NOIPA static int chain_a(int d, leaf_fn f, void *arg) {
    if (d <= 0) return f(arg);
    int r = chain_b(d - 1, f, arg);
    g_sink = r;
    return r + 1;
}

NOIPA static int chain_b(int d, leaf_fn f, void *arg) {
    volatile char big[5000]; /* a large frame: sub $N, %rsp and a CFA offset above 4 KiB */
    big[d] = (char)d;
    if (d <= 0) return f(arg) + big[0];
    int r = chain_c(d - 1, f, arg);
    return r + big[d];
}

NOIPA static int chain_c(int d, leaf_fn f, void *arg) {
    /* alloca: the CFA moves to rbp even without -fno-omit-frame-pointer */
    volatile char *p = __builtin_alloca((size_t)(d * 16 + 8));
    p[0] = (char)d;
    if (d <= 0) return f(arg) + p[0];
    int r = chain_a(d - 1, f, arg);
    return r + p[0];
}

static int leaf_capture(void *arg) {
    capture_both(arg);
    return 1;
}

TEST(chains_depth_3_to_12_agree_with_libunwind) {
    for (int d = 3; d <= 12; d++) {
        struct cmp_result r;
        chain_a(d, leaf_capture, &r);
        if (!CHECK_AGREE(&r)) return;
        CHECK_GE(r.n_mk, d + 2);
    }
}

TEST(warm_cache_gives_the_same_stack) {
    struct cmp_result r[3];
    for (int i = 0; i < 3; i++) { /* one call site, so every frame must repeat */
        if (i == 2) mk__unwind_invalidate();
        chain_a(7, leaf_capture, &r[i]);
    }
    for (int i = 1; i < 3; i++) {
        CHECK_AGREE(&r[i]);
        CHECK_EQ(r[0].n_mk, r[i].n_mk);
        CHECK_MEM_EQ(r[0].mk, r[i].mk, sizeof(uintptr_t) * 9); /* capture_both, leaf, the chain */
    }
}

/* ---- skip and max -------------------------------------------------------------------------- */

struct skipmax {
    uintptr_t all[MAXF], part[MAXF];
    int n_all, n_part, skip, max;
};

static int leaf_skipmax(void *arg) {
    struct skipmax *s = arg;
    /* Both calls from one helper so entry 0 is the same call site. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) s->n_all = mk__backtrace(s->all, MAXF, 0);
        else s->n_part = mk__backtrace(s->part, s->max, s->skip);
    }
    return 1;
}

TEST(skip_and_max) {
    int cases[][2] = {{0, 0}, {0, 1}, {1, 1}, {0, 3}, {2, 3}, {5, 100}, {1, MAXF}, {200, 10}, {3, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct skipmax s = {.skip = cases[i][0], .max = cases[i][1]};
        chain_a(6, leaf_skipmax, &s);
        int want = s.n_all - s.skip;
        if (want < 0) want = 0;
        if (want > s.max) want = s.max;
        if (want < 0) want = 0;
        CHECK_EQ(s.n_part, want);
        /* entry 0 of `all` and of `part` (skip 0) are the same call site only when the loop
         * compiled to one call; compare from the first entry both reached through a caller. */
        for (int j = 0; j < s.n_part; j++)
            if (j + s.skip > 0) CHECK_EQ(s.part[j], s.all[j + s.skip]);
    }
}

/* ---- through glibc: qsort's comparator captures -------------------------------------------- */

static struct cmp_result g_qsort_r;
static int g_qsort_done;

static int cmp_capture(const void *a, const void *b) {
    if (!g_qsort_done) {
        capture_both(&g_qsort_r);
        g_qsort_done = 1;
    }
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static int leaf_qsort(void *arg) {
    (void)arg;
    int v[64];
    for (int i = 0; i < 64; i++) v[i] = (i * 37) % 64;
    g_qsort_done = 0;
    qsort(v, 64, sizeof v[0], cmp_capture);
    return v[0];
}

TEST(through_glibc_qsort) {
    chain_a(4, leaf_qsort, NULL);
    CHECK(g_qsort_done);
    CHECK_AGREE(&g_qsort_r);
    CHECK_GE(g_qsort_r.n_mk, 8);
    /* the walk went through libc: some frame lies in the object that holds qsort */
    Dl_info q, f;
    int in_libc = 0;
    if (dladdr((void *)qsort, &q))
        for (int i = 1; i < g_qsort_r.n_mk; i++)
            if (dladdr((void *)g_qsort_r.mk[i], &f) && f.dli_fbase == q.dli_fbase) in_libc = 1;
    CHECK(in_libc);
}

/* glibc's own backtrace() as a second oracle (its unwinder is libgcc's) */
static int leaf_glibc_bt(void *arg) {
    struct cmp_result *r = arg;
    void *b[MAXF];
    r->n_mk = mk__backtrace(r->mk, MAXF, 0);
    r->n_ref = backtrace(b, MAXF);
    for (int i = 0; i < r->n_ref; i++) r->ref[i] = (uintptr_t)b[i];
    return 1;
}

TEST(agrees_with_glibc_backtrace) {
    struct cmp_result r;
    chain_a(9, leaf_glibc_bt, &r);
    /* backtrace() reports its own caller first; from entry 1 on the frames must match, and it may
     * stop one frame earlier or later at the outermost frame. */
    int n = r.n_mk < r.n_ref ? r.n_mk : r.n_ref;
    CHECK_GE(n, 11);
    r.mismatch_at = -1;
    for (int i = 1; i < n; i++)
        if (r.mk[i] != r.ref[i]) { r.mismatch_at = i; break; }
    CHECK_AGREE(&r);
    CHECK_LE(r.n_mk > r.n_ref ? r.n_mk - r.n_ref : r.n_ref - r.n_mk, 1);
}

/* ---- a dlopen'ed library without frame pointers, reloaded --------------------------------- */

typedef int (*lib_call_fn)(int, leaf_fn, void *);

/* Captures through the library's frames; returns how many PCs lie inside the library. */
static int through_lib(void *h, struct cmp_result *r) {
    lib_call_fn call = (lib_call_fn)dlsym(h, "unw_lib_call");
    if (!call) return 0;
    call(5, leaf_capture, r);
    Dl_info di, self;
    int in_lib = 0;
    dladdr((void *)call, &self);
    for (int i = 1; i < r->n_mk; i++)
        if (dladdr((void *)r->mk[i], &di) && di.dli_fbase == self.dli_fbase) in_lib++;
    return in_lib;
}

/* What the recorder does after a dlclose returns (its dlclose wrapper), and the same for the
 * oracle: both cache rules by PC, and the next library may be mapped at the same addresses. */
static void after_dlclose(void) {
    mk__unwind_invalidate();
    unw_flush_cache(unw_local_addr_space, 0, 0);
}

TEST(through_dlopened_libraries_and_reloads) {
    const char *l1 = getenv("UNW_LIB1"), *l2 = getenv("UNW_LIB2");
    if (!l1 || !l2) SKIP("UNW_LIB1/UNW_LIB2 not set (run through check.sh)");
    struct cmp_result r;
    /* Loaded after the walker's module table was built: found by the rescan on a miss. */
    void *h1 = dlopen(l1, RTLD_NOW | RTLD_LOCAL);
    if (!CHECK_NOT_NULL(h1)) return;
    CHECK_GE(through_lib(h1, &r), 6);
    CHECK_AGREE(&r);
    void *h2 = dlopen(l2, RTLD_NOW | RTLD_LOCAL);
    if (!CHECK_NOT_NULL(h2)) return;
    CHECK_GE(through_lib(h2, &r), 6);
    CHECK_AGREE(&r);
    dlclose(h1);
    dlclose(h2);
    after_dlclose();
    /* Reloaded in the other order: likely each at the other's old address. */
    for (int round = 0; round < 3; round++) {
        const char *first = round % 2 ? l1 : l2;
        void *h = dlopen(first, RTLD_NOW | RTLD_LOCAL);
        if (!CHECK_NOT_NULL(h)) return;
        CHECK_GE(through_lib(h, &r), 6);
        CHECK_AGREE(&r);
        dlclose(h);
        after_dlclose();
    }
}

/* ---- many threads at once ------------------------------------------------------------------ */

static atomic_int g_thread_bad;

static void *thread_main(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 1500; i++) {
        struct cmp_result r;
        chain_a(3 + (i + id) % 10, leaf_capture, &r);
        if (r.mismatch_at != -1) atomic_fetch_add(&g_thread_bad, 1);
    }
    return NULL;
}

TEST(many_threads_at_once_with_invalidations) {
    pthread_t t[6];
    atomic_store(&g_thread_bad, 0);
    for (int i = 0; i < 6; i++) CHECK_EQ(pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 200; i++) mk__unwind_invalidate();
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
    CHECK_EQ(atomic_load(&g_thread_bad), 0);
}

/* ---- signal handlers ----------------------------------------------------------------------- */

static struct cmp_result g_sig_r;
static volatile sig_atomic_t g_sig_hits;

static void on_signal(int sig) {
    (void)sig;
    capture_both(&g_sig_r);
    g_sig_hits++;
}

static int leaf_raise(void *arg) {
    (void)arg;
    raise(SIGUSR1);
    return 1;
}

static void sig_install(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

TEST(from_a_signal_handler_through_the_signal_frame) {
    sig_install(SIGUSR1, on_signal, 0);
    g_sig_hits = 0;
    chain_a(6, leaf_raise, NULL);
    CHECK_EQ(g_sig_hits, 1);
    CHECK_AGREE(&g_sig_r);
    CHECK_GE(g_sig_r.n_mk, 10); /* handler, trampoline, raise..., the chain, main */
}

TEST(from_a_signal_handler_on_an_alternate_stack) {
    static char alt[64 * 1024] __attribute__((aligned(16)));
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0}, old;
    CHECK_EQ(sigaltstack(&ss, &old), 0);
    sig_install(SIGUSR1, on_signal, SA_ONSTACK);
    g_sig_hits = 0;
    chain_a(6, leaf_raise, NULL);
    sigaltstack(&old, NULL);
    sig_install(SIGUSR1, SIG_DFL, 0);
    CHECK_EQ(g_sig_hits, 1);
    CHECK((uintptr_t)g_sig_r.mk[0] != 0);
    CHECK_AGREE(&g_sig_r);
    CHECK_GE(g_sig_r.n_mk, 10);
}

/* Asynchronous signals land anywhere in a worker that keeps entering and leaving the chain,
 * prologues and epilogues included: the walk through the interrupted frame must still agree. */
static atomic_int g_async_run, g_async_ready, g_async_bad, g_async_total;
static struct cmp_result g_async_first_bad;

static void on_async(int sig) {
    (void)sig;
    struct cmp_result r;
    capture_both(&r);
    if (r.mismatch_at != -1 && atomic_fetch_add(&g_async_bad, 1) == 0) g_async_first_bad = r;
    atomic_fetch_add(&g_async_total, 1);
}

static int leaf_spin(void *arg) {
    (void)arg;
    int x = 0;
    for (int i = 0; i < 50; i++) x += g_sink;
    return x;
}

static void *async_worker(void *arg) {
    (void)arg;
    atomic_store(&g_async_ready, 1);
    while (atomic_load_explicit(&g_async_run, memory_order_relaxed)) chain_a(5, leaf_spin, NULL);
    return NULL;
}

TEST(asynchronous_signals_at_any_instruction) {
    sig_install(SIGUSR2, on_async, SA_RESTART);
    atomic_store(&g_async_run, 1);
    atomic_store(&g_async_ready, 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, async_worker, NULL), 0);
    while (!atomic_load(&g_async_ready)) sched_yield();
    for (int i = 0; i < 400; i++) {
        int before = atomic_load(&g_async_total);
        pthread_kill(t, SIGUSR2);
        while (atomic_load(&g_async_total) == before) sched_yield();
    }
    atomic_store(&g_async_run, 0);
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&g_async_total), 400);
    if (!CHECK_EQ(atomic_load(&g_async_bad), 0)) print_result(&g_async_first_bad);
}

/* ---- the frame-pointer walk and how far it can be trusted ---------------------------------- */

struct fpcheck {
    uintptr_t fp[MAXF], cfi[MAXF];
    int n_fp, n_cfi;
};

static int leaf_fpcheck(void *arg) {
    struct fpcheck *c = arg;
    for (volatile int pass = 0; pass < 2; pass++) /* one call site for both */
        if (pass == 0) c->n_fp = mk__backtrace_fp(c->fp, MAXF, 0);
        else c->n_cfi = mk__backtrace(c->cfi, MAXF, 0);
    return 1;
}

TEST(frame_pointer_walk_is_trusted_as_far_as_the_cfi_says) {
    for (int d = 3; d <= 12; d += 3) {
        struct fpcheck c;
        chain_a(d, leaf_fpcheck, &c);
        int k = mk__unwind_fp_sound(c.fp, c.n_fp);
        int m = k + 1 < c.n_fp ? k + 1 : c.n_fp;
        CHECK_LE(m, c.n_cfi);
        CHECK_MEM_EQ(c.fp + 1, c.cfi + 1, sizeof(uintptr_t) * (size_t)(m > 1 ? m - 1 : 0));
#if UNW_TEST_FP
        CHECK_GE(k, d + 1); /* the leaf and the whole chain keep frame pointers */
#else
        CHECK_LE(k, 1); /* a chain frame without a frame pointer ends the trusted part */
#endif
    }
    CHECK_EQ(mk__unwind_fp_sound(NULL, 0), 0);
}

/* ---- thread stacks the program provides, deep stacks ---------------------------------------- */

static void *thread_chain(void *arg) {
    chain_a(7, leaf_capture, arg);
    return NULL;
}

TEST(thread_on_a_stack_the_program_allocated) {
    static char stack[1 << 20] __attribute__((aligned(4096)));
    pthread_attr_t a;
    pthread_t t;
    struct cmp_result r;
    CHECK_EQ(pthread_attr_init(&a), 0);
    CHECK_EQ(pthread_attr_setstack(&a, stack, sizeof stack), 0);
    CHECK_EQ(pthread_create(&t, &a, thread_chain, &r), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    CHECK_AGREE(&r);
    CHECK_GE(r.n_mk, 10);
}

static void *thread_altstack_signal(void *arg) {
    static char alt[64 * 1024] __attribute__((aligned(16)));
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    (void)arg;
    if (sigaltstack(&ss, NULL) != 0) return NULL;
    chain_a(5, leaf_raise, NULL);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    return NULL;
}

TEST(signal_on_an_alternate_stack_in_a_thread) {
    sig_install(SIGUSR1, on_signal, SA_ONSTACK);
    g_sig_hits = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, thread_altstack_signal, NULL), 0);
    pthread_join(t, NULL);
    sig_install(SIGUSR1, SIG_DFL, 0);
    CHECK_EQ(g_sig_hits, 1);
    CHECK_AGREE(&g_sig_r);
    CHECK_GE(g_sig_r.n_mk, 10);
}

static uintptr_t g_deep32[32];
static int g_deep32_n;

NOIPA static int deep(int d, struct cmp_result *r) {
    if (d == 0) {
        capture_both(r);
        g_deep32_n = mk_capture(g_deep32, 32, 0);
        return 1;
    }
    int x = deep(d - 1, r);
    g_sink = x;
    return x + 1;
}

TEST(deep_stack_is_cut_at_max) {
    struct cmp_result r;
    deep(300, &r); /* deeper than MAXF: both stop at MAXF frames */
    CHECK_EQ(r.n_mk, MAXF);
    CHECK_AGREE(&r);
    /* --depth 32: the innermost 32 frames, the same as the longer capture's from entry 2 (entries
     * 0 and 1 are in mk_capture and capture_both and at their call sites in deep) */
    CHECK_EQ(g_deep32_n, 32);
    CHECK_MEM_EQ(g_deep32 + 2, r.mk + 2, 30 * sizeof(uintptr_t));
}

/* ---- a corrupted stack --------------------------------------------------------------------- */

static uint64_t rng(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uintptr_t g_saved[1024];
static uintptr_t g_stack_top; /* the end of the stack the corruption test runs on */
static uintptr_t g_corrupt_pcs[MAXF], g_fp_pcs[MAXF];
static int g_corrupt_n, g_fp_n;

/* Overwrites the frames of its callers with garbage, captures, and puts them back before
 * returning. Only its own frame and the capture below it stay intact. */
NOIPA static uintptr_t corrupt_and_capture(int pattern, uint64_t seed) {
    /* volatile: the compiler must neither drop nor merge stores to frames it does not own */
    volatile uintptr_t *cfa = (volatile uintptr_t *)__builtin_frame_address(0) + 2;
    size_t words = (g_stack_top - (uintptr_t)cfa) / 8;
    if (words > 1024) words = 1024;
    for (size_t i = 0; i < words; i++) g_saved[i] = cfa[i];
    uintptr_t code[3] = {(uintptr_t)chain_a, (uintptr_t)qsort, (uintptr_t)printf};
    for (size_t i = 0; i < words; i++) {
        uint64_t x = rng(&seed);
        uintptr_t v;
        switch (pattern) {
        case 0: v = 0; break;
        case 1: v = x; break;                                            /* random words */
        case 2: v = (uintptr_t)(cfa + x % words); break;                 /* pointers into itself */
        case 3: v = (uintptr_t)(cfa + (x % 64)) - 512 * (x >> 60 & 1); break; /* loops, down */
        case 4: v = code[x % 3] + (x >> 8) % 4096; break;                /* PCs in real code */
        default: /* a mix: real code and (misaligned) pointers into the region */
            v = (x & 1) ? code[x % 3] + (x >> 8) % 4096 : (uintptr_t)(cfa + (x >> 4) % words) + (x >> 32) % 8;
        }
        cfa[i] = v;
    }
    g_corrupt_n = mk__backtrace(g_corrupt_pcs, MAXF, 0);
    g_fp_n = mk__backtrace_fp(g_fp_pcs, MAXF, 0);
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    for (size_t i = 0; i < words; i++) cfa[i] = g_saved[i];
    return ra;
}

static int g_corrupt_ok;

NOIPA static int leaf_corrupt(void *arg) {
    int *pattern_seed = arg;
    uintptr_t ra = corrupt_and_capture(pattern_seed[0], (uint64_t)pattern_seed[1]);
    /* the frames up to the first garbage are right: entry 1 is corrupt_and_capture's return
     * address, and the walk stops within its bound */
    g_corrupt_ok = g_corrupt_n >= 2 && g_corrupt_pcs[1] == ra && g_corrupt_n <= MAXF && g_fp_n <= MAXF;
    return 0;
}

TEST(corrupted_stack_stops_without_crashing) {
    extern void *__libc_stack_end;
    g_stack_top = (uintptr_t)__libc_stack_end;
    int bad = 0;
    for (int pattern = 0; pattern < 6; pattern++)
        for (int seed = 0; seed < 300; seed++) {
            int ps[2] = {pattern, seed};
            g_corrupt_ok = 0;
            chain_a(4, leaf_corrupt, ps);
            if (!g_corrupt_ok) bad++;
        }
    CHECK_EQ(bad, 0);
    /* and the walker still works afterwards */
    struct cmp_result r;
    chain_a(5, leaf_capture, &r);
    CHECK_AGREE(&r);
}

/* ---- fibers: stacks the walker has never seen, with unmapped memory around them -------------- */

#include <sys/mman.h>
#include <ucontext.h>

static ucontext_t g_main_ctx, g_fiber_ctx;
static struct cmp_result g_fiber_r;
static int g_fiber_corrupt_bad;

static void fiber_body(void) {
    chain_a(6, leaf_capture, &g_fiber_r);
    /* corrupt the fiber's own frames: the walk must stay inside its mapping */
    for (int pattern = 0; pattern < 6; pattern++)
        for (int seed = 0; seed < 50; seed++) {
            int ps[2] = {pattern, seed};
            g_corrupt_ok = 0;
            chain_a(3, leaf_corrupt, ps);
            if (!g_corrupt_ok) g_fiber_corrupt_bad++;
        }
}

static void run_fiber(char *stack, size_t size) {
    g_fiber_corrupt_bad = 0;
    g_stack_top = (uintptr_t)stack + size;
    getcontext(&g_fiber_ctx);
    g_fiber_ctx.uc_stack.ss_sp = stack;
    g_fiber_ctx.uc_stack.ss_size = size;
    g_fiber_ctx.uc_link = &g_main_ctx;
    makecontext(&g_fiber_ctx, fiber_body, 0);
    swapcontext(&g_main_ctx, &g_fiber_ctx);
}

TEST(fiber_on_a_mapping_between_unmapped_pages) {
    /* 256 KiB with an unmapped page on each side */
    size_t size = 256 * 1024;
    char *m = mmap(NULL, size + 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(m != MAP_FAILED)) return;
    munmap(m, 4096);
    munmap(m + 4096 + size, 4096);
    run_fiber(m + 4096, size);
    CHECK_AGREE(&g_fiber_r);
    CHECK_GE(g_fiber_r.n_mk, 8);
    CHECK_EQ(g_fiber_corrupt_bad, 0);
    munmap(m + 4096, size);
}

static void *thread_fiber(void *arg) {
    static char stack[128 * 1024] __attribute__((aligned(16))); /* in .bss, far from the thread's */
    (void)arg;
    run_fiber(stack, sizeof stack);
    return NULL;
}

TEST(fiber_in_a_thread) {
    pthread_t t;
    memset(&g_fiber_r, 0, sizeof g_fiber_r);
    CHECK_EQ(pthread_create(&t, NULL, thread_fiber, NULL), 0);
    pthread_join(t, NULL);
    CHECK_AGREE(&g_fiber_r);
    CHECK_GE(g_fiber_r.n_mk, 8);
    CHECK_EQ(g_fiber_corrupt_bad, 0);
}

/* Last (tests run in file order): every capture above ran with the interposed allocator. */
TEST(never_allocates) {
    struct cmp_result r;
    mk__unwind_invalidate(); /* the next capture rescans the modules and computes every rule */
    chain_a(6, leaf_capture, &r);
    CHECK_AGREE(&r);
    uintptr_t pcs[8];
    CHECK_GE(mk_capture(pcs, 8, 0), 1);
    CHECK_EQ(atomic_load(&g_malloc_in_capture), 0);
    /* and the interposer does see allocations (so the check above can fail) */
    t_in_capture = 1;
    void *volatile p = malloc(16);
    free(p);
    t_in_capture = 0;
    CHECK_EQ(atomic_load(&g_malloc_in_capture), 2);
}

/* A cached rule must not come back when the generation's 15 bits in the key come round: a program
 * that loads and unloads libraries in a loop advances the generation two or three times a cycle. */
TEST(rule_cache_forgets_across_a_generation_wrap) {
    uintptr_t pc = 0x5a5a5a5a0ull; /* no code there: no capture in this test caches it */
    uint64_t rule = RULE(K_SP, 0) | 24;
    mk__cache_put(pc, mk__gen_bits(), rule);
    CHECK_EQ(mk__cache_lookup(pc, mk__gen_bits()), rule);
    mk__gen_advance();
    CHECK_EQ(mk__cache_lookup(pc, mk__gen_bits()), 0);
    for (int i = 1; i < 32768; i++) mk__gen_advance(); /* back to the same 15 bits */
    CHECK_EQ(mk__cache_lookup(pc, mk__gen_bits()), 0);
}

TEST_MAIN()
