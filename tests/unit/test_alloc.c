/* test_alloc.c - the heap allocator and the NULL-means-heap shorthands. */
#include <string.h>

#include "harness.h"
#include "memkit/alloc.h"
#include "memkit/error.h"

TEST(heap_alloc_resize_free) {
    char *p = mk_alloc(NULL, 10, 1);
    CHECK_NOT_NULL(p);
    memcpy(p, "0123456789", 10);
    char *q = mk_resize(NULL, p, 10, 100000, 1);
    CHECK_NOT_NULL(q);
    CHECK_MEM_EQ(q, "0123456789", 10);
    mk_free(NULL, q, 100000, 1);
    mk_free(NULL, NULL, 0, 1);
}

TEST(heap_size_zero_is_a_block) {
    void *p = mk_alloc(mk_heap(), 0, 8);
    CHECK_NOT_NULL(p);
    mk_free(mk_heap(), p, 0, 8);
}

TEST(heap_over_alignment) {
    for (size_t align = 1; align <= 65536; align *= 2) {
        char *p = mk_alloc(NULL, 33, align);
        CHECK_NOT_NULL(p);
        CHECK_EQ((uintptr_t)p % align, 0);
        memset(p, 7, 33);
        char *q = mk_resize(NULL, p, 33, 5000, align);
        CHECK_NOT_NULL(q);
        CHECK_EQ((uintptr_t)q % align, 0);
        CHECK_EQ(q[32], 7);
        mk_free(NULL, q, 5000, align);
    }
}

TEST(bad_alignment_fails) {
    CHECK_NULL(mk_alloc(NULL, 8, 0));
    CHECK_NULL(mk_alloc(NULL, 8, 3));
    CHECK_NULL(mk_alloc(NULL, 8, 24));
}

TEST(huge_sizes_fail_cleanly) {
    CHECK_NULL(mk_alloc(NULL, SIZE_MAX, 1));
    CHECK_NULL(mk_alloc(NULL, SIZE_MAX - 8, 4096));
    CHECK_NULL(mk_alloc_array(NULL, SIZE_MAX / 2, 3, 1));
    CHECK_NULL(mk_alloc_array(NULL, (size_t)1 << 33, (size_t)1 << 33, 8));
    void *p = mk_alloc_array(NULL, 100, 4, 4);
    CHECK_NOT_NULL(p);
    char *q = mk_resize(NULL, p, 400, SIZE_MAX, 4);
    CHECK_NULL(q); /* the old block is still ours */
    mk_free(NULL, p, 400, 4);
}

TEST(checked_arithmetic) {
    size_t r;
    CHECK(mk_mul_size(3, 5, &r) && r == 15);
    CHECK(!mk_mul_size(SIZE_MAX, 2, &r) && r == SIZE_MAX);
    CHECK(mk_mul_size(0, SIZE_MAX, &r) && r == 0);
    CHECK(mk_add_size(SIZE_MAX - 1, 1, &r) && r == SIZE_MAX);
    CHECK(!mk_add_size(SIZE_MAX, 1, &r));
    CHECK(mk_align_up_size(17, 16, &r) && r == 32);
    CHECK(!mk_align_up_size(SIZE_MAX - 3, 16, &r));
    CHECK(mk_is_pow2(1) && mk_is_pow2(4096) && !mk_is_pow2(0) && !mk_is_pow2(12));
}

TEST(strerror_covers_every_code) {
    for (int e = 0; e < MK_ERR_COUNT_; e++) {
        CHECK(strcmp(mk_strerror((mk_err)e), "unknown error") != 0);
    }
    CHECK_STR_EQ(mk_strerror((mk_err)9999), "unknown error");
    CHECK_STR_EQ(mk_strerror(MK_ENOMEM), "out of memory");
}

TEST_MAIN()
