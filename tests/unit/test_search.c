/* test_search.c - mk_finder against a naive reference: random and adversarial inputs, needles of
 * 1 to 300 bytes, matches at the edges, haystacks that end (or start) next to an unmapped page. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "memkit/search.h"
#include "search_ref.h"

size_t mk_search_scan_isa_(const mk_finder *f, const void *hay, size_t n, size_t start, int counting, int isa);

static uint64_t rng = 0x5EED5EA4C4ull;
static uint64_t next_rand(void) {
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}


static size_t naive_count(const unsigned char *h, size_t n, const unsigned char *x, size_t m) {
    size_t c = 0, i = 0;
    while ((i = naive_find_from(h, n, x, m, i)) != MK_NOT_FOUND) {
        c++;
        i += m;
    }
    return c;
}

/* Checks every entry point (and both vector loops) on one haystack and needle; returns the
 * number of failed checks so the random loops can stop at the first bad case. */
static int check_all(const unsigned char *h, size_t n, const unsigned char *x, size_t m) {
    int bad = 0;
    mk_finder f;
    CHECK_EQ(mk_finder_init(&f, x, m), MK_OK);
    size_t want = naive_find_from(h, n, x, m, 0), want_r = naive_rfind(h, n, x, m);
    size_t want_c = naive_count(h, n, x, m);
    bad += !CHECK_EQ(mk_finder_find(&f, h, n), want);
    bad += !CHECK_EQ(mk_finder_rfind(&f, h, n), want_r);
    bad += !CHECK_EQ(mk_finder_count(&f, h, n), want_c);
    bad += !CHECK_EQ(mk_memmem(h, n, x, m), want);
    for (int isa = 0; isa <= 2; isa++) {
        bad += !CHECK_EQ(mk_search_scan_isa_(&f, h, n, 0, 0, isa), want);
        bad += !CHECK_EQ(mk_search_scan_isa_(&f, h, n, 0, 1, isa), want_c);
    }
    /* Iteration yields exactly the reference's non-overlapping matches. */
    mk_finder_iter it;
    size_t at, expect = 0, seen = 0;
    mk_finder_iter_init(&it, &f, h, n);
    while (mk_finder_iter_next(&it, &at)) {
        expect = naive_find_from(h, n, x, m, expect);
        if (!CHECK_EQ(at, expect)) { bad++; break; }
        expect += m;
        seen++;
    }
    bad += !CHECK_EQ(seen, want_c);
    bad += !CHECK(!mk_finder_iter_next(&it, &at));
    if (bad) printf("    (n = %zu, m = %zu)\n", n, m);
    return bad;
}

TEST(empty_needle) {
    mk_finder f;
    const char *h = "abc";
    CHECK_EQ(mk_finder_init(&f, "", 0), MK_OK);
    CHECK_EQ(mk_finder_find(&f, h, 3), 0);
    CHECK_EQ(mk_finder_rfind(&f, h, 3), 3);
    CHECK_EQ(mk_finder_count(&f, h, 3), 4);
    CHECK_EQ(mk_finder_count(&f, NULL, 0), 1);
    mk_finder_iter it;
    size_t at, k = 0;
    mk_finder_iter_init(&it, &f, h, 3);
    while (mk_finder_iter_next(&it, &at)) CHECK_EQ(at, k++);
    CHECK_EQ(k, 4);
    CHECK_EQ(mk_memmem(h, 3, NULL, 0), 0);
    /* A NULL needle with a length is refused and leaves an empty-needle finder. */
    CHECK_EQ(mk_finder_init(&f, NULL, 5), MK_EINVAL);
    CHECK_EQ(mk_finder_len(&f), 0);
    CHECK_EQ(mk_memmem(h, 3, NULL, 5), MK_NOT_FOUND);
}

TEST(small_cases) {
    mk_finder f;
    CHECK_EQ(mk_finder_init(&f, "aa", 2), MK_OK);
    CHECK_EQ(mk_finder_count(&f, "aaaa", 4), 2);
    CHECK_EQ(mk_finder_count(&f, "aaaaa", 5), 2);
    CHECK_EQ(mk_finder_rfind(&f, "aaaaa", 5), 3);
    CHECK_EQ(mk_finder_find(&f, "a", 1), MK_NOT_FOUND);
    CHECK_EQ(mk_finder_find(&f, NULL, 0), MK_NOT_FOUND);
    CHECK_EQ(mk_finder_count(&f, NULL, 0), 0);
    CHECK_EQ(mk_finder_rfind(&f, NULL, 0), MK_NOT_FOUND);
    CHECK_EQ(mk_finder_init(&f, "x", 1), MK_OK);
    CHECK_EQ(mk_finder_find(&f, "abcx", 4), 3);
    CHECK_EQ(mk_finder_rfind(&f, "xbcx", 4), 3);
    CHECK_EQ(mk_finder_count(&f, "xbcx", 4), 2);
    CHECK_EQ(mk_memmem("hello world", 11, "o w", 3), 4);
    CHECK_EQ(mk_memmem("hello world", 11, "hello world!", 12), MK_NOT_FOUND);
}

TEST(random_small_alphabets) {
    static unsigned char h[4096], x[320];
    int bad = 0;
    for (int round = 0; round < 3000 && !bad; round++) {
        unsigned alpha = (unsigned[]){2, 3, 4, 26, 256}[next_rand() % 5];
        size_t n = next_rand() % (round < 1500 ? 200 : sizeof h);
        size_t m = 1 + next_rand() % (next_rand() % 4 == 0 ? 300 : 12);
        for (size_t i = 0; i < n; i++) h[i] = (unsigned char)('a' + next_rand() % alpha);
        if (n >= m && next_rand() % 2) {
            memcpy(x, h + next_rand() % (n - m + 1), m); /* a needle that occurs */
        } else {
            for (size_t i = 0; i < m; i++) x[i] = (unsigned char)('a' + next_rand() % alpha);
        }
        bad += check_all(h, n, x, m);
    }
}

TEST(every_needle_length_1_to_300) {
    static unsigned char h[2048], x[300];
    int bad = 0;
    for (size_t i = 0; i < sizeof h; i++) h[i] = (unsigned char)('a' + next_rand() % 4);
    for (size_t m = 1; m <= 300 && !bad; m++) {
        /* Occurs at the first byte, at the very end, and maybe elsewhere. */
        memcpy(x, h, m);
        memcpy(h + sizeof h - m, x, m);
        bad += check_all(h, sizeof h, x, m);
        for (size_t i = 0; i < m; i++) x[i] = (unsigned char)('a' + next_rand() % 4);
        bad += check_all(h, sizeof h, x, m);
    }
}

TEST(adversarial_periodic) {
    static unsigned char h[20000], x[300];
    int bad = 0;
    /* aaaa...a against aa...ab, ba...a, aa...a, and periodic needles against periodic text. */
    for (size_t m = 1; m <= 300 && !bad; m += (m < 40 ? 1 : 37)) {
        memset(h, 'a', sizeof h);
        memset(x, 'a', m);
        x[m - 1] = 'b';
        bad += check_all(h, sizeof h, x, m);
        h[sizeof h - 1] = 'b'; /* the only match ends at the last byte */
        bad += check_all(h, sizeof h, x, m);
        memset(x, 'a', m);
        x[0] = 'b';
        bad += check_all(h, sizeof h, x, m);
        memset(x, 'a', m);
        bad += check_all(h, sizeof h, x, m);
        for (size_t i = 0; i < sizeof h; i++) h[i] = "abcab"[i % 5];
        for (size_t i = 0; i < m; i++) x[i] = "abcab"[(i + 2) % 5];
        bad += check_all(h, sizeof h, x, m);
        h[sizeof h / 2] = 'z';
        bad += check_all(h, sizeof h, x, m);
        for (size_t i = 0; i < sizeof h; i++) h[i] = (i % 7 == 6) ? 'b' : 'a';
        for (size_t i = 0; i < m; i++) x[i] = (i % 7 == 6 || i == m - 1) ? 'b' : 'a';
        bad += check_all(h, sizeof h, x, m);
    }
}

/* The haystack ends at, or starts at, a page whose neighbour is unmapped: a read past either end
 * (a vector load too far) faults. Matches sit right at the boundary. */
TEST(page_boundaries) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(map != MAP_FAILED)) return;
    CHECK_EQ(mprotect(map, pg, PROT_NONE), 0);
    CHECK_EQ(mprotect(map + 3 * pg, pg, PROT_NONE), 0);
    unsigned char *lo = map + pg, *hi = map + 3 * pg; /* usable: [lo, hi) */
    static unsigned char x[300];
    int bad = 0;
    for (size_t i = 0; i < 2 * pg; i++) lo[i] = (unsigned char)('a' + next_rand() % 3);
    for (size_t m = 1; m <= 300 && !bad; m += (m < 70 ? 1 : 23)) {
        for (size_t n = 0; n <= 2 * pg && !bad; n += (n < 100 ? 1 : 509)) {
            unsigned char *end_h = hi - n, *start_h = lo;
            /* Needle taken from the last bytes (a match at the end of the mapping) when it fits. */
            if (n >= m) memcpy(x, end_h + n - m, m);
            else for (size_t i = 0; i < m; i++) x[i] = (unsigned char)('a' + next_rand() % 3);
            bad += check_all(end_h, n, x, m);
            bad += check_all(start_h, n, x, m);
        }
    }
    /* A match that straddles the middle page boundary. */
    memcpy(lo + pg - 3, "XYZWV", 5);
    CHECK_EQ(mk_memmem(lo, 2 * pg, "XYZWV", 5), pg - 3);
    munmap(map, 4 * pg);
}

TEST(long_haystack_counts) {
    /* Words on lines, as W6 searches: count agrees with the reference for common and rare needles. */
    size_t n = 1 << 20;
    unsigned char *h = malloc(n);
    if (!CHECK(h != NULL)) return;
    static const char *const words[] = {"the", "of", "memory", "mapped", "files", "search", "at", "bandwidth"};
    size_t i = 0;
    while (i < n) {
        const char *w = words[next_rand() % 8];
        size_t l = strlen(w);
        for (size_t k = 0; k < l && i < n; k++) h[i++] = (unsigned char)w[k];
        if (i < n) h[i++] = next_rand() % 12 ? ' ' : '\n';
    }
    static const char *const needles[] = {"the", "e", "memory mapped", "files search at", "zzz", "s\nthe",
                                          "bandwidth bandwidth bandwidth"};
    for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
        const unsigned char *x = (const unsigned char *)needles[k];
        check_all(h, n, x, strlen(needles[k]));
    }
    free(h);
}

TEST(finder_reused_across_haystacks) {
    mk_finder f;
    static const char needle[] = "needle";
    CHECK_EQ(mk_finder_init(&f, needle, 6), MK_OK);
    static unsigned char h[1000];
    for (size_t n = 0; n < 200; n++) {
        memset(h, 'n', n);
        if (n >= 6) memcpy(h + n / 2 - (n / 2 >= 6 ? 6 : 0), needle, 6);
        CHECK_EQ(mk_finder_find(&f, h, n), naive_find_from(h, n, (const unsigned char *)needle, 6, 0));
    }
}

/* Issue 7's promise, checked with the counting layer: preparing a finder and searching with it
 * (find, rfind, count, iteration, one-shot mk_memmem) never touches the heap. */
TEST(finder_searches_make_no_heap_allocation) {
    REQUIRE_COUNTING();
    static char hay[1 << 16];
    for (size_t i = 0; i < sizeof hay; i++) hay[i] = (char)('a' + i % 23);
    memcpy(hay + 40000, "needle in the haystack", 22);
    CHECK_NO_ALLOCS({
        mk_finder f;
        CHECK_EQ(mk_finder_init(&f, "needle", 6), MK_OK);
        CHECK_EQ(mk_finder_find(&f, hay, sizeof hay), 40000);
        CHECK_EQ(mk_finder_rfind(&f, hay, sizeof hay), 40000);
        CHECK_EQ(mk_finder_count(&f, hay, sizeof hay), 1);
        mk_finder_iter it;
        size_t at, n = 0;
        mk_finder_iter_init(&it, &f, hay, sizeof hay);
        while (mk_finder_iter_next(&it, &at)) n++;
        CHECK_EQ(n, 1);
        CHECK_EQ(mk_memmem(hay, sizeof hay, "haystack", 8), 40014);
    });
}

TEST_MAIN()
