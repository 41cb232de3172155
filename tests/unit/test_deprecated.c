/* test_deprecated.c - the names kept for one release after a rename (CHANGELOG.md) still work and
 * mean what their replacements mean. Their uses warn (-Wdeprecated-declarations); this file is the
 * one place that turns the warning off. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "harness.h"
#include "memkit/bytes.h"
#include "memkit/str.h"

/* An integer constant expression, as it was: usable in a static assertion and a case label. */
_Static_assert(MK_NPOS == MK_NOT_FOUND, "MK_NPOS is MK_NOT_FOUND");

static int classify(size_t at) {
    switch (at) {
    case MK_NPOS: return 0;
    default: return 1;
    }
}

TEST(npos_is_not_found) {
    CHECK_EQ(MK_NPOS, SIZE_MAX);
    CHECK_EQ(mk_str_find(MK_STR("hello"), MK_STR("xyz")), MK_NPOS);
    CHECK_EQ(mk_str_find_byte(MK_STR("hello"), 'z'), MK_NPOS);
    CHECK_EQ(classify(mk_str_find(MK_STR("hello"), MK_STR("q"))), 0);
    CHECK_EQ(classify(mk_str_find(MK_STR("hello"), MK_STR("l"))), 1);
}

TEST(bytes_mut_new_is_bytes_mut_empty) {
    mk_bytes_mut m = mk_bytes_mut_new(NULL), e = mk_bytes_mut_empty(NULL);
    CHECK(memcmp(&m, &e, sizeof m) == 0);
    CHECK_EQ(mk_bytes_mut_put(&m, "abc", 3), MK_OK);
    CHECK_EQ(m.len, 3);
    CHECK(memcmp(m.ptr, "abc", 3) == 0);
    mk_bytes_mut_drop(&m);
    CHECK_EQ(m.len, 0);
}

TEST_MAIN()
