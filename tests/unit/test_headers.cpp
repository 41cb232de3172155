// test_headers.cpp - the public headers compile as C++ and their inline paths work from C++.
#include "harness.h"
#include "memkit/memkit.h"

struct point { double x, y; };
MK_POOL_DEFINE(point_pool, point)

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

TEST_MAIN()
