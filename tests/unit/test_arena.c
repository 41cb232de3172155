/* test_arena.c - mk_arena: alignment, growth, reset, mark/rewind, limits, stats, poisoning. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "memkit/arena.h"

TEST(alloc_aligns_and_does_not_overlap) {
    mk_arena a;
    CHECK_EQ(mk_arena_init(&a, NULL), MK_OK);
    char *prev = NULL;
    size_t prev_size = 0;
    for (size_t i = 0; i < 10000; i++) {
        size_t size = 1 + i % 97, align = (size_t)1 << (i % 7);
        char *p = mk_arena_alloc(&a, size, align);
        CHECK_NOT_NULL(p);
        CHECK_EQ((uintptr_t)p % align, 0);
        if (prev) CHECK(p >= prev + prev_size || p + size <= prev);
        memset(p, (int)i, size);
        prev = p, prev_size = size;
    }
    struct mk_arena_stats st;
    mk_arena_stats(&a, &st);
    CHECK_EQ(st.version, MK_ARENA_STATS_VERSION);
    CHECK_GT(st.chunks, 1);
    CHECK_LE(st.used + st.wasted_align + st.wasted_tail, st.reserved);
    mk_arena_destroy(&a);
}

TEST(size_zero_and_bad_alignment) {
    mk_arena a;
    mk_arena_init(&a, NULL);
    void *z = mk_arena_alloc(&a, 0, 8); /* an empty arena still gives a valid pointer */
    CHECK_NOT_NULL(z);
    CHECK_NULL(mk_arena_alloc(&a, 8, 0));
    CHECK_NULL(mk_arena_alloc(&a, 8, 3));
    CHECK_NULL(mk_arena_alloc(&a, 8, 48));
    CHECK_NOT_NULL(mk_arena_alloc(&a, 8, 4096));
    mk_arena_destroy(&a);
}

TEST(huge_sizes_and_overflow) {
    mk_arena a;
    mk_arena_init(&a, NULL);
    CHECK_NULL(mk_arena_alloc(&a, SIZE_MAX, 1));
    CHECK_NULL(mk_arena_alloc(&a, SIZE_MAX - 100, 16));
    CHECK_NULL(mk_arena_alloc_array(&a, SIZE_MAX / 4, 8, 8));
    CHECK_NULL(MK_ARENA_NEW_ARRAY(&a, double, SIZE_MAX / 2));
    double *d = MK_ARENA_NEW_ARRAY(&a, double, 10);
    CHECK_NOT_NULL(d);
    CHECK_EQ((uintptr_t)d % _Alignof(double), 0);
    mk_arena_destroy(&a);
}

TEST(huge_allocation_gets_its_own_chunk) {
    mk_arena_opts o = {.first_chunk = 1024, .max_chunk = 1 << 20};
    mk_arena a;
    mk_arena_init(&a, &o);
    CHECK_NOT_NULL(mk_arena_alloc(&a, 100, 8));
    struct mk_arena_stats s1;
    mk_arena_stats(&a, &s1);
    char *big = mk_arena_alloc(&a, 10 << 20, 8);
    CHECK_NOT_NULL(big);
    big[(10 << 20) - 1] = 1;
    struct mk_arena_stats s2;
    mk_arena_stats(&a, &s2);
    CHECK_EQ(s2.chunks, s1.chunks + 1);
    /* The next small chunk is sized by the growth sequence, not by the huge request. */
    size_t before = s2.reserved;
    for (int i = 0; i < 20; i++) CHECK_NOT_NULL(mk_arena_alloc(&a, 100, 8));
    struct mk_arena_stats s3;
    mk_arena_stats(&a, &s3);
    CHECK_LE(s3.reserved - before, 64 << 10);
    mk_arena_destroy(&a);
}

TEST(reset_keeps_chunks_and_reuses_memory) {
    mk_arena a;
    mk_arena_init(&a, NULL);
    char *first[64];
    for (int i = 0; i < 64; i++) first[i] = mk_arena_alloc(&a, 1000, 8);
    struct mk_arena_stats s1;
    mk_arena_stats(&a, &s1);
    for (int round = 0; round < 3; round++) {
        mk_arena_reset(&a);
        for (int i = 0; i < 64; i++) CHECK_PTR_EQ(mk_arena_alloc(&a, 1000, 8), first[i]);
        struct mk_arena_stats s2;
        mk_arena_stats(&a, &s2);
        CHECK_EQ(s2.reserved, s1.reserved);
        CHECK_EQ(s2.chunks, s1.chunks);
        CHECK_EQ(s2.used, 64 * 1000);
    }
    mk_arena_trim(&a);
    struct mk_arena_stats s3;
    mk_arena_stats(&a, &s3);
    CHECK_EQ(s3.chunks, 1);
    CHECK_EQ(s3.used, 0);
    CHECK_NOT_NULL(mk_arena_alloc(&a, 1000, 8));
    mk_arena_destroy(&a);
}

TEST(mark_and_rewind) {
    mk_arena a;
    mk_arena_init(&a, &(mk_arena_opts){.first_chunk = 256});
    mk_arena_pos empty = mk_arena_mark(&a);
    char *keep = mk_arena_strdup(&a, "kept");
    mk_arena_pos m = mk_arena_mark(&a);
    char *x = NULL;
    for (int i = 0; i < 100; i++) x = mk_arena_alloc(&a, 50, 1); /* spills into later chunks */
    CHECK_NOT_NULL(x);
    mk_arena_rewind(&a, m);
    struct mk_arena_stats s;
    mk_arena_stats(&a, &s);
    CHECK_EQ(s.used, 5);
    CHECK_STR_EQ(keep, "kept");
    char *y = mk_arena_alloc(&a, 1, 1);
    CHECK_PTR_EQ(y, keep + 5);
    mk_arena_rewind(&a, empty);
    mk_arena_stats(&a, &s);
    CHECK_EQ(s.used, 0);
    mk_arena_destroy(&a);
}

TEST(resize_last_grows_in_place) {
    mk_arena a;
    mk_arena_init(&a, &(mk_arena_opts){.first_chunk = 4096});
    char *p = mk_arena_alloc(&a, 16, 8);
    memset(p, 'x', 16);
    CHECK(mk_arena_resize_last(&a, p, 16, 64));
    memset(p + 16, 'y', 48);
    CHECK(mk_arena_resize_last(&a, p, 64, 8));
    char *q = mk_arena_alloc(&a, 8, 8);
    CHECK_PTR_EQ(q, p + 8);
    CHECK(!mk_arena_resize_last(&a, p, 8, 16)); /* no longer the newest */
    CHECK(!mk_arena_resize_last(&a, q, 8, 1 << 20)); /* no room in this chunk */
    CHECK(mk_arena_resize_last(&a, q, 8, 0));
    mk_arena_destroy(&a);
}

TEST(allocator_view) {
    mk_arena a;
    mk_arena_init(&a, NULL);
    mk_allocator al = mk_arena_allocator(&a);
    int *v = mk_alloc(&al, 4 * sizeof(int), _Alignof(int));
    for (int i = 0; i < 4; i++) v[i] = i;
    int *w = mk_resize(&al, v, 4 * sizeof(int), 400 * sizeof(int), _Alignof(int));
    CHECK_PTR_EQ(w, v); /* the newest block grows in place */
    char *other = mk_alloc(&al, 1, 1);
    int *u = mk_resize(&al, w, 400 * sizeof(int), 800 * sizeof(int), _Alignof(int));
    CHECK(u != w); /* not the newest any more: moved, contents kept */
    for (int i = 0; i < 4; i++) CHECK_EQ(u[i], i);
    mk_free(&al, u, 800 * sizeof(int), _Alignof(int)); /* the newest: given back */
    char *again = mk_alloc(&al, 1, 1);
    CHECK_PTR_EQ(again, (char *)u);
    (void)other;
    mk_arena_destroy(&a);
}

TEST(strdup_family) {
    mk_arena a;
    mk_arena_init(&a, NULL);
    CHECK_STR_EQ(mk_arena_strdup(&a, "hello"), "hello");
    CHECK_STR_EQ(mk_arena_strndup(&a, "hello", 3), "hel");
    CHECK_STR_EQ(mk_arena_strndup(&a, "hi", 10), "hi");
    CHECK_STR_EQ(mk_arena_strdup(&a, ""), "");
    CHECK_MEM_EQ((char *)mk_arena_memdup(&a, "a\0b", 3), "a\0b", 3);
    CHECK_NOT_NULL(mk_arena_memdup(&a, "", 0));
    mk_arena_destroy(&a);
}

TEST(limit_returns_null_and_recovers) {
    mk_arena a;
    mk_arena_init(&a, &(mk_arena_opts){.first_chunk = 1024, .limit = 8192});
    size_t got = 0;
    while (mk_arena_alloc(&a, 100, 8)) got += 100;
    CHECK_GT(got, 4000);
    CHECK_LE(got, 8192);
    struct mk_arena_stats s;
    mk_arena_stats(&a, &s);
    CHECK_LE(s.reserved, 8192);
    CHECK_NULL(mk_arena_alloc(&a, 10000, 8));
    mk_arena_reset(&a);
    CHECK_NOT_NULL(mk_arena_alloc(&a, 100, 8));
    mk_arena_destroy(&a);
}

TEST(caller_buffer_first) {
    _Alignas(16) char buf[1024];
    mk_arena a;
    mk_arena_init_buf(&a, buf, sizeof buf);
    char *p = mk_arena_alloc(&a, 100, 8);
    CHECK(p >= buf && p + 100 <= buf + sizeof buf);
    struct mk_arena_stats s;
    mk_arena_stats(&a, &s);
    CHECK_EQ(s.reserved, 0);
    char *q = mk_arena_alloc(&a, 5000, 8); /* spills to the heap */
    CHECK_NOT_NULL(q);
    CHECK(q < buf || q >= buf + sizeof buf);
    mk_arena_reset(&a);
    CHECK_PTR_EQ(mk_arena_alloc(&a, 100, 8), p);
    mk_arena_trim(&a);
    mk_arena_stats(&a, &s);
    CHECK_EQ(s.reserved, 0); /* only the caller's buffer is left */
    mk_arena_destroy(&a);
    mk_arena_init_buf(&a, buf, 8); /* too small to hold a chunk: behaves as an empty arena */
    CHECK_NOT_NULL(mk_arena_alloc(&a, 8, 8));
    mk_arena_destroy(&a);
}

TEST(bad_options) {
    mk_arena a;
    memset(&a, 0xA5, sizeof a); /* what an uninitialized arena on the stack may hold */
    CHECK_EQ(mk_arena_init(&a, &(mk_arena_opts){.first_chunk = 8192, .max_chunk = 4096}), MK_EINVAL);
    mk_arena_destroy(&a); /* a failed init leaves an arena that destroy accepts (CONTRIBUTING.md) */
    CHECK_NULL(a.first);
}

/* The point of keeping chunks: a round after a reset makes no heap allocation at all. */
TEST(refill_after_reset_allocates_nothing) {
    REQUIRE_COUNTING();
    mk_arena a;
    mk_arena_init(&a, NULL);
    for (int i = 0; i < 5000; i++) CHECK_NOT_NULL(mk_arena_alloc(&a, 16 + i % 49, 8));
    mk_arena_reset(&a);
    CHECK_NO_ALLOCS({
        for (int i = 0; i < 5000; i++) CHECK_NOT_NULL(mk_arena_alloc(&a, 16 + i % 49, 8));
        mk_arena_reset(&a);
    });
    mk_arena_destroy(&a);
}

#if defined(MK_T_ASAN)
static int touch_after_reset(void *arg) {
    (void)arg;
    mk_arena a;
    mk_arena_init(&a, NULL);
    volatile char *p = mk_arena_alloc(&a, 64, 8);
    p[0] = 1;
    mk_arena_reset(&a);
    p[0] = 2; /* must die here */
    return 0;
}
#endif

/* Under AddressSanitizer, memory taken back by reset is poisoned: touching it kills the process
 * with a use-after-poison report. The child does it; the parent reads the report. */
TEST(use_after_reset_is_caught_by_asan) {
#if defined(MK_T_ASAN)
    char buf[8192];
    int status = mk_t_run_child(touch_after_reset, NULL, buf, sizeof buf);
    CHECK(status != -1);
    CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(strstr(buf, "use-after-poison") != NULL);
#else
    SKIP("needs an AddressSanitizer build");
#endif
}

TEST_MAIN()
