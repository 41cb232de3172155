/* search_ref.h - the naive substring search that test_search.c and fuzz_search.c check mk_finder
 * against: obviously right, quadratic, never used outside tests. */
#ifndef MEMKIT_TESTS_SEARCH_REF_H
#define MEMKIT_TESTS_SEARCH_REF_H

#include <string.h>

#include "memkit/search.h"

/* The first match at or after from, or MK_NOT_FOUND. */
static inline size_t naive_find_from(const unsigned char *h, size_t n, const unsigned char *x, size_t m, size_t from) {
    if (m > n) return MK_NOT_FOUND;
    for (size_t i = from; i + m <= n; i++)
        if (memcmp(h + i, x, m) == 0) return i;
    return MK_NOT_FOUND;
}

/* The last match, or MK_NOT_FOUND. */
static inline size_t naive_rfind(const unsigned char *h, size_t n, const unsigned char *x, size_t m) {
    if (m > n) return MK_NOT_FOUND;
    for (size_t i = n - m + 1; i-- > 0;)
        if (memcmp(h + i, x, m) == 0) return i;
    return MK_NOT_FOUND;
}

#endif
