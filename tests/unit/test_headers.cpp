// test_headers.cpp - the public headers compile as C++ and their inline paths work from C++.
#include "harness.h"
#include "memkit/memkit.h"

struct point { double x, y; };
MK_POOL_DEFINE(point_pool, point)
MK_VEC_DEFINE(point_vec, point)
MK_SMALLVEC_DEFINE(int_sv, int, 2)
MK_ARRAYVEC_DEFINE(int_av, int, 3)

TEST(arena_from_cxx) {
    mk_arena a;
    CHECK_EQ(mk_arena_init(&a, NULL), MK_OK);
    point *p = MK_ARENA_NEW(&a, point);
    CHECK_NOT_NULL(p);
    point *arr = MK_ARENA_NEW_ARRAY(&a, point, 10);
    CHECK_NOT_NULL(arr);
    CHECK_EQ(reinterpret_cast<uintptr_t>(arr) % alignof(point), 0u);
    mk_arena_destroy(&a);
}

TEST(pool_from_cxx) {
    point_pool pp;
    CHECK_EQ(point_pool_init(&pp, nullptr), MK_OK);
    point *p = point_pool_alloc(&pp);
    CHECK_NOT_NULL(p);
    point_pool_free(&pp, p);
    point_pool_destroy(&pp);
}

TEST(vec_from_cxx) {
    point_vec v;
    point_vec_init(&v, nullptr);
    for (int i = 0; i < 10; i++) CHECK(point_vec_push(&v, point{double(i), 0}));
    CHECK_EQ(point_vec_len(&v), 10u);
    CHECK(point_vec_at(&v, 9)->x == 9.0);
    point_vec_free(&v);
    int_sv s;
    int_sv_init(&s, nullptr);
    for (int i = 0; i < 3; i++) CHECK(int_sv_push(&s, i));
    CHECK(int_sv_spilled(&s));
    int_sv_free(&s);
    int_av a;
    int_av_init(&a);
    CHECK(int_av_push(&a, 1));
    CHECK_EQ(int_av_len(&a), 1u);
}

TEST(str_from_cxx) {
    mk_str lit = MK_STR("literal");
    CHECK_EQ(lit.len, 7u);
    mk_string s;
    CHECK(mk_string_from(&s, "a string that lives on the heap", nullptr));
    CHECK(mk_string_is_heap(&s));
    CHECK(mk_str_eq(mk_string_str(&s), MK_STR("a string that lives on the heap")));
    mk_string_free(&s, nullptr);
}

TEST_MAIN()
