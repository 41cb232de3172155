/* test_str.c - mk_str views, mk_cow, and mk_string at its boundaries (22, 23, 24 bytes), with
 * embedded NULs, aliasing appends, SIZE_MAX and a failing allocator; a mk_t_counting allocator shows the
 * inline paths allocate nothing. */
#include "harness.h"
#include "testalloc.h"
#include "memkit/str.h"


static const char LETTERS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* ---- mk_str ---- */

static const mk_str static_hello = MK_STR_INIT("hello");

TEST(str_literal_is_compile_time) {
    mk_str s = MK_STR("abc");
    CHECK_EQ(s.len, 3);
    CHECK_EQ(static_hello.len, 5);
    CHECK(mk_str_eq(static_hello, mk_str_from("hello")));
    CHECK_EQ(MK_STR("").len, 0);
    CHECK_EQ(MK_STR("a\0b").len, 3); /* embedded NUL counts */
    CHECK_EQ(mk_str_from(NULL).len, 0);
    CHECK_EQ(mk_str_from("a\0b").len, 1);
}

TEST(str_eq_cmp) {
    CHECK(mk_str_eq(MK_STR(""), mk_str_from_len(NULL, 0)));
    CHECK(!mk_str_eq(MK_STR("ab"), MK_STR("abc")));
    CHECK(mk_str_eq(MK_STR("a\0b"), mk_str_from_len("a\0b", 3)));
    CHECK(!mk_str_eq(MK_STR("a\0b"), MK_STR("a\0c")));
    CHECK(mk_str_cmp(MK_STR("ab"), MK_STR("abc")) < 0);
    CHECK(mk_str_cmp(MK_STR("abc"), MK_STR("ab")) > 0);
    CHECK(mk_str_cmp(MK_STR("abd"), MK_STR("abc")) > 0);
    CHECK(mk_str_cmp(MK_STR("\xff"), MK_STR("a")) > 0); /* unsigned bytes */
    CHECK(mk_str_cmp(MK_STR(""), MK_STR("")) == 0);
    CHECK(mk_str_cmp(MK_STR(""), MK_STR("a")) < 0);
}

TEST(str_prefix_suffix_find) {
    mk_str s = MK_STR("hello world");
    CHECK(mk_str_starts_with(s, MK_STR("hello")));
    CHECK(mk_str_starts_with(s, MK_STR("")));
    CHECK(mk_str_starts_with(s, s));
    CHECK(!mk_str_starts_with(s, MK_STR("hello world!")));
    CHECK(!mk_str_starts_with(s, MK_STR("world")));
    CHECK(mk_str_ends_with(s, MK_STR("world")));
    CHECK(mk_str_ends_with(s, MK_STR("")));
    CHECK(!mk_str_ends_with(s, MK_STR("hello")));
    CHECK(!mk_str_ends_with(MK_STR("d"), MK_STR("world")));
    CHECK_EQ(mk_str_find(s, MK_STR("o")), 4);
    CHECK_EQ(mk_str_find(s, MK_STR("world")), 6);
    CHECK_EQ(mk_str_find(s, MK_STR("d")), 10);
    CHECK_EQ(mk_str_find(s, MK_STR("")), 0);
    CHECK_EQ(mk_str_find(s, MK_STR("worlds")), MK_NOT_FOUND);
    CHECK_EQ(mk_str_find(s, MK_STR("hello world and more")), MK_NOT_FOUND);
    CHECK_EQ(mk_str_find(MK_STR(""), MK_STR("a")), MK_NOT_FOUND);
    CHECK_EQ(mk_str_find(MK_STR("a\0b\0c"), MK_STR("\0c")), 3);
    CHECK_EQ(mk_str_find_byte(s, 'w'), 6);
    CHECK_EQ(mk_str_find_byte(s, 'z'), MK_NOT_FOUND);
    CHECK_EQ(mk_str_find_byte(MK_STR(""), 'z'), MK_NOT_FOUND);
}

TEST(str_sub_is_clamped) {
    mk_str s = MK_STR("abcdef");
    CHECK(mk_str_eq(mk_str_sub(s, 1, 3), MK_STR("bc")));
    CHECK(mk_str_eq(mk_str_sub(s, 0, SIZE_MAX), s));
    CHECK(mk_str_eq(mk_str_sub(s, 4, 2), MK_STR("")));
    CHECK_PTR_EQ(mk_str_sub(s, 4, 2).ptr, s.ptr + 2); /* begin clamped to end */
    CHECK(mk_str_eq(mk_str_sub(s, SIZE_MAX, SIZE_MAX), MK_STR("")));
    CHECK_PTR_EQ(mk_str_sub(s, SIZE_MAX, SIZE_MAX).ptr, s.ptr + 6);
    CHECK(mk_str_eq(mk_str_sub(s, 6, 6), MK_STR("")));
    CHECK_EQ(mk_str_sub(mk_str_from_len(NULL, 0), 1, 5).len, 0);
}

TEST(str_trim) {
    CHECK(mk_str_eq(mk_str_trim(MK_STR("  a b \t\r\n")), MK_STR("a b")));
    CHECK(mk_str_eq(mk_str_trim(MK_STR(" \v\f ")), MK_STR("")));
    CHECK(mk_str_eq(mk_str_trim(MK_STR("")), MK_STR("")));
    CHECK(mk_str_eq(mk_str_trim(MK_STR("x")), MK_STR("x")));
    CHECK(mk_str_eq(mk_str_trim_start(MK_STR("  x ")), MK_STR("x ")));
    CHECK(mk_str_eq(mk_str_trim_end(MK_STR("  x ")), MK_STR("  x")));
    CHECK(mk_str_eq(mk_str_trim(MK_STR("\xa0x\xa0")), MK_STR("\xa0x\xa0"))); /* ASCII only */
}

static int split_all(mk_str s, mk_str sep, mk_str *out, int max) {
    mk_str_split it = mk_str_split_init(s, sep);
    int n = 0;
    mk_str part;
    while (mk_str_split_next(&it, &part)) {
        if (n < max) out[n] = part;
        n++;
    }
    CHECK(!mk_str_split_next(&it, &part)); /* stays finished */
    return n;
}

TEST(str_split) {
    mk_str p[8];
    CHECK_EQ(split_all(MK_STR("a,,b"), MK_STR(","), p, 8), 3);
    CHECK(mk_str_eq(p[0], MK_STR("a")) && mk_str_eq(p[1], MK_STR("")) && mk_str_eq(p[2], MK_STR("b")));
    CHECK_EQ(split_all(MK_STR(""), MK_STR(","), p, 8), 1);
    CHECK_EQ(p[0].len, 0);
    CHECK_EQ(split_all(MK_STR(","), MK_STR(","), p, 8), 2);
    CHECK(p[0].len == 0 && p[1].len == 0);
    CHECK_EQ(split_all(MK_STR("abc"), MK_STR(""), p, 8), 1);
    CHECK(mk_str_eq(p[0], MK_STR("abc")));
    CHECK_EQ(split_all(MK_STR("one::two::"), MK_STR("::"), p, 8), 3);
    CHECK(mk_str_eq(p[0], MK_STR("one")) && mk_str_eq(p[1], MK_STR("two")) && p[2].len == 0);
    CHECK_EQ(split_all(MK_STR("no separator"), MK_STR(";"), p, 8), 1);
    const char *text = "x y z";
    CHECK_EQ(split_all(mk_str_from(text), MK_STR(" "), p, 8), 3);
    CHECK_PTR_EQ(p[2].ptr, text + 4); /* views into the input: nothing copied */
}

TEST(str_hash) {
    CHECK_EQ(mk_str_hash(MK_STR("")), 0xcbf29ce484222325ull);
    CHECK_EQ(mk_str_hash(MK_STR("a")), 0xaf63dc4c8601ec8cull); /* FNV-1a 64 test vector */
    CHECK_EQ(mk_str_hash(MK_STR("foobar")), 0x85944171f73967e8ull);
    CHECK_NE(mk_str_hash(MK_STR("a\0")), mk_str_hash(MK_STR("a")));
}

/* ---- mk_cow ---- */

TEST(cow_copies_only_when_needed) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    char text[] = "borrowed";
    mk_cow w = mk_cow_borrowed(mk_str_from(text));
    CHECK(!mk_cow_is_owned(&w));
    CHECK_PTR_EQ(mk_cow_str(&w).ptr, text);
    mk_cow_free(&w); /* no-op on borrowed text */
    CHECK_EQ(c.frees, 0);
    CHECK_EQ(mk_cow_str(&w).len, 0);

    w = mk_cow_borrowed(mk_str_from(text));
    CHECK(mk_cow_to_owned(&w, &a));
    CHECK(mk_cow_is_owned(&w));
    CHECK_EQ(c.allocs, 1);
    CHECK(w.ptr != text);
    CHECK_STR_EQ(w.ptr, "borrowed"); /* NUL-terminated */
    CHECK(mk_cow_to_owned(&w, &a));   /* already owned: no copy */
    char *m = mk_cow_to_mut(&w, &a);
    CHECK_PTR_EQ(m, w.ptr);
    CHECK_EQ(c.allocs, 1);
    m[0] = 'B';
    CHECK_EQ(text[0], 'b');
    mk_cow_free(&w);
    CHECK_EQ(c.frees, 1);
    CHECK_EQ(c.live_bytes, 0);
    CHECK(!mk_cow_is_owned(&w));

    w = mk_cow_borrowed(mk_str_from_len(NULL, 0)); /* empty: owned copy is one NUL */
    CHECK(mk_cow_to_owned(&w, &a));
    CHECK_STR_EQ(w.ptr, "");
    mk_cow_free(&w);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(cow_failed_copy_leaves_it_borrowed) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    c.failing = true;
    const char *text = "abc";
    mk_cow w = mk_cow_borrowed(mk_str_from(text));
    CHECK(!mk_cow_to_owned(&w, &a));
    CHECK_NULL(mk_cow_to_mut(&w, &a));
    CHECK(!mk_cow_is_owned(&w));
    CHECK_PTR_EQ(w.ptr, text);
    CHECK_EQ(w.len, 3);
    mk_cow big = mk_cow_borrowed(mk_str_from_len(text, SIZE_MAX)); /* len + 1 overflows */
    c.failing = false;
    CHECK(!mk_cow_to_owned(&big, &a));
    CHECK_EQ(c.allocs, 0);
}

/* ---- mk_string ---- */

static void check_string(mk_string *s, const char *want, size_t n) {
    CHECK_EQ(mk_string_len(s), n);
    CHECK_MEM_EQ(mk_string_data(s), want, n);
    CHECK_EQ(mk_string_data(s)[n], 0); /* always NUL-terminated */
    if (n > 23) CHECK(mk_string_is_heap(s)); /* a cleared heap string may stay on the heap */
    CHECK_GE(mk_string_cap(s), n);
}

TEST(string_is_24_bytes_and_inline_up_to_23) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    CHECK_EQ(sizeof(mk_string), 24);
    size_t lens[] = {0, 1, 22, 23};
    for (size_t i = 0; i < 4; i++) {
        mk_string s;
        CHECK(mk_string_from_len(&s, LETTERS, lens[i], &a));
        check_string(&s, LETTERS, lens[i]);
        CHECK_EQ(s.b[23], 23 - lens[i]); /* the documented encoding */
        CHECK(!mk_string_is_heap(&s));
        CHECK_PTR_EQ(mk_string_data(&s), &s);
        mk_string_free(&s, &a);
    }
    mk_string e;
    mk_string_init(&e);
    check_string(&e, "", 0);
    CHECK(mk_string_from(&e, "twenty-three bytes long", &a));
    check_string(&e, "twenty-three bytes long", 23);
    CHECK_EQ(e.b[23], 0);
    mk_string_free(&e, &a);
    CHECK_EQ(c.allocs + c.resizes + c.frees, 0);
}

TEST(string_heap_from_24) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    size_t lens[] = {24, 25, 40, 1000};
    char big[1000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = LETTERS[i % 62];
    for (size_t i = 0; i < 4; i++) {
        mk_string s;
        CHECK(mk_string_from_len(&s, big, lens[i], &a));
        check_string(&s, big, lens[i]);
        CHECK_EQ(mk_string_cap(&s), lens[i]);
        CHECK_GE(s.b[23], 24); /* the heap tag cannot be an inline length */
        mk_string_free(&s, &a);
        check_string(&s, "", 0);
    }
    CHECK_EQ(c.allocs, 4);
    CHECK_EQ(c.frees, 4);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(string_push_across_the_boundary) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    mk_string s;
    mk_string_init(&s);
    char want[64];
    for (size_t i = 0; i < 23; i++) {
        CHECK(mk_string_push(&s, LETTERS[i], &a));
        want[i] = LETTERS[i];
        check_string(&s, want, i + 1);
        CHECK(!mk_string_is_heap(&s));
    }
    CHECK_EQ(c.allocs, 0);
    CHECK(mk_string_push(&s, LETTERS[23], &a)); /* 24th byte: to the heap */
    want[23] = LETTERS[23];
    check_string(&s, want, 24);
    CHECK_EQ(c.allocs, 1);
    CHECK_EQ(mk_string_cap(&s), 46);
    for (size_t i = 24; i < 47; i++) {
        CHECK(mk_string_push(&s, LETTERS[i], &a));
        want[i] = LETTERS[i];
    }
    check_string(&s, want, 47);
    CHECK_EQ(c.resizes, 1);
    mk_string_clear(&s); /* keeps the buffer */
    check_string(&s, "", 0);
    CHECK(mk_string_is_heap(&s));
    CHECK(mk_string_append(&s, want, 40, &a));
    CHECK_EQ(c.allocs + c.resizes, 2);
    mk_string_free(&s, &a);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(string_embedded_nul) {
    mk_string s;
    CHECK(mk_string_from_len(&s, "a\0b", 3, NULL));
    check_string(&s, "a\0b", 3);
    CHECK(mk_string_push(&s, '\0', NULL));
    check_string(&s, "a\0b\0", 4);
    char big[30] = {0};
    big[29] = 'z';
    CHECK(mk_string_append(&s, big, 30, NULL));
    CHECK_EQ(mk_string_len(&s), 34);
    CHECK_EQ(mk_string_data(&s)[33], 'z');
    CHECK_EQ(mk_string_data(&s)[20], 0);
    mk_string_free(&s, NULL);
}

TEST(string_append_from_itself) {
    mk_string s;
    CHECK(mk_string_from(&s, "abcdefghij", NULL));            /* 10, inline */
    CHECK(mk_string_append(&s, mk_string_data(&s), 10, NULL)); /* 20, still inline */
    check_string(&s, "abcdefghijabcdefghij", 20);
    CHECK(mk_string_append(&s, mk_string_data(&s) + 5, 10, NULL)); /* 30: spills while reading itself */
    check_string(&s, "abcdefghijabcdefghijfghijabcde", 30);
    CHECK(mk_string_append(&s, mk_string_data(&s), 30, NULL)); /* 60: heap grows while reading itself */
    check_string(&s, "abcdefghijabcdefghijfghijabcdeabcdefghijabcdefghijfghijabcde", 60);
    mk_string_free(&s, NULL);
}

TEST(string_failure_leaves_it_unchanged) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    c.failing = true;
    mk_string s;
    CHECK(!mk_string_from_len(&s, LETTERS, 24, &a));
    check_string(&s, "", 0); /* empty, not garbage */
    CHECK(mk_string_from_len(&s, LETTERS, 23, &a));
    CHECK(!mk_string_push(&s, 'x', &a));
    CHECK(!mk_string_append(&s, "xy", 2, &a));
    CHECK(!mk_string_reserve(&s, 1, &a));
    check_string(&s, LETTERS, 23);
    c.failing = false;
    CHECK(mk_string_push(&s, 'x', &a));
    for (int i = 0; i < 22; i++) CHECK(mk_string_push(&s, 'x', &a)); /* 46: full */
    c.failing = true;
    const char *before = mk_string_data(&s);
    CHECK(!mk_string_push(&s, 'y', &a));
    CHECK_PTR_EQ(mk_string_data(&s), before);
    CHECK_EQ(mk_string_len(&s), 46);
    CHECK_EQ(mk_string_data(&s)[46], 0);
    c.failing = false;
    /* Sizes that cannot exist fail before reaching the allocator. */
    size_t calls = c.allocs + c.resizes;
    CHECK(!mk_string_reserve(&s, SIZE_MAX, &a));
    CHECK(!mk_string_reserve(&s, SIZE_MAX - 100, &a));
    CHECK(!mk_string_append(&s, "x", SIZE_MAX, &a));
    mk_string t;
    CHECK(!mk_string_from_len(&t, LETTERS, SIZE_MAX, &a));
    check_string(&t, "", 0);
    CHECK_EQ(c.allocs + c.resizes, calls);
    CHECK_EQ(mk_string_len(&s), 46);
    mk_string_free(&s, &a);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(string_reserve_then_fill_allocates_once) {
    mk_t_counting c;
    mk_allocator a = mk_t_counting_allocator(&c);
    mk_string s;
    mk_string_init(&s);
    CHECK(mk_string_reserve(&s, 23, &a));
    CHECK_EQ(c.allocs, 0);
    CHECK(mk_string_reserve(&s, 100, &a));
    CHECK_EQ(c.allocs, 1);
    CHECK(mk_string_is_heap(&s));
    CHECK_EQ(mk_string_len(&s), 0);
    for (int i = 0; i < 100; i++) CHECK(mk_string_push(&s, 'q', &a));
    CHECK_EQ(c.allocs + c.resizes, 1);
    mk_string_free(&s, &a);
    CHECK_EQ(c.live_bytes, 0);
}

TEST(string_eq_cmp_hash) {
    mk_string x, y, z, h1, h2;
    CHECK(mk_string_from(&x, "apple", NULL));
    CHECK(mk_string_from(&y, "apple", NULL));
    CHECK(mk_string_from(&z, "apples", NULL));
    CHECK(mk_string_from(&h1, "a string long enough for the heap", NULL));
    CHECK(mk_string_from_len(&h2, "a string long enough for the heap", 33, NULL));
    CHECK(mk_string_eq(&x, &y));
    CHECK(!mk_string_eq(&x, &z));
    CHECK(mk_string_eq(&h1, &h2));
    CHECK(mk_string_cmp(&x, &z) < 0);
    CHECK(mk_string_cmp(&z, &x) > 0);
    CHECK(mk_string_cmp(&x, &h1) > 0);
    CHECK_EQ(mk_string_hash(&x), mk_string_hash(&y));
    CHECK_EQ(mk_string_hash(&h1), mk_string_hash(&h2));
    CHECK_EQ(mk_string_hash(&x), mk_str_hash(MK_STR("apple")));
    CHECK_NE(mk_string_hash(&x), mk_string_hash(&z));
    CHECK(mk_str_eq(mk_string_str(&h1), MK_STR("a string long enough for the heap")));
    CHECK_EQ(strlen(mk_string_cstr(&h1)), 33); /* NUL-terminated where the length says */
    mk_string_free(&h1, NULL);
    mk_string_free(&h2, NULL);
    mk_string_free(&z, NULL);
}

/* Issue 7's promise, checked with the mk_t_counting layer: up to 23 bytes an mk_string never touches
 * the heap, views and splits never do, and the 24th byte is one allocation. */
TEST(small_string_and_views_make_no_heap_allocation) {
    REQUIRE_COUNTING();
    mk_string s;
    CHECK_NO_ALLOCS({
        CHECK(mk_string_from(&s, "twenty-three bytes long", NULL));
        CHECK(!mk_string_is_heap(&s));
        mk_str_split it = mk_str_split_init(MK_STR("a,b,c"), MK_STR(","));
        mk_str part;
        int n = 0;
        while (mk_str_split_next(&it, &part)) n++;
        CHECK_EQ(n, 3);
    });
    CHECK_ALLOCS(1, { CHECK(mk_string_push(&s, '!', NULL)); });
    CHECK(mk_string_is_heap(&s));
    mk_string_free(&s, NULL);
}

TEST_MAIN()
