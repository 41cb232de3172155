/* test_limits.c - the byte-count grammar the recorder (MEMKIT_SAMPLE) and memkit run (--sample)
 * share (src/format/limits.h): suffixes, case, the optional B, and every way to overflow. */
#include "harness.h"
#include "../src/format/limits.h"

_Static_assert(MK_DEFAULT_DEPTH >= 1 && MK_DEFAULT_DEPTH <= MK_MAX_DEPTH, "the default depth is a valid one");

static int parses(const char *s, uint64_t want) {
    uint64_t v = 12345;
    return mk__parse_size(s, &v) == 0 && v == want;
}

static int refused(const char *s) {
    uint64_t v = 12345;
    return mk__parse_size(s, &v) == -1 && v == 12345; /* *out untouched */
}

TEST(size_plain_and_suffixed) {
    CHECK(parses("0", 0));
    CHECK(parses("4096", 4096));
    CHECK(parses("512K", 512u << 10));
    CHECK(parses("512k", 512u << 10));
    CHECK(parses("512KB", 512u << 10));
    CHECK(parses("1M", 1u << 20));
    CHECK(parses("2gb", 2ull << 30));
    CHECK(parses("7B", 7));
    CHECK(parses("007", 7));
}

TEST(size_bad_input) {
    CHECK(refused(""));
    CHECK(refused(NULL));
    CHECK(refused("K"));
    CHECK(refused("-1"));
    CHECK(refused("+1"));
    CHECK(refused(" 1"));
    CHECK(refused("1 "));
    CHECK(refused("12Q"));
    CHECK(refused("1T"));
    CHECK(refused("1KK"));
    CHECK(refused("1BK"));
    CHECK(refused("0x10"));
}

TEST(size_overflow) {
    CHECK(parses("18446744073709551615", UINT64_MAX));
    CHECK(refused("18446744073709551616"));
    CHECK(refused("36893488147419103233")); /* 2^65 + 1: wraps to 1 unless checked */
    CHECK(refused("99999999999999999999999"));
    CHECK(parses("17179869183G", (17179869183ull) << 30));
    CHECK(refused("17179869184G")); /* 2^34 G = 2^64: wraps to 0 unless checked */
    CHECK(refused("17179869185G"));
    CHECK(parses("18014398509481983K", 18014398509481983ull << 10));
    CHECK(refused("18014398509481984K"));
}

TEST_MAIN()
