/* test_count.c - the counting API over libmemkit-count.a: exact counts, regions, windows, the
 * peak, threads, and expectations that report the offending stacks. Skipped where a sanitizer owns
 * malloc (the counting layer steps aside there). */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Stores through a volatile pointer so the compiler cannot drop a malloc/free pair. */
static void *volatile sink;
static void *keep(void *p) { sink = p; return p; }

TEST(unavailable_reason_is_consistent) {
    if (mk_count_available()) CHECK_STR_EQ(mk_count_unavailable_reason(), "");
    else CHECK(strlen(mk_count_unavailable_reason()) > 10);
}

TEST(region_counts_every_function) {
    REQUIRE_COUNTING();
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    void *a = keep(malloc(10));
    void *b = keep(calloc(4, 8));
    void *c = NULL;
    CHECK_EQ(posix_memalign(&c, 64, 100), 0);
    void *e = keep(aligned_alloc(64, 128));
    void *f = keep(memalign(32, 40));
    a = keep(realloc(a, 1000));       /* replaces a block: an allocation and a realloc */
    void *g = keep(realloc(NULL, 5)); /* an allocation, not a realloc */
    free(b), free(c), free(e), free(f), free(g);
    free(NULL);                       /* not counted */
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.version, MK_COUNT_STATS_VERSION);
    CHECK_EQ(d.allocs, 7);
    CHECK_EQ(d.reallocs, 1);
    CHECK_EQ(d.frees, 5);
    CHECK_EQ(d.live_blocks, 1);       /* a, after its realloc */
    CHECK_GE(d.live_bytes, 1000);
    CHECK_LT(d.live_bytes, 1100);
    CHECK_EQ(d.peak_live_bytes, 0);
    free(a);
    mk_count_region_end(&r, &d);      /* a region may be ended again */
    CHECK_EQ(d.live_blocks, 0);
    CHECK_EQ(d.live_bytes, 0);
    CHECK_EQ(d.bytes_allocated, d.bytes_freed);
}

TEST(bytes_are_usable_sizes) {
    REQUIRE_COUNTING();
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    void *p = keep(malloc(100));
    void *big = keep(malloc(1 << 20)); /* an mmapped chunk */
    mk_count_region_end(&r, &d);
    CHECK_EQ(d.bytes_allocated, malloc_usable_size(p) + malloc_usable_size(big));
    free(p);
    free(big);
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
    CHECK_EQ(s.peak_live_bytes, 0);
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
    for (int i = 0; i < PER_THREAD; i++) free(keep(malloc(16 + i % 64)));
    struct mk_count_stats s;
    mk_count_thread_stats(&s);
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
    CHECK_LT(s.allocs, 4 * PER_THREAD + 20);
    CHECK_GE(s.frees, 4 * PER_THREAD);
}

TEST(expectations_pass_and_fail) {
    REQUIRE_COUNTING();
    uint64_t before = mk_count_expect_failures();
    MK_EXPECT_NO_ALLOCS({ sink = &before; });
    MK_EXPECT_ALLOCS(2, { free(keep(malloc(8))); free(keep(malloc(8))); });
    CHECK_EQ(mk_count_expect_failures(), before);
    CHECK_NO_ALLOCS({ sink = &before; });
}

static int exceed_expectation(void *arg) {
    (void)arg;
    uint64_t before = mk_count_expect_failures();
    MK_EXPECT_ALLOCS(1, {
        void *a = keep(malloc(10)), *b = keep(malloc(20)), *c = keep(malloc(30));
        free(a), free(b), free(c);
    });
    return mk_count_expect_failures() == before + 1 ? 0 : 1;
}

/* A failing expectation names the count and shows the stack of each allocation past the limit:
 * run it in a child and read what it printed. */
TEST(failed_expectation_reports_the_offenders) {
    REQUIRE_COUNTING();
    char buf[8192];
    int status = mk_t_run_child(exceed_expectation, NULL, buf, sizeof buf);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strstr(buf, "expected at most 1 allocation, got 3") != NULL);
    CHECK(strstr(buf, "allocation 2 of the block") != NULL);
    CHECK(strstr(buf, "allocation 3 of the block") != NULL);
    CHECK(strstr(buf, "allocation 1 of the block") == NULL); /* within the limit: no stack */
}

TEST_MAIN()
