/* hot_path_test.c - the hot path of a tokenizer must not allocate: the test passes while that holds.
 * Built by examples/cmake_ctest/CMakeLists.txt; EXTRA_ALLOCATION breaks the promise. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memkit/count.h>

/* Counts the words of s, in place. */
static size_t count_words(const char *s) {
    size_t n = 0;
    int in = 0;
#ifdef EXTRA_ALLOCATION
    char *copy = strdup(s); /* a defensive copy someone added */
    s = copy;
#endif
    for (; *s; s++) {
        int w = !isspace((unsigned char)*s);
        n += w && !in;
        in = w;
    }
#ifdef EXTRA_ALLOCATION
    free(copy);
#endif
    return n;
}

int main(void) {
    size_t words = 0;
    MK_EXPECT_NO_ALLOCS({ words = count_words("the quick brown fox jumps over the lazy dog"); });
    printf("%zu words\n", words);
    return words == 9 ? 0 : 2;
}
