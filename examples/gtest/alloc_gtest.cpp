// alloc_gtest.cpp - allocation promises in GoogleTest tests.
//
// memkit's MK_EXPECT_* macros work in C++ (operator new goes through malloc, so it is counted).
// A failed expectation prints its report; the fixture's TearDown takes the failures over
// (mk_count_expect_take_failures), so GoogleTest fails that test, and only that test, instead
// of the whole process's exit status changing. MEMKIT_GTEST_BREAK=1 makes one promise break.
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <memkit/count.h>

class Allocations : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(mk_count_available()) << mk_count_unavailable_reason();
        mk_count_expect_take_failures();
    }
    void TearDown() override {
        EXPECT_EQ(mk_count_expect_take_failures(), 0u) << "allocation expectations failed: see their reports above";
    }
};

TEST_F(Allocations, ShortStringsStayInline) {
    std::size_t n = 0;
    MK_EXPECT_NO_ALLOCS({
        std::string s("short"); // fits the small-string buffer
        n = s.size();
    });
    EXPECT_EQ(n, 5u);
}

TEST_F(Allocations, ReserveMakesPushBackFree) {
    std::vector<int> v;
    MK_EXPECT_ALLOCS(1, { v.reserve(100); });
    const bool do_break = std::getenv("MEMKIT_GTEST_BREAK") != nullptr;
    MK_EXPECT_NO_ALLOCS({
        for (int i = 0; i < (do_break ? 101 : 100); i++) v.push_back(i); // the 101st grows the vector
    });
    EXPECT_GE(v.size(), 100u);
}

TEST_F(Allocations, NothingLeaks) {
    MK_EXPECT_NO_LEAKS({
        std::vector<std::string> words{"a string long enough to live on the heap", "and another one like it"};
        words.emplace_back(64, 'x');
    });
}
