/* test_count.c - the counting API over whichever layer the build has: libmemkit-count.a in the plain
 * builds, the sanitizer's allocation hooks under AddressSanitizer and ThreadSanitizer. Exact counts,
 * requested sizes, regions, windows, the peak, threads, and expectations: each kind passing and
 * failing, with the offending stacks symbolized, the exit status of a process whose expectation
 * failed, and the awkward cases (nesting across scopes, signal handlers, UINT64_MAX, return and
 * break out of the block, threads that exit inside it, fork inside it). */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "memkit/arena.h"
#include "memkit/pool.h"
#include "memkit/prof.h"

/* Stores through a volatile pointer so the compiler cannot drop a malloc/free pair. */
static void *volatile sink;
static void *keep(void *p) {
    __atomic_store_n((void **)&sink, p, __ATOMIC_RELAXED); /* threads call it too */
    return p;
}

/* The sanitizers' hooks see a realloc as a new block and a free of the old one. */
static int sanitizer(void) { return strcmp(mk_count_provider(), "sanitizer hooks") == 0; }
/* ThreadSanitizer does not report the aligned allocation functions to its hooks, and says so. */
static int aligned_counted(void) { return strstr(mk_count_unavailable_reason(), "memalign") == NULL; }

/* Runs fn in a forked child that ends through exit(fn()) (so exit handlers run), its stderr in
 * out. Returns the wait status. */
static int run_exiting_child(int (*fn)(void), char *out, size_t cap) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        exit(fn());
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    char rest[256];
    while (n < cap - 1 && (r = read(fds[0], out + n, cap - 1 - n)) > 0) n += (size_t)r;
    while (read(fds[0], rest, sizeof rest) > 0) {}
    out[n] = '\0';
    close(fds[0]);
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

#define EXITED_WITH(st, code) (WIFEXITED(st) && WEXITSTATUS(st) == (code))

TEST(unavailable_reason_is_consistent) {
    if (mk_count_available()) {
        if (aligned_counted()) CHECK_STR_EQ(mk_count_unavailable_reason(), "");
        CHECK(strlen(mk_count_provider()) > 5);
    } else {
        CHECK(strlen(mk_count_unavailable_reason()) > 10);
        CHECK_STR_EQ(mk_count_provider(), "");
    }
}

TEST(region_counts_every_function) {
    REQUIRE_COUNTING();
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    void *a = keep(malloc(10));
    void *b = keep(calloc(4, 8));
    int aligned = aligned_counted();
    void *c = NULL, *e = NULL, *f = NULL;
    if (aligned) {
        CHECK_EQ(posix_memalign(&c, 64, 100), 0);
        keep(c);
        e = keep(aligned_alloc(64, 128));
        f = keep(memalign(32, 40));
    }
    a = keep(realloc(a, 1000));       /* replaces a block: an allocation and a realloc */
    void *g = keep(realloc(NULL, 5)); /* an allocation, not a realloc */
    free(b), free(c), free(e), free(f), free(g);
    free(NULL);                       /* not counted */
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.version, MK_COUNT_STATS_VERSION);
    CHECK_EQ(d.allocs, aligned ? 7 : 4);
    CHECK_EQ(d.reallocs, sanitizer() ? 0 : 1);
    CHECK_EQ(d.frees, (sanitizer() ? 6 : 5) - (aligned ? 0 : 3));
    CHECK_EQ(d.live_blocks, 1);       /* a, after its realloc */
    CHECK_EQ(d.live_bytes, 1000);     /* requested sizes */
    CHECK_EQ(d.bytes_allocated, 10 + 32 + (aligned ? 100 + 128 + 40 : 0) + 1000 + 5);
    CHECK_EQ(d.peak_live_bytes, 0);
    free(a);
    mk_count_region_end(&r, &d);      /* a region may be ended again */
    CHECK_EQ(d.live_blocks, 0);
    CHECK_EQ(d.live_bytes, 0);
    CHECK_EQ(d.bytes_allocated, d.bytes_freed);
}

/* One set of numbers: what was asked for, at allocation and at free, whatever the layer. */
TEST(bytes_are_requested_sizes) {
    REQUIRE_COUNTING();
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    void *p = keep(malloc(77));
    void *big = keep(malloc((1 << 20) + 3)); /* an mmapped chunk */
    void *z = keep(malloc(0));               /* counts 1, as in DHAT */
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.bytes_allocated, 77 + (1 << 20) + 3 + 1);
    p = keep(realloc(p, 300));
    free(big);
    free(z);
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.bytes_allocated, 77 + (1 << 20) + 3 + 1 + 300);
    CHECK_EQ(d.bytes_freed, 77 + (1 << 20) + 3 + 1);
    CHECK_EQ(d.live_bytes, 300);
    CHECK_GE(malloc_usable_size(p), 300); /* the program still sees the whole block */
    free(p);
}

TEST(regions_nest) {
    REQUIRE_COUNTING();
    mk_count_region outer, inner;
    struct mk_count_stats d;
    mk_count_region_begin(&outer);
    free(keep(malloc(1)));
    mk_count_region_begin(&inner);
    free(keep(malloc(2)));
    free(keep(malloc(3)));
    mk_count_region_end(&inner, &d);
    CHECK_EQ(d.allocs, 2);
    mk_count_region_end(&outer, &d);
    CHECK_EQ(d.allocs, 3);
    CHECK_EQ(d.frees, 3);
}

TEST(reset_starts_a_window_with_its_own_peak) {
    REQUIRE_COUNTING();
    void *big = keep(malloc(1 << 20));
    free(big);
    mk_count_reset();
    struct mk_count_stats s;
    mk_count_stats(&s);
    CHECK_EQ(s.allocs, 0);
    CHECK_LT(s.peak_live_bytes, 1 << 20);
    void *a = keep(malloc(4000)), *b = keep(malloc(4000));
    free(a);
    free(b);
    mk_count_stats(&s);
    CHECK_EQ(s.allocs, 2);
    CHECK_EQ(s.frees, 2);
    CHECK_EQ(s.live_bytes, 0);
    /* The window's peak is the two blocks together, not the megabyte before the reset. */
    CHECK_GE(s.peak_live_bytes, 8000);
    CHECK_LT(s.peak_live_bytes, 9000);
    mk_count_thread_stats(&s);
    CHECK_EQ(s.allocs, 2);
}

enum { PER_THREAD = 10000 };
static void *worker(void *arg) {
    (void)arg;
    mk_count_region r;
    struct mk_count_stats s;
    mk_count_region_begin(&r);
    for (int i = 0; i < PER_THREAD; i++) free(keep(malloc(16 + i % 64)));
    mk_count_region_end(&r, &s);
    return (void *)(uintptr_t)s.allocs;
}

TEST(threads_add_up_including_exited_ones) {
    REQUIRE_COUNTING();
    mk_count_reset();
    pthread_t t[4];
    for (int i = 0; i < 4; i++) CHECK_EQ(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        CHECK_EQ((uintptr_t)ret, PER_THREAD); /* each thread saw only its own share */
    }
    struct mk_count_stats s;
    mk_count_stats(&s);
    /* pthread_create itself may allocate on this thread; the workers' counts are exact. */
    CHECK_GE(s.allocs, 4 * PER_THREAD);
    CHECK_LT(s.allocs, 4 * PER_THREAD + 40);
    CHECK_GE(s.frees, 4 * PER_THREAD);
}

/* ---- expectations ---- */

/* Run an expectation that must fail (or hold), taking the failure over from the exit status. */
#define EXPECT_FAIL(...)                                                                             \
    do {                                                                                             \
        mk_count_expect_take_failures();                                                             \
        __VA_ARGS__;                                                                                 \
        CHECK_EQ(mk_count_expect_take_failures(), 1);                                                \
    } while (0)
#define EXPECT_PASS(...)                                                                             \
    do {                                                                                             \
        mk_count_expect_take_failures();                                                             \
        __VA_ARGS__;                                                                                 \
        CHECK_EQ(mk_count_expect_take_failures(), 0);                                                \
    } while (0)
static int dummy;

TEST(each_kind_passes_and_fails) {
    REQUIRE_COUNTING();
    EXPECT_PASS(MK_EXPECT_NO_ALLOCS({ sink = &dummy; }));
    EXPECT_PASS(MK_EXPECT_ALLOCS(2, { free(keep(malloc(8))); free(keep(malloc(8))); }));
    EXPECT_FAIL(MK_EXPECT_ALLOCS(1, { free(keep(malloc(8))); free(keep(malloc(8))); }));
    EXPECT_PASS(MK_EXPECT_BYTES(100, { free(keep(malloc(60))); free(keep(malloc(40))); }));
    EXPECT_FAIL(MK_EXPECT_BYTES(99, { free(keep(malloc(60))); free(keep(malloc(40))); }));
    void *older = keep(malloc(32));
    (void)older;
    /* A block allocated before the block and freed inside it hides no leak. */
    EXPECT_FAIL(MK_EXPECT_NO_LEAKS({ free(older); keep(malloc(32)); }));
    free(sink);
    EXPECT_PASS(MK_EXPECT_NO_LEAKS({ void *p = keep(malloc(10)); free(keep(realloc(p, 5000))); }));
    /* 3000 then 1000 live at once peak at 4000 above the start; freeing first keeps it at 3000. */
    EXPECT_PASS(MK_EXPECT_PEAK(3000, {
        void *a = keep(malloc(3000));
        free(a);
        free(keep(malloc(1000)));
    }));
    EXPECT_FAIL(MK_EXPECT_PEAK(3999, {
        void *a = keep(malloc(3000)), *b = keep(malloc(1000));
        free(a), free(b);
    }));
    CHECK_EQ(mk_count_expect_take_failures(), 0);
}

static int exceed_allocs(void) {
    MK_EXPECT_ALLOCS(1, {
        void *a = keep(malloc(10)), *b = keep(malloc(20)), *c = keep(malloc(30));
        free(a), free(b), free(c);
    });
    return 0; /* the program never looks: the exit handler makes the status 1 */
}

/* A failed expectation names file:line, the limit and the count, shows the symbolized stacks of
 * the allocations past the limit, and the process exits non-zero although main returned 0. */
TEST(failed_expectation_reports_and_fails_the_process) {
    REQUIRE_COUNTING();
    char buf[16384];
    int status = run_exiting_child(exceed_allocs, buf, sizeof buf);
    CHECK(EXITED_WITH(status, 1));
    CHECK(strstr(buf, "test_count.c:") != NULL);
    CHECK(strstr(buf, "MK_EXPECT_ALLOCS: expected at most 1 allocation, got 3") != NULL);
    CHECK(strstr(buf, "allocation 2 of the block (20 bytes)") != NULL);
    CHECK(strstr(buf, "allocation 3 of the block (30 bytes)") != NULL);
    CHECK(strstr(buf, "allocation 1 of the block") == NULL); /* within the limit: no stack */
    /* Symbolized: the function that allocated and its file:line. */
    CHECK(strstr(buf, "#0 exceed_allocs at ") != NULL);
    CHECK(strstr(buf, "tests/unit/test_count.c:") != NULL);
    CHECK(strstr(buf, "1 allocation expectation failed: exit status 1") != NULL);
    if (!CHECK(strstr(buf, "#0 exceed_allocs at ") != NULL)) printf("%s", buf);
}

static int take_over(void) {
    MK_EXPECT_NO_ALLOCS({ free(keep(malloc(1))); });
    return mk_count_expect_take_failures() == 1 ? 0 : 2; /* taken over: exit 0 stays 0 */
}

static int exit_three(void) {
    MK_EXPECT_NO_ALLOCS({ free(keep(malloc(1))); });
    return 3; /* a non-zero status is kept */
}

TEST(a_harness_takes_failures_over) {
    REQUIRE_COUNTING();
    char buf[8192];
    CHECK(EXITED_WITH(run_exiting_child(take_over, buf, sizeof buf), 0));
    CHECK(EXITED_WITH(run_exiting_child(exit_three, buf, sizeof buf), 3));
}

static int assert_fails(void) {
    MK_ASSERT_NO_ALLOCS({ free(keep(malloc(1))); });
    return 0; /* not reached */
}

TEST(assert_aborts_at_once) {
    REQUIRE_COUNTING();
    char buf[8192];
    int status = run_exiting_child(assert_fails, buf, sizeof buf);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strstr(buf, "MK_ASSERT_NO_ALLOCS: expected at most 0 allocations, got 1") != NULL);
    CHECK(strstr(buf, "MK_ASSERT_NO_ALLOCS failed: aborting") != NULL);
}

static void *leaky_helper(void) { return keep(malloc(48)); }

static int leak_child(void) {
    MK_EXPECT_NO_LEAKS({
        free(keep(malloc(16)));
        leaky_helper();
    });
    return 0;
}

static int bytes_child(void) {
    MK_EXPECT_BYTES(100, {
        free(keep(malloc(60)));
        free(keep(malloc(50))); /* passes the limit */
    });
    return 0;
}

static int peak_child(void) {
    MK_EXPECT_PEAK(1000, {
        void *a = keep(malloc(800)), *b = keep(malloc(400)); /* b raises the peak past 1000 */
        free(a), free(b);
    });
    return 0;
}

TEST(leak_bytes_and_peak_reports_name_the_blocks) {
    REQUIRE_COUNTING();
    char buf[16384];
    CHECK(EXITED_WITH(run_exiting_child(leak_child, buf, sizeof buf), 1));
    CHECK(strstr(buf, "MK_EXPECT_NO_LEAKS: expected every block allocated in the block to be freed in it; "
                      "1 still live (48 bytes)") != NULL);
    CHECK(strstr(buf, "block of 48 bytes (allocation 2 of the block), still live") != NULL);
    CHECK(strstr(buf, "#0 leaky_helper at ") != NULL);
    CHECK(EXITED_WITH(run_exiting_child(bytes_child, buf, sizeof buf), 1));
    CHECK(strstr(buf, "MK_EXPECT_BYTES: expected at most 100 bytes allocated, got 110") != NULL);
    CHECK(strstr(buf, "allocation 2 of the block (50 bytes)") != NULL);
    CHECK(strstr(buf, "allocation 1 of the block") == NULL);
    CHECK(EXITED_WITH(run_exiting_child(peak_child, buf, sizeof buf), 1));
    CHECK(strstr(buf, "MK_EXPECT_PEAK: expected live bytes to rise at most 1000 above the start, rose 1200") != NULL);
    CHECK(strstr(buf, "allocation 2 of the block (400 bytes)") != NULL);
}

/* ---- bad input ---- */

TEST(max_at_uint64_max_never_fails_and_never_wraps) {
    REQUIRE_COUNTING();
    EXPECT_PASS(MK_EXPECT_ALLOCS(UINT64_MAX, { free(keep(malloc(1))); }));
    EXPECT_PASS(MK_EXPECT_BYTES(UINT64_MAX, { free(keep(malloc(1))); }));
    EXPECT_PASS(MK_EXPECT_PEAK(UINT64_MAX, { free(keep(malloc(1))); }));
    /* Nested inside one, a tight expectation still catches its block. */
    EXPECT_FAIL(MK_EXPECT_ALLOCS(UINT64_MAX, { MK_EXPECT_NO_ALLOCS({ free(keep(malloc(1))); }); }));
}

TEST(nested_expectations_mix_kinds_and_scopes) {
    REQUIRE_COUNTING();
    uint64_t before = mk_count_expect_take_failures();
    (void)before;
    MK_EXPECT_ALLOCS_ALL_THREADS(3, {
        MK_EXPECT_BYTES(64, {
            free(keep(malloc(64)));
            MK_EXPECT_NO_ALLOCS({ free(keep(malloc(8))); }); /* fails; its report counts nowhere */
        });
        MK_EXPECT_NO_LEAKS({ free(keep(malloc(1))); });
    });
    /* Inner NO_ALLOCS failed and, with its 8 bytes, the BYTES(64) around it; the all-threads
     * count (3 allocations) held although the failure reports allocated. */
    CHECK_EQ(mk_count_expect_take_failures(), 2);
}

static int leave_by_return(int *ran) {
    MK_EXPECT_NO_ALLOCS({
        free(keep(malloc(1)));
        *ran = 1;
        return 7; /* the check runs as the block is left */
    });
    return 0;
}

TEST(return_and_break_out_of_the_block_still_check) {
    REQUIRE_COUNTING();
    int ran = 0;
    mk_count_expect_take_failures();
    CHECK_EQ(leave_by_return(&ran), 7);
    CHECK_EQ(ran, 1);
    CHECK_EQ(mk_count_expect_take_failures(), 1);
    for (int i = 0; i < 3; i++) {
        MK_EXPECT_NO_ALLOCS({
            if (i == 1) break; /* leaves the block only, the loop goes on */
            free(keep(malloc(1)));
        });
    }
    CHECK_EQ(mk_count_expect_take_failures(), 2); /* i = 0 and i = 2 */
    /* The watch was restored each time: a later expectation sees only its own block. */
    EXPECT_PASS(MK_EXPECT_ALLOCS(1, { free(keep(malloc(1))); }));
}

static volatile sig_atomic_t handler_failed = -1;
static void on_signal(int sig) {
    (void)sig;
    uint64_t f0 = mk_count_expect_failures();
    MK_EXPECT_NO_ALLOCS({ sink = &dummy; }); /* passes without locking or allocating */
    handler_failed = (sig_atomic_t)(mk_count_expect_failures() - f0);
}

TEST(expectation_in_a_signal_handler) {
    REQUIRE_COUNTING();
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, &old);
    mk_count_expect_take_failures();
    MK_EXPECT_ALLOCS(1, {
        free(keep(malloc(1)));
        raise(SIGUSR1); /* the handler's expectation nests inside this one */
    });
    sigaction(SIGUSR1, &old, NULL);
    CHECK_EQ(handler_failed, 0);
    CHECK_EQ(mk_count_expect_take_failures(), 0);
}

static void *alloc_and_exit(void *arg) {
    for (int i = 0; i < 100; i++) free(keep(malloc(24)));
    return arg;
}

TEST(threads_that_exit_inside_the_block) {
    REQUIRE_COUNTING();
    mk_count_expect_take_failures();
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    /* Thread scope: the worker's 100 allocations are not this thread's. */
    MK_EXPECT_ALLOCS(50, {
        pthread_t t;
        pthread_create(&t, NULL, alloc_and_exit, NULL);
        pthread_join(t, NULL);
    });
    mk_count_region_end(&r, &d);
    CHECK_LT(d.allocs, 50);
    CHECK_EQ(mk_count_expect_take_failures(), 0);
    /* All threads: the exited worker's allocations are in the process totals. */
    MK_EXPECT_ALLOCS_ALL_THREADS(99, {
        pthread_t t;
        pthread_create(&t, NULL, alloc_and_exit, NULL);
        pthread_join(t, NULL);
    });
    CHECK_EQ(mk_count_expect_take_failures(), 1);
    EXPECT_PASS(MK_EXPECT_ALLOCS_ALL_THREADS(150, {
        pthread_t t;
        pthread_create(&t, NULL, alloc_and_exit, NULL);
        pthread_join(t, NULL);
    }));
}

static int fork_inside(void) {
    pid_t pid = -1;
    int status = -1;
    MK_EXPECT_ALLOCS(1, {
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            /* The child finishes the block with its own copy of the thread's counts. */
            for (int i = 0; i < 3; i++) free(keep(malloc(8)));
        }
    });
    if (pid == 0) return 0; /* the child's failure turns this 0 into exit status 1 */
    waitpid(pid, &status, 0);
    /* The parent passed and saw the child fail. */
    return mk_count_expect_failures() == 0 && EXITED_WITH(status, 1) ? 0 : 9;
}

TEST(fork_inside_the_block) {
    REQUIRE_COUNTING();
    char buf[16384];
    CHECK(EXITED_WITH(run_exiting_child(fork_inside, buf, sizeof buf), 0));
    CHECK(strstr(buf, "expected at most 1 allocation, got 3") != NULL);
}

TEST(harness_check_allocs_uses_the_macros) {
    REQUIRE_COUNTING();
    CHECK_NO_ALLOCS({ sink = &dummy; });
    CHECK_ALLOCS(1, { free(keep(malloc(8))); });
}

/* ---- custom allocators (memkit/prof.h) ---- */

TEST(annotated_blocks_count_as_allocations) {
    REQUIRE_COUNTING();
    CHECK(mk_prof_active);
    static char slab[256];
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    MK_PROF_ALLOC(slab, 48);
    MK_PROF_POOL_ALLOC(slab, slab + 64, 16);
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.allocs, 2);
    CHECK_EQ(d.bytes_allocated, 64);
    CHECK_EQ(d.live_bytes, 64);
    MK_PROF_FREE(slab);
    MK_PROF_FREE(slab + 200); /* never reported: ignored */
    MK_PROF_POOL_RESET(slab); /* slab + 64 was the pool's */
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.frees, 2);
    CHECK_EQ(d.live_bytes, 0);
    /* An expectation sees them, and a leak report names the block. */
    EXPECT_FAIL(MK_EXPECT_NO_ALLOCS({ MK_PROF_ALLOC(slab, 8); MK_PROF_FREE(slab); }));
    EXPECT_FAIL(MK_EXPECT_NO_LEAKS({ MK_PROF_ALLOC(slab, 8); }));
    MK_PROF_FREE(slab);
    EXPECT_PASS(MK_EXPECT_NO_LEAKS({ MK_PROF_ALLOC(slab, 8); MK_PROF_FREE(slab); }));
}

TEST(annotated_arena_and_pool) {
    REQUIRE_COUNTING();
    mk_arena a;
    mk_arena_init(&a, NULL);
    CHECK(mk_arena_annotate(&a, true));
    keep(mk_arena_alloc(&a, 8, 8)); /* the first chunk comes from malloc: out of the way */
    mk_arena_reset(&a);
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    for (int i = 0; i < 5; i++) CHECK_NOT_NULL(mk_arena_alloc(&a, 100, 8));
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.allocs, 5);
    CHECK_EQ(d.bytes_allocated, 500);
    EXPECT_FAIL(MK_EXPECT_ALLOCS(2, { for (int i = 0; i < 3; i++) keep(mk_arena_alloc(&a, 10, 1)); }));
    mk_arena_reset(&a);
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.live_bytes, 0); /* the reset gave every block back, the chunk stays */
    CHECK_EQ(d.frees, 8);
    mk_arena_destroy(&a);

    mk_pool p;
    CHECK_EQ(mk_pool_init(&p, 40, 8, NULL), MK_OK);
    CHECK(mk_pool_annotate(&p, true));
    void *x = mk_pool_alloc(&p);
    mk_count_region_begin(&r);
    void *y = mk_pool_alloc(&p), *z = mk_pool_alloc(&p);
    mk_pool_free(&p, y);
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.allocs, 2);
    CHECK_EQ(d.frees, 1);
    CHECK_EQ(d.bytes_allocated, 80);
    (void)x, (void)z;
    CHECK_EQ(d.live_bytes, 40);
    mk_pool_destroy(&p);
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.frees, 4); /* y; then x (from before the region), z and the pool's chunk */
}

TEST_MAIN()
