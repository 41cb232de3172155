/* test_intern.c - mk_interner: round trips, odd strings, stability across growth, the byte limit. */
#include "harness.h"
#include "testalloc.h"
#include "memkit/intern.h"


static void word(char *buf, size_t *len, unsigned i) {
    *len = (size_t)sprintf(buf, "w%u_%x", i, i * 2654435761u);
}

static void both_modes(void (*body)(mk_interner *)) {
    for (int c = 0; c < 2; c++) {
        mk_interner_opts o = {0, c == 1, NULL};
        mk_interner in;
        CHECK_EQ(mk_interner_init(&in, &o), MK_OK);
        body(&in);
        mk_interner_destroy(&in);
    }
}

static void round_trip(mk_interner *in) {
    mk_sym a = mk_intern_cstr(in, "alpha");
    mk_sym b = mk_intern_cstr(in, "beta");
    CHECK_NE(a, 0);
    CHECK_NE(b, 0);
    CHECK_NE(a, b);
    CHECK_EQ(mk_intern(in, "alpha", 5), a);
    CHECK_EQ(mk_interner_len(in), 2);
    size_t len = 99;
    const char *s = mk_interner_str(in, a, &len);
    CHECK_STR_EQ(s, "alpha");
    CHECK_EQ(len, 5);
    CHECK_EQ(mk_interner_lookup(in, "beta", 4), b);
    CHECK_EQ(mk_interner_lookup(in, "gamma", 5), 0);
    CHECK_EQ(mk_interner_lookup(in, "alph", 4), 0);
    CHECK_EQ(mk_interner_len(in), 2); /* lookup never inserts */
    CHECK_NULL(mk_interner_str(in, 0, &len));
    CHECK_EQ(len, 0);
    CHECK_NULL(mk_interner_str(in, 0xFFFF0001u, NULL));
}
TEST(round_trip) { both_modes(round_trip); }

TEST(empty_interner_answers_none) {
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, NULL), MK_OK);
    CHECK_EQ(mk_interner_lookup(&in, "x", 1), 0);
    CHECK_NULL(mk_interner_str(&in, 1, NULL));
    CHECK_EQ(mk_interner_len(&in), 0);
    struct mk_interner_stats st;
    mk_interner_stats(&in, &st);
    CHECK_EQ(st.version, MK_INTERNER_STATS_VERSION);
    CHECK_EQ(st.strings, 0);
    CHECK_EQ(st.total_bytes, 0);
    mk_interner_destroy(&in);
}

static void odd_strings(mk_interner *in) {
    mk_sym e = mk_intern(in, "", 0);
    CHECK_NE(e, 0);
    size_t len = 1;
    const char *s = mk_interner_str(in, e, &len);
    CHECK_EQ(len, 0);
    CHECK_EQ(s[0], 0);
    CHECK_EQ(mk_intern(in, "", 0), e);
    CHECK_EQ(mk_interner_lookup(in, "", 0), e);
    /* embedded NULs: distinct from their prefixes and from each other */
    mk_sym n1 = mk_intern(in, "a\0b", 3), n2 = mk_intern(in, "a\0c", 3), n3 = mk_intern(in, "a", 1);
    CHECK_NE(n1, n2);
    CHECK_NE(n1, n3);
    CHECK_MEM_EQ(mk_interner_str(in, n1, &len), "a\0b", 4);
    CHECK_EQ(len, 3);
    CHECK_EQ(mk_intern(in, "a\0b", 3), n1);
    /* lengths around the one-byte prefix boundary and a string bigger than a block */
    static char big[200000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 23);
    size_t sizes[] = {253, 254, 255, 256, 65530, 65536, 70000, 200000};
    mk_sym syms[8];
    for (int i = 0; i < 8; i++) {
        syms[i] = mk_intern(in, big, sizes[i]);
        CHECK_NE(syms[i], 0);
    }
    for (int i = 0; i < 8; i++) {
        s = mk_interner_str(in, syms[i], &len);
        CHECK_EQ(len, sizes[i]);
        CHECK_MEM_EQ(s, big, sizes[i]);
        CHECK_EQ(s[len], 0);
        CHECK_EQ(mk_intern(in, big, sizes[i]), syms[i]);
    }
}
TEST(empty_strings_embedded_nuls_and_long_strings) { both_modes(odd_strings); }

static void stable_across_growth(mk_interner *in) {
    enum { N = 200000 };
    static mk_sym syms[N];
    static const char *ptrs[N];
    char buf[32];
    size_t len;
    for (unsigned i = 0; i < N; i++) {
        word(buf, &len, i);
        syms[i] = mk_intern(in, buf, len);
        ptrs[i] = mk_interner_str(in, syms[i], NULL);
        if (!CHECK_NE(syms[i], 0)) return;
    }
    CHECK_EQ(mk_interner_len(in), N);
    int bad = 0;
    for (unsigned i = 0; i < N; i++) {
        word(buf, &len, i);
        size_t got;
        const char *s = mk_interner_str(in, syms[i], &got);
        bad += s != ptrs[i] || got != len || memcmp(s, buf, len) != 0 || s[len] != 0;
        bad += mk_intern(in, buf, len) != syms[i];
        bad += mk_interner_lookup(in, buf, len) != syms[i];
    }
    CHECK_EQ(bad, 0);
    struct mk_interner_stats st;
    mk_interner_stats(in, &st);
    CHECK_EQ(st.strings, N);
    CHECK_GE(st.table_slots * 7, (size_t)N * 8);
    CHECK_GT(st.bytes_per_string, 0);
    CHECK_LE(st.string_bytes, st.block_bytes);
    CHECK_LE(st.block_bytes + st.table_slots * 8, st.total_bytes);
}
TEST(handles_stable_across_growth) { both_modes(stable_across_growth); }

TEST(no_allocation_per_string) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_interner_opts o = {0, false, &a};
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, &o), MK_OK);
    char buf[32];
    size_t len;
    for (unsigned i = 0; i < 10000; i++) {
        word(buf, &len, i);
        CHECK_NE(mk_intern(&in, buf, len), 0);
    }
    /* 10000 strings of ~14 bytes: a few 64 KiB blocks and the table doublings, nothing per string */
    CHECK_LT(cnt.allocs, 20);
    CHECK_GT(cnt.allocs, 0);
    struct mk_interner_stats st;
    mk_interner_stats(&in, &st);
    CHECK_LE(st.bytes_per_string, 60);
    mk_interner_destroy(&in);
    CHECK_EQ(cnt.frees, cnt.allocs);
}

static void limit_reached(bool concurrent) {
    mk_interner_opts o = {200000, concurrent, NULL};
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, &o), MK_OK);
    char buf[32];
    size_t len;
    unsigned n = 0;
    mk_sym s = 1;
    while (s != 0 && n < 1000000) {
        word(buf, &len, n);
        s = mk_intern(&in, buf, len);
        if (s) n++;
    }
    CHECK_EQ(s, 0);
    CHECK_GT(n, 1000);
    CHECK_EQ(mk_interner_len(&in), n);
    struct mk_interner_stats st;
    mk_interner_stats(&in, &st);
    CHECK_LE(st.total_bytes, 200000);
    /* existing strings still work; a new one keeps failing cleanly */
    word(buf, &len, 0);
    CHECK_NE(mk_intern(&in, buf, len), 0);
    word(buf, &len, n);
    CHECK_EQ(mk_intern(&in, buf, len), 0);
    CHECK_EQ(mk_interner_lookup(&in, buf, len), 0);
    CHECK_EQ(mk_interner_len(&in), n);
    static char big[300000];
    CHECK_EQ(mk_intern(&in, big, sizeof big), 0);
    mk_interner_destroy(&in);
}
TEST(limit_reached_returns_zero) {
    limit_reached(false);
    limit_reached(true);
}

TEST(tiny_limit) {
    mk_interner_opts o = {1, false, NULL};
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, &o), MK_OK);
    CHECK_EQ(mk_intern_cstr(&in, "x"), 0);
    CHECK_EQ(mk_interner_len(&in), 0);
    mk_interner_destroy(&in);
}

TEST(reinit_after_destroy) {
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, NULL), MK_OK);
    mk_sym a = mk_intern_cstr(&in, "one");
    mk_interner_destroy(&in);
    CHECK_EQ(mk_interner_init(&in, NULL), MK_OK);
    CHECK_EQ(mk_interner_lookup(&in, "one", 3), 0);
    CHECK_EQ(mk_intern_cstr(&in, "one"), a); /* same layout, same symbol: deterministic */
    mk_interner_destroy(&in);
}

/* Issue 7's promise, checked with the counting layer: interning strings that are already present,
 * looking them up and reading them back never touches the heap. */
TEST(hits_make_no_heap_allocation) {
    REQUIRE_COUNTING();
    mk_interner in;
    CHECK_EQ(mk_interner_init(&in, NULL), MK_OK);
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", ""};
    mk_sym syms[5];
    for (int i = 0; i < 5; i++) syms[i] = mk_intern_cstr(&in, words[i]);
    CHECK_NO_ALLOCS({
        for (int round = 0; round < 100; round++)
            for (int i = 0; i < 5; i++) {
                CHECK_EQ(mk_intern_cstr(&in, words[i]), syms[i]);
                CHECK_EQ(mk_interner_lookup(&in, words[i], strlen(words[i])), syms[i]);
                CHECK_STR_EQ(mk_interner_str(&in, syms[i], NULL), words[i]);
            }
    });
    mk_interner_destroy(&in);
}

TEST_MAIN()
