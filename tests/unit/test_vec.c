/* test_vec.c - vec, smallvec and arrayvec: the boundaries (0, 1, N-1, N, N+1), overflow, allocation
 * failure (a failing allocator), in-place growth in an arena, and proof that inline paths allocate
 * nothing (a mk_t_counting allocator). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testalloc.h"
#include "memkit/arena.h"
#include "memkit/vec.h"


MK_VEC_DEFINE(u32vec, uint32_t)
MK_VEC_DEFINE(bytevec, unsigned char)
typedef struct big { char b[2000]; } big;
MK_VEC_DEFINE(bigvec, big)
MK_SMALLVEC_DEFINE(sv4, uint32_t, 4)
MK_SMALLVEC_DEFINE(sv1c, char, 1)
typedef struct tri { double x, y, z; } tri;
MK_SMALLVEC_DEFINE(svtri, tri, 3)
MK_ARRAYVEC_DEFINE(av8, uint32_t, 8)
static volatile uint32_t sink_;

/* ---- vec ---- */

TEST(vec_init_allocates_nothing) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    u32vec_init(&v, &a);
    CHECK_EQ(u32vec_len(&v), 0);
    CHECK_EQ(u32vec_cap(&v), 0);
    CHECK_NULL(u32vec_data(&v));
    CHECK_NULL(u32vec_last(&v));
    CHECK(!u32vec_pop(&v, NULL));
    CHECK(u32vec_reserve(&v, 0));
    CHECK(u32vec_shrink_to_fit(&v));
    u32vec_free(&v);
    CHECK_EQ(c.allocs + c.resizes + c.frees, 0);
}

TEST(vec_growth_doubles_from_minimum) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    u32vec_init(&v, &a);
    size_t caps[] = {4, 4, 4, 4, 8, 8, 8, 8, 16};
    for (uint32_t i = 0; i < 9; i++) {
        CHECK(u32vec_push(&v, i * 10));
        CHECK_EQ(u32vec_len(&v), i + 1);
        CHECK_EQ(u32vec_cap(&v), caps[i]);
    }
    CHECK_EQ(c.allocs, 1);
    CHECK_EQ(c.resizes, 2);
    for (uint32_t i = 0; i < 9; i++) CHECK_EQ(*u32vec_at(&v, i), i * 10);
    CHECK_EQ(*u32vec_last(&v), 80);
    u32vec_free(&v);
    CHECK_EQ(c.frees, 1);
    CHECK_EQ(c.live_bytes, 0);
    CHECK_EQ(u32vec_cap(&v), 0);

    bytevec b;
    bytevec_init(&b, &a);
    CHECK(bytevec_push(&b, 1));
    CHECK_EQ(bytevec_cap(&b), 8);
    bytevec_free(&b);
    bigvec g;
    bigvec_init(&g, &a);
    big x;
    memset(&x, 7, sizeof x);
    CHECK(bigvec_push(&g, x));
    CHECK_EQ(bigvec_cap(&g), 1);
    CHECK(bigvec_push(&g, x));
    CHECK_EQ(bigvec_cap(&g), 2);
    CHECK_EQ((unsigned char)bigvec_at(&g, 1)->b[1999], 7);
    bigvec_free(&g);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(vec_with_capacity_and_reserve) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    CHECK(u32vec_with_capacity(&v, 0, &a));
    CHECK_EQ(c.allocs, 0);
    CHECK(u32vec_with_capacity(&v, 5, &a));
    CHECK_EQ(u32vec_cap(&v), 5);
    CHECK_EQ(c.allocs, 1);
    for (uint32_t i = 0; i < 5; i++) CHECK(u32vec_push(&v, i));
    CHECK_EQ(c.allocs + c.resizes, 1);
    CHECK(u32vec_reserve_exact(&v, 1));
    CHECK_EQ(u32vec_cap(&v), 6);
    CHECK(u32vec_reserve(&v, 2)); /* 7 needed: doubling gives 12 */
    CHECK_EQ(u32vec_cap(&v), 12);
    CHECK(u32vec_reserve(&v, 7)); /* fits already: nothing happens */
    CHECK_EQ(u32vec_cap(&v), 12);
    CHECK(u32vec_reserve(&v, 30)); /* beyond double: exactly the need */
    CHECK_EQ(u32vec_cap(&v), 35);
    u32vec_free(&v);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(vec_overflow_fails_and_keeps_contents) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    u32vec_init(&v, &a);
    CHECK(u32vec_push(&v, 1));
    CHECK(u32vec_push(&v, 2));
    uint32_t *d = u32vec_data(&v);
    size_t calls = c.allocs + c.resizes;
    CHECK(!u32vec_reserve(&v, SIZE_MAX));          /* len + n wraps */
    CHECK(!u32vec_reserve(&v, SIZE_MAX - 2));      /* fits size_t but not in bytes */
    CHECK(!u32vec_reserve_exact(&v, SIZE_MAX / 4)); /* (2 + SIZE_MAX/4) * 4 overflows */
    CHECK(!u32vec_reserve_exact(&v, SIZE_MAX / 8)); /* over PTRDIFF_MAX bytes */
    volatile size_t huge = SIZE_MAX;
    uint32_t one = 1;
    CHECK(!u32vec_extend(&v, &one, huge));
    u32vec w;
    CHECK(!u32vec_with_capacity(&w, SIZE_MAX, &a));
    CHECK_EQ(w.cap, 0);
    CHECK_EQ(c.allocs + c.resizes, calls); /* nothing reached the allocator */
    CHECK_PTR_EQ(u32vec_data(&v), d);
    CHECK_EQ(u32vec_len(&v), 2);
    CHECK_EQ(u32vec_cap(&v), 4);
    CHECK_EQ(d[0], 1);
    CHECK_EQ(d[1], 2);
    u32vec_free(&v);
}

TEST(vec_allocation_failure_leaves_vector_unchanged) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    c.failing = true; /* the first allocation fails */
    u32vec v;
    u32vec_init(&v, &a);
    CHECK(!u32vec_push(&v, 1));
    CHECK_EQ(u32vec_len(&v), 0);
    CHECK_EQ(u32vec_cap(&v), 0);
    CHECK_NULL(u32vec_data(&v));
    c.failing = false;
    for (uint32_t i = 0; i < 4; i++) CHECK(u32vec_push(&v, i));
    uint32_t *d = u32vec_data(&v);
    c.failing = true; /* the resize to 8 fails */
    CHECK(!u32vec_push(&v, 4));
    CHECK(!u32vec_insert(&v, 0, 9));
    uint32_t src[3] = {7, 8, 9};
    CHECK(!u32vec_extend(&v, src, 3));
    CHECK(!u32vec_reserve(&v, 1));
    CHECK_PTR_EQ(u32vec_data(&v), d);
    CHECK_EQ(u32vec_len(&v), 4);
    CHECK_EQ(u32vec_cap(&v), 4);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(d[i], i);
    c.failing = false;
    CHECK(u32vec_push(&v, 4));
    CHECK_EQ(u32vec_len(&v), 5);
    u32vec_free(&v);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(vec_insert_remove_pop_truncate) {
    u32vec v;
    u32vec_init(&v, NULL);
    CHECK(!u32vec_insert(&v, 1, 5)); /* past the end */
    CHECK(u32vec_insert(&v, 0, 2));   /* [2] */
    CHECK(u32vec_insert(&v, 0, 0));   /* [0 2] */
    CHECK(u32vec_insert(&v, 1, 1));   /* [0 1 2] */
    CHECK(u32vec_insert(&v, 3, 3));   /* at len: [0 1 2 3] */
    CHECK(u32vec_insert(&v, 4, 4));   /* grows: [0 1 2 3 4] */
    for (uint32_t i = 0; i < 5; i++) CHECK_EQ(v.data[i], i);
    uint32_t x = 99;
    CHECK(!u32vec_remove(&v, 5, &x));
    CHECK_EQ(x, 99);
    CHECK(u32vec_remove(&v, 0, &x));  /* [1 2 3 4] */
    CHECK_EQ(x, 0);
    CHECK(u32vec_remove(&v, 3, NULL)); /* last: [1 2 3] */
    CHECK(u32vec_swap_remove(&v, 0, &x)); /* [3 2] */
    CHECK_EQ(x, 1);
    CHECK_EQ(v.data[0], 3);
    CHECK_EQ(v.data[1], 2);
    CHECK(!u32vec_swap_remove(&v, 2, &x));
    CHECK(u32vec_swap_remove(&v, 1, &x)); /* the last one: [3] */
    CHECK_EQ(x, 2);
    CHECK(u32vec_pop(&v, &x));
    CHECK_EQ(x, 3);
    CHECK(!u32vec_pop(&v, &x));
    uint32_t src[6] = {10, 11, 12, 13, 14, 15};
    CHECK(u32vec_extend(&v, src, 6));
    CHECK(u32vec_extend(&v, NULL, 0));
    CHECK_EQ(u32vec_len(&v), 6);
    CHECK_MEM_EQ(u32vec_data(&v), src, sizeof src);
    u32vec_truncate(&v, 10); /* longer than len: no-op */
    CHECK_EQ(u32vec_len(&v), 6);
    u32vec_truncate(&v, 2);
    CHECK_EQ(u32vec_len(&v), 2);
    CHECK_EQ(*u32vec_last(&v), 11);
    u32vec_free(&v);
}

TEST(vec_clear_keeps_capacity) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    u32vec_init(&v, &a);
    for (uint32_t i = 0; i < 100; i++) CHECK(u32vec_push(&v, i));
    size_t cap = u32vec_cap(&v), calls = c.allocs + c.resizes;
    for (int round = 0; round < 10; round++) {
        u32vec_clear(&v);
        CHECK_EQ(u32vec_len(&v), 0);
        for (uint32_t i = 0; i < 100; i++) CHECK(u32vec_push(&v, i + (uint32_t)round));
    }
    CHECK_EQ(u32vec_cap(&v), cap);
    CHECK_EQ(c.allocs + c.resizes, calls);
    u32vec_free(&v);
}

TEST(vec_shrink_to_fit) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    u32vec v;
    u32vec_init(&v, &a);
    for (uint32_t i = 0; i < 5; i++) CHECK(u32vec_push(&v, i));
    CHECK_EQ(u32vec_cap(&v), 8);
    CHECK(u32vec_shrink_to_fit(&v));
    CHECK_EQ(u32vec_cap(&v), 5);
    for (uint32_t i = 0; i < 5; i++) CHECK_EQ(v.data[i], i);
    c.failing = true;
    u32vec_truncate(&v, 3);
    CHECK(!u32vec_shrink_to_fit(&v)); /* the allocator refuses: keeps the block */
    CHECK_EQ(u32vec_cap(&v), 5);
    CHECK_EQ(v.data[2], 2);
    c.failing = false;
    u32vec_clear(&v);
    CHECK(u32vec_shrink_to_fit(&v)); /* to zero: frees */
    CHECK_EQ(u32vec_cap(&v), 0);
    CHECK_NULL(u32vec_data(&v));
    CHECK_EQ(c.live_bytes, 0);
    CHECK(u32vec_push(&v, 1)); /* and usable again */
    u32vec_free(&v);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(vec_in_arena_extends_in_place) {
    mk_arena ar;
    mk_arena_opts o = {0};
    o.first_chunk = 1 << 16;
    CHECK_EQ(mk_arena_init(&ar, &o), MK_OK);
    mk_allocator a = mk_arena_allocator(&ar);
    u32vec v;
    u32vec_init(&v, &a);
    CHECK(u32vec_push(&v, 0));
    uint32_t *first = u32vec_data(&v);
    for (uint32_t i = 1; i < 4000; i++) CHECK(u32vec_push(&v, i));
    CHECK_PTR_EQ(u32vec_data(&v), first); /* every doubling grew the newest block in place */
    CHECK_EQ(u32vec_cap(&v), 4096);
    struct mk_arena_stats st = {0};
    mk_arena_stats(&ar, &st);
    CHECK_EQ(st.used, 4096 * sizeof(uint32_t));
    for (uint32_t i = 0; i < 4000; i++) CHECK_EQ(v.data[i], i);

    /* Once it is no longer the newest allocation, growing copies (and keeps the contents). */
    void *other = mk_arena_alloc(&ar, 8, 8);
    CHECK_NOT_NULL(other);
    for (uint32_t i = 4000; i < 5000; i++) CHECK(u32vec_push(&v, i));
    CHECK(u32vec_data(&v) != first);
    for (uint32_t i = 0; i < 5000; i++) CHECK_EQ(v.data[i], i);
    u32vec_free(&v);
    mk_arena_destroy(&ar);
}

TEST(vec_at_is_bounds_checked_in_debug_builds) {
#ifdef NDEBUG
    SKIP("assertions are compiled out (NDEBUG)");
#else
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(1); /* the expected assertion message */
        u32vec v;
        u32vec_init(&v, NULL);
        if (u32vec_push(&v, 1)) sink_ = *u32vec_at(&v, 1); /* one past the end: must abort */
        _exit(0);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
#endif
}

/* ---- smallvec ---- */

TEST(smallvec_size_is_documented) {
    CHECK_EQ(sizeof(sv4), MK_SMALLVEC_SIZE(uint32_t, 4));
    if (sizeof(void *) == 8) {
        CHECK_EQ(sizeof(sv4), 32);
        CHECK_EQ(sizeof(sv1c), 32);
        CHECK_EQ(sizeof(svtri), 16 + 72);
    }
}

TEST(smallvec_inline_boundaries_allocate_nothing) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    for (uint32_t n = 0; n <= 4; n++) { /* 0, 1, N-1, N */
        sv4 v;
        sv4_init(&v, &a);
        for (uint32_t i = 0; i < n; i++) CHECK(sv4_push(&v, 100 + i));
        CHECK_EQ(sv4_len(&v), n);
        CHECK_EQ(sv4_cap(&v), 4);
        CHECK(!sv4_spilled(&v));
        for (uint32_t i = 0; i < n; i++) CHECK_EQ(*sv4_at(&v, i), 100 + i);
        if (n) CHECK_EQ(*sv4_last(&v), 100 + n - 1);
        else CHECK_NULL(sv4_last(&v));
        CHECK_PTR_EQ(sv4_data(&v), v.u.inl);
        sv4_free(&v);
    }
    sv4 w;
    CHECK(sv4_with_capacity(&w, 4, &a));
    CHECK(sv4_reserve(&w, 4));
    CHECK(sv4_reserve_exact(&w, 3));
    sv4_free(&w);
    CHECK_EQ(c.allocs + c.resizes + c.frees, 0);
}

TEST(smallvec_spills_at_n_plus_one) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    sv4 v;
    sv4_init(&v, &a);
    for (uint32_t i = 0; i < 5; i++) CHECK(sv4_push(&v, i));
    CHECK(sv4_spilled(&v));
    CHECK_EQ(c.allocs, 1);
    CHECK_EQ(sv4_len(&v), 5);
    CHECK_EQ(sv4_cap(&v), 8);
    for (uint32_t i = 0; i < 5; i++) CHECK_EQ(sv4_data(&v)[i], i);
    for (uint32_t i = 5; i < 9; i++) CHECK(sv4_push(&v, i));
    CHECK_EQ(c.allocs, 1);
    CHECK_EQ(c.resizes, 1);
    CHECK_EQ(sv4_cap(&v), 16);
    for (uint32_t i = 0; i < 9; i++) CHECK_EQ(sv4_data(&v)[i], i);
    sv4_clear(&v); /* keeps the heap buffer */
    CHECK(sv4_spilled(&v));
    CHECK_EQ(sv4_len(&v), 0);
    CHECK(sv4_push(&v, 42));
    CHECK_EQ(c.allocs + c.resizes, 2);
    sv4_free(&v);
    CHECK_EQ(c.frees, 1);
    CHECK_EQ(c.live_bytes, 0);
    CHECK(!sv4_spilled(&v));
    CHECK_EQ(sv4_len(&v), 0);

    sv4 w;
    CHECK(sv4_with_capacity(&w, 5, &a));
    CHECK(sv4_spilled(&w));
    CHECK_EQ(sv4_cap(&w), 5);
    sv4_free(&w);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(smallvec_failed_spill_keeps_inline_contents) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    c.failing = true;
    sv4 v;
    sv4_init(&v, &a);
    for (uint32_t i = 0; i < 4; i++) CHECK(sv4_push(&v, i + 1));
    CHECK(!sv4_push(&v, 5));
    CHECK(!sv4_insert(&v, 0, 5));
    uint32_t src[2] = {8, 9};
    CHECK(!sv4_extend(&v, src, 2));
    CHECK(!sv4_reserve(&v, SIZE_MAX));
    CHECK(!sv4_reserve_exact(&v, SIZE_MAX / 2));
    CHECK(!sv4_spilled(&v));
    CHECK_EQ(sv4_len(&v), 4);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(sv4_data(&v)[i], i + 1);
    c.failing = false;
    CHECK(sv4_push(&v, 5));
    CHECK(sv4_spilled(&v));
    /* A failed heap-to-heap grow keeps the heap contents too. */
    for (uint32_t i = 6; i <= 8; i++) CHECK(sv4_push(&v, i));
    c.failing = true;
    CHECK(!sv4_push(&v, 9));
    CHECK_EQ(sv4_len(&v), 8);
    for (uint32_t i = 0; i < 8; i++) CHECK_EQ(sv4_data(&v)[i], i + 1);
    c.failing = false;
    sv4_free(&v);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(smallvec_operations_across_the_boundary) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    sv4 v;
    sv4_init(&v, &a);
    uint32_t src[3] = {1, 2, 3};
    CHECK(sv4_extend(&v, src, 3)); /* [1 2 3] inline */
    CHECK(!sv4_spilled(&v));
    CHECK(sv4_insert(&v, 0, 0));   /* [0 1 2 3] N, inline */
    CHECK(!sv4_spilled(&v));
    CHECK(!sv4_insert(&v, 5, 9));
    CHECK(sv4_insert(&v, 2, 9));   /* [0 1 9 2 3] spills */
    CHECK(sv4_spilled(&v));
    uint32_t x = 0;
    CHECK(sv4_remove(&v, 2, &x));
    CHECK_EQ(x, 9);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(sv4_data(&v)[i], i);
    CHECK(sv4_shrink_to_fit(&v)); /* len 4 <= N: back inline, block freed */
    CHECK(!sv4_spilled(&v));
    CHECK_EQ(c.frees, 1);
    CHECK_EQ(c.live_bytes, 0);
    for (uint32_t i = 0; i < 4; i++) CHECK_EQ(sv4_data(&v)[i], i);
    CHECK(sv4_swap_remove(&v, 0, &x));
    CHECK_EQ(x, 0);
    CHECK_EQ(sv4_data(&v)[0], 3);
    CHECK(sv4_pop(&v, &x));
    CHECK_EQ(x, 2);
    CHECK_EQ(sv4_len(&v), 2);
    sv4_truncate(&v, 0);
    CHECK(!sv4_pop(&v, &x));
    /* Shrinking a spilled vector that stays over N resizes to exactly len. */
    for (uint32_t i = 0; i < 9; i++) CHECK(sv4_push(&v, i));
    CHECK(sv4_shrink_to_fit(&v));
    CHECK(sv4_spilled(&v));
    CHECK_EQ(sv4_cap(&v), 9);
    /* A struct copy owns the same storage (no pointer into itself). */
    sv4 moved;
    memcpy(&moved, &v, sizeof v);
    CHECK_EQ(sv4_len(&moved), 9);
    CHECK_EQ(moved.u.heap.ptr[8], 8);
    sv4_free(&moved);
    CHECK_EQ(c.live_bytes, 0);

    sv4 in;
    sv4_init(&in, &a);
    CHECK(sv4_push(&in, 5));
    sv4 copy = in;
    CHECK_EQ(sv4_data(&copy)[0], 5);
    CHECK(sv4_data(&copy) != sv4_data(&in));
}

TEST(smallvec_other_shapes) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    sv1c s;
    sv1c_init(&s, &a);
    CHECK(sv1c_push(&s, 'a'));
    CHECK_EQ(c.allocs, 0);
    CHECK(sv1c_push(&s, 'b'));
    CHECK_EQ(c.allocs, 1);
    CHECK_EQ(sv1c_cap(&s), 8);
    CHECK_MEM_EQ(sv1c_data(&s), "ab", 2);
    sv1c_free(&s);
    svtri t;
    svtri_init(&t, &a);
    for (int i = 0; i < 7; i++) {
        tri x = {i, i * 2.0, i * 3.0};
        CHECK(svtri_push(&t, x));
        CHECK_EQ(svtri_spilled(&t), i >= 3);
    }
    CHECK(svtri_at(&t, 6)->z == 18.0);
    svtri_free(&t);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(smallvec_in_arena_grows_in_place_after_spill) {
    mk_arena ar;
    CHECK_EQ(mk_arena_init(&ar, NULL), MK_OK);
    mk_allocator a = mk_arena_allocator(&ar);
    sv4 v;
    sv4_init(&v, &a);
    for (uint32_t i = 0; i < 5; i++) CHECK(sv4_push(&v, i));
    uint32_t *p = sv4_data(&v);
    for (uint32_t i = 5; i < 200; i++) CHECK(sv4_push(&v, i));
    CHECK_PTR_EQ(sv4_data(&v), p);
    for (uint32_t i = 0; i < 200; i++) CHECK_EQ(sv4_data(&v)[i], i);
    sv4_free(&v);
    mk_arena_destroy(&ar);
}

/* ---- arrayvec ---- */

TEST(arrayvec_bounds) {
    av8 v;
    CHECK_EQ(sizeof(av8), 4 + 8 * sizeof(uint32_t));
    av8_init(&v);
    memset(v.data, 0xAB, sizeof v.data);
    CHECK_EQ(av8_len(&v), 0);
    CHECK_EQ(av8_cap(&v), 8);
    CHECK_NULL(av8_last(&v));
    CHECK(av8_push(&v, 0));
    CHECK_EQ(av8_len(&v), 1);
    for (uint32_t i = 1; i < 7; i++) CHECK(av8_push(&v, i));
    CHECK_EQ(av8_remaining(&v), 1);
    CHECK(!av8_is_full(&v));
    CHECK(av8_push(&v, 7));
    CHECK(av8_is_full(&v));
    uint32_t before[8];
    memcpy(before, v.data, sizeof before);
    CHECK(!av8_push(&v, 8)); /* full: false, nothing written */
    CHECK(!av8_insert(&v, 0, 8));
    CHECK(!av8_extend(&v, before, 1));
    CHECK_EQ(av8_len(&v), 8);
    CHECK_MEM_EQ(v.data, before, sizeof before);
    uint32_t x = 0;
    CHECK(av8_remove(&v, 0, &x));
    CHECK_EQ(x, 0);
    CHECK(av8_insert(&v, 7, 100));
    CHECK_EQ(*av8_last(&v), 100);
    CHECK(av8_swap_remove(&v, 0, &x));
    CHECK_EQ(x, 1);
    CHECK_EQ(*av8_at(&v, 0), 100);
    CHECK(av8_pop(&v, &x));
    CHECK_EQ(x, 7);
    av8_truncate(&v, 3);
    CHECK_EQ(av8_len(&v), 3);
    uint32_t src[6] = {1, 2, 3, 4, 5, 6};
    CHECK(!av8_extend(&v, src, 6)); /* all or nothing */
    CHECK_EQ(av8_len(&v), 3);
    CHECK(av8_extend(&v, src, 5));
    CHECK(av8_is_full(&v));
    volatile size_t huge = SIZE_MAX;
    CHECK(!av8_extend(&v, src, huge));
    CHECK(av8_extend(&v, src, 0));
    av8_clear(&v);
    CHECK_EQ(av8_len(&v), 0);
    CHECK(!av8_pop(&v, &x));
    CHECK(!av8_remove(&v, 0, &x));
}

/* vec.h's promise, checked with the counting layer: a small vector within its inline capacity never
 * touches the heap, and the (N+1)th element is its first allocation. */
TEST(smallvec_inline_makes_no_heap_allocation) {
    REQUIRE_COUNTING();
    sv4 v;
    CHECK_NO_ALLOCS({
        sv4_init(&v, NULL);
        for (uint32_t i = 0; i < 4; i++) CHECK(sv4_push(&v, i));
        CHECK(!sv4_spilled(&v));
    });
    CHECK_ALLOCS(1, { CHECK(sv4_push(&v, 4)); });
    CHECK(sv4_spilled(&v));
    sv4_free(&v);
}

/* Pointer element types: extend takes the elements as T const * (for T = char *, char *const *), so
 * an array of T converts as it is; const T * spelled out would mean const char ** there. */
MK_VEC_DEFINE(strvec, char *)
MK_VEC_DEFINE(cstrvec, const char *)

TEST(vec_of_pointers_extends_from_an_array) {
    char a[] = "a", b[] = "b";
    char *src[] = {a, b};
    const char *csrc[] = {"x", "y", "z"};
    strvec v;
    cstrvec c;
    strvec_init(&v, NULL);
    cstrvec_init(&c, NULL);
    CHECK(strvec_extend(&v, src, 2));
    CHECK(cstrvec_extend(&c, csrc, 3));
    CHECK_EQ(strvec_len(&v), 2);
    CHECK(*strvec_at(&v, 1) == b);
    CHECK_EQ(cstrvec_len(&c), 3);
    CHECK(strcmp(*cstrvec_last(&c), "z") == 0);
    strvec_free(&v);
    cstrvec_free(&c);
}

TEST_MAIN()
