/* test_bytes.c - mk_bytes and mk_bytes_mut: sharing, splitting, growth, owners, failure. */
#include "harness.h"
#include "testalloc.h"
#include "memkit/bytes.h"


TEST(static_views_share_nothing) {
    static const char text[] = "hello, world";
    mk_bytes b = mk_bytes_from_static(text, 12);
    CHECK_PTR_EQ(b.ptr, text);
    CHECK_EQ(b.len, 12);
    CHECK_NULL(b.owner);
    CHECK(!mk_bytes_is_unique(&b));
    mk_bytes c = mk_bytes_clone(&b);
    mk_bytes s = mk_bytes_slice(&b, 7, 12);
    CHECK_MEM_EQ(s.ptr, "world", 5);
    mk_bytes_mut m;
    CHECK(!mk_bytes_try_into_mut(&b, &m));
    CHECK_PTR_EQ(b.ptr, text); /* untouched on failure */
    mk_bytes_drop(&c);
    mk_bytes_drop(&s);
    mk_bytes_drop(&b);
    CHECK_NULL(b.ptr);
    CHECK_EQ(b.len, 0);
}

TEST(copy_from_round_trip_and_refcount) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    const char src[] = "abc\0def";
    mk_bytes b;
    CHECK_EQ(mk_bytes_copy_from(&b, src, 7, &a), MK_OK);
    CHECK_EQ(cnt.allocs, 1);
    CHECK(b.ptr != (const unsigned char *)src);
    CHECK_MEM_EQ(b.ptr, src, 7);
    CHECK(mk_bytes_is_unique(&b));
    mk_bytes c = mk_bytes_clone(&b);
    CHECK_PTR_EQ(c.ptr, b.ptr);
    CHECK(!mk_bytes_is_unique(&b));
    mk_bytes_drop(&b);
    CHECK_EQ(cnt.frees, 0);
    CHECK(mk_bytes_is_unique(&c));
    CHECK_MEM_EQ(c.ptr, src, 7);
    mk_bytes_drop(&c);
    CHECK_EQ(cnt.frees, 1);
    CHECK_EQ(cnt.live, 0);
}

TEST(copy_from_empty_allocates_nothing) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes b;
    CHECK_EQ(mk_bytes_copy_from(&b, "", 0, &a), MK_OK);
    CHECK_EQ(b.len, 0);
    CHECK_EQ(cnt.allocs, 0);
    mk_bytes_drop(&b);
}

TEST(copy_from_failures) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    cnt.failing = true;
    mk_bytes b = mk_bytes_from_static("x", 1);
    CHECK_EQ(mk_bytes_copy_from(&b, "abc", 3, &a), MK_ENOMEM);
    CHECK_NULL(b.ptr);
    CHECK_EQ(b.len, 0);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, SIZE_MAX, NULL), MK_EOVERFLOW);
    CHECK_EQ(m.cap, 0);
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, SIZE_MAX - 8, NULL), MK_EOVERFLOW);
}

/* The claim of the module: slicing, cloning, splitting and freezing never copy and never allocate. */
TEST(views_never_copy_or_allocate) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 1000, &a), MK_OK);
    for (int i = 0; i < 1000; i++) CHECK_EQ(mk_bytes_mut_put_u8(&m, (unsigned char)i), MK_OK);
    CHECK_EQ(cnt.allocs, 1);
    const unsigned char *base = m.ptr;
    mk_bytes_mut head = mk_bytes_mut_split_to(&m, 100);
    mk_bytes_mut tail = mk_bytes_mut_split_off(&m, 400);
    CHECK_PTR_EQ(head.ptr, base);
    CHECK_PTR_EQ(m.ptr, base + 100);
    CHECK_PTR_EQ(tail.ptr, base + 500);
    mk_bytes fh = mk_bytes_mut_freeze(&head);
    mk_bytes fm = mk_bytes_mut_freeze(&m);
    mk_bytes ft = mk_bytes_mut_freeze(&tail);
    CHECK_PTR_EQ(fh.ptr, base);
    CHECK_PTR_EQ(fm.ptr, base + 100);
    CHECK_EQ(fm.len, 400);
    mk_bytes views[64];
    for (int i = 0; i < 16; i++) {
        views[i * 4] = mk_bytes_clone(&fm);
        views[i * 4 + 1] = mk_bytes_slice(&fm, (size_t)i, (size_t)i * 10 + 5);
        views[i * 4 + 2] = mk_bytes_split_to(&views[i * 4], 10);
        views[i * 4 + 3] = mk_bytes_split_off(&views[i * 4], 50);
        CHECK_PTR_EQ(views[i * 4 + 1].ptr, base + 100 + i);
        CHECK_PTR_EQ(views[i * 4 + 2].ptr, base + 100);
        CHECK_PTR_EQ(views[i * 4 + 3].ptr, base + 160);
        CHECK_EQ(views[i * 4].len, 50);
        CHECK_EQ(views[i * 4 + 1].ptr[0], (unsigned char)(100 + i));
    }
    CHECK_EQ(cnt.allocs, 1);
    CHECK_EQ(cnt.resizes, 0);
    CHECK_EQ(cnt.frees, 0);
    for (int i = 0; i < 64; i++) mk_bytes_drop(&views[i]);
    mk_bytes_drop(&fh);
    mk_bytes_drop(&fm);
    CHECK_EQ(cnt.frees, 0); /* ft still holds the buffer */
    CHECK_EQ(ft.ptr[0], (unsigned char)500);
    mk_bytes_drop(&ft);
    CHECK_EQ(cnt.frees, 1);
    CHECK_EQ(cnt.live, 0);
}

TEST(slice_and_split_bounds_clamp) {
    mk_bytes b = mk_bytes_from_static("0123456789", 10);
    mk_bytes s = mk_bytes_slice(&b, 8, 100);
    CHECK_EQ(s.len, 2);
    s = mk_bytes_slice(&b, 7, 3);
    CHECK_EQ(s.len, 0);
    s = mk_bytes_slice(&b, SIZE_MAX, SIZE_MAX);
    CHECK_EQ(s.len, 0);
    mk_bytes c = b;
    s = mk_bytes_split_to(&c, 11);
    CHECK_EQ(s.len, 10);
    CHECK_EQ(c.len, 0);
    c = b;
    s = mk_bytes_split_off(&c, 0);
    CHECK_EQ(s.len, 10);
    CHECK_EQ(c.len, 0);
    c = b;
    s = mk_bytes_split_off(&c, 10);
    CHECK_EQ(s.len, 0);
    CHECK_EQ(c.len, 10);
    mk_bytes_truncate(&c, 4);
    CHECK_EQ(c.len, 4);
    mk_bytes_truncate(&c, 9);
    CHECK_EQ(c.len, 4);
    mk_bytes_advance(&c, 1);
    CHECK_EQ(c.ptr[0], '1');
    mk_bytes_advance(&c, 100);
    CHECK_EQ(c.len, 0);
}

static int released;
static void on_release(void *ctx) { released += *(int *)ctx; }

TEST(foreign_owner_released_once_by_last_view) {
    static char data[] = "mapped bytes";
    int weight = 1;
    released = 0;
    mk_bytes b;
    CHECK_EQ(mk_bytes_from_owner(&b, data, 12, on_release, &weight, NULL), MK_OK);
    CHECK_PTR_EQ(b.ptr, data);
    CHECK(mk_bytes_is_unique(&b));
    mk_bytes_mut m;
    CHECK(!mk_bytes_try_into_mut(&b, &m)); /* foreign memory may be read-only */
    mk_bytes s = mk_bytes_slice(&b, 7, 12);
    mk_bytes_drop(&b);
    CHECK_EQ(released, 0);
    CHECK_MEM_EQ(s.ptr, "bytes", 5);
    mk_bytes_drop(&s);
    CHECK_EQ(released, 1);
    mk_bytes_drop(&s); /* dropping an emptied view is a no-op */
    CHECK_EQ(released, 1);
}

TEST(foreign_owner_enomem_keeps_data_callers) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    cnt.failing = true;
    int weight = 1;
    released = 0;
    mk_bytes b;
    CHECK_EQ(mk_bytes_from_owner(&b, "x", 1, on_release, &weight, &a), MK_ENOMEM);
    CHECK_EQ(released, 0);
    CHECK_NULL(b.owner);
}

TEST(try_into_mut_only_when_unique) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes b;
    CHECK_EQ(mk_bytes_copy_from(&b, "0123456789", 10, &a), MK_OK);
    mk_bytes c = mk_bytes_split_off(&b, 6);
    mk_bytes_mut m;
    CHECK(!mk_bytes_try_into_mut(&c, &m));
    mk_bytes_drop(&b);
    const unsigned char *p = c.ptr;
    CHECK(mk_bytes_try_into_mut(&c, &m));
    CHECK_NULL(c.ptr);
    CHECK_PTR_EQ(m.ptr, p);
    CHECK_EQ(m.len, 4);
    CHECK_EQ(m.cap, 4);
    CHECK_EQ(mk_bytes_mut_put(&m, "ab", 2), MK_OK); /* room in front: slides, no allocation */
    CHECK_EQ(cnt.allocs + cnt.resizes, 1);
    CHECK_MEM_EQ(m.ptr, "6789ab", 6);
    mk_bytes_mut_drop(&m);
    CHECK_EQ(cnt.live, 0);
    mk_bytes e = mk_bytes_empty();
    CHECK(mk_bytes_try_into_mut(&e, &m));
    CHECK_EQ(m.cap, 0);
}

TEST(mut_grows_and_keeps_content) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes_mut m = mk_bytes_mut_empty(&a);
    CHECK_EQ(cnt.allocs, 0);
    unsigned char ref[5000];
    for (int i = 0; i < 5000; i++) {
        ref[i] = (unsigned char)(i * 7);
        CHECK_EQ(mk_bytes_mut_put_u8(&m, ref[i]), MK_OK);
    }
    CHECK_EQ(m.len, 5000);
    CHECK_GE(m.cap, 5000);
    CHECK_MEM_EQ(m.ptr, ref, 5000);
    CHECK_LE(cnt.allocs + cnt.resizes, 16); /* doubling, not one per byte */
    mk_bytes_mut_clear(&m);
    size_t cap = m.cap;
    CHECK_EQ(mk_bytes_mut_reserve(&m, cap), MK_OK);
    CHECK_EQ(m.cap, cap);
    mk_bytes_mut_drop(&m);
    CHECK_EQ(cnt.live, 0);
}

TEST(mut_failed_grow_keeps_data) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 8, &a), MK_OK);
    CHECK_EQ(mk_bytes_mut_put(&m, "12345678", 8), MK_OK);
    cnt.failing = true;
    CHECK_EQ(mk_bytes_mut_put(&m, "9", 1), MK_ENOMEM);
    CHECK_EQ(m.len, 8);
    CHECK_MEM_EQ(m.ptr, "12345678", 8);
    CHECK_EQ(mk_bytes_mut_reserve(&m, SIZE_MAX), MK_EOVERFLOW);
    CHECK_EQ(mk_bytes_mut_reserve(&m, SIZE_MAX - 8), MK_EOVERFLOW);
    /* shared buffer: the grow must copy, and a failed copy keeps both halves */
    mk_bytes_mut other = mk_bytes_mut_split_to(&m, 4);
    CHECK_EQ(mk_bytes_mut_put(&m, "x", 1), MK_ENOMEM);
    CHECK_MEM_EQ(m.ptr, "5678", 4);
    CHECK_MEM_EQ(other.ptr, "1234", 4);
    cnt.failing = false;
    CHECK_EQ(mk_bytes_mut_put(&m, "x", 1), MK_OK);
    CHECK_MEM_EQ(m.ptr, "5678x", 5);
    CHECK_MEM_EQ(other.ptr, "1234", 4);
    mk_bytes_mut_drop(&m);
    mk_bytes_mut_drop(&other);
    CHECK_EQ(cnt.live, 0);
}

TEST(reserve_reuses_space_in_place_when_sole_owner) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 256, &a), MK_OK);
    const unsigned char *base = m.ptr;
    long calls = cnt.allocs + cnt.resizes;
    /* a stream parser: append, consume a frame from the front, repeat; the buffer is reused */
    for (int round = 0; round < 1000; round++) {
        char frame[40];
        memset(frame, 'a' + round % 26, sizeof frame);
        CHECK_EQ(mk_bytes_mut_put(&m, frame, sizeof frame), MK_OK);
        mk_bytes_mut f = mk_bytes_mut_split_to(&m, sizeof frame);
        mk_bytes fr = mk_bytes_mut_freeze(&f);
        CHECK_EQ(fr.ptr[0], (unsigned char)('a' + round % 26));
        mk_bytes_drop(&fr);
    }
    CHECK_EQ(cnt.allocs + cnt.resizes, calls);
    CHECK(m.ptr >= base && m.ptr + m.cap <= base + 256); /* still the first buffer */
    mk_bytes_mut_drop(&m);
    CHECK_EQ(cnt.live, 0);
}

TEST(split_off_tail_room_returns_to_sole_owner) {
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 100, NULL), MK_OK);
    CHECK_EQ(mk_bytes_mut_put(&m, "abcdef", 6), MK_OK);
    mk_bytes_mut t = mk_bytes_mut_split_off(&m, 3);
    CHECK_EQ(m.cap, 3);
    CHECK_EQ(t.cap, 97);
    mk_bytes_mut_drop(&t);
    const unsigned char *p = m.ptr;
    CHECK_EQ(mk_bytes_mut_reserve(&m, 50), MK_OK);
    CHECK_PTR_EQ(m.ptr, p);
    CHECK_EQ(m.cap, 100);
    mk_bytes_mut_drop(&m);
}

TEST(unsplit_rejoins_adjacent_halves_without_copy) {
    mk_t_counting cnt;
    mk_allocator a = mk_t_counting_allocator(&cnt);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 64, &a), MK_OK);
    CHECK_EQ(mk_bytes_mut_put(&m, "hello world", 11), MK_OK);
    const unsigned char *base = m.ptr;
    mk_bytes_mut tail = mk_bytes_mut_split_off(&m, 5);
    CHECK(mk_bytes_mut_try_unsplit(&m, &tail));
    CHECK_PTR_EQ(m.ptr, base);
    CHECK_EQ(m.len, 11);
    CHECK_EQ(m.cap, 64);
    CHECK_EQ(tail.len, 0);
    CHECK(mk_bytes_is_unique(&(mk_bytes){m.ptr, m.len, m.owner}));
    mk_bytes_mut head = mk_bytes_mut_split_to(&m, 6);
    CHECK(!mk_bytes_mut_try_unsplit(&m, &head)); /* wrong order: not adjacent */
    CHECK_EQ(head.len, 6);
    CHECK(mk_bytes_mut_try_unsplit(&head, &m));
    CHECK_MEM_EQ(head.ptr, "hello world", 11);
    CHECK_EQ(cnt.allocs + cnt.resizes, 1);
    /* not adjacent: unsplit copies */
    mk_bytes_mut x;
    CHECK_EQ(mk_bytes_mut_with_capacity(&x, 4, &a), MK_OK);
    CHECK_EQ(mk_bytes_mut_put(&x, "!!", 2), MK_OK);
    CHECK(!mk_bytes_mut_try_unsplit(&head, &x));
    CHECK_EQ(mk_bytes_mut_unsplit(&head, &x), MK_OK);
    CHECK_MEM_EQ(head.ptr, "hello world!!", 13);
    CHECK_EQ(x.len, 0);
    mk_bytes_mut_drop(&head);
    CHECK_EQ(cnt.live, 0);
}

TEST(freeze_empty_and_drop_empty) {
    mk_bytes_mut m = mk_bytes_mut_empty(NULL);
    mk_bytes b = mk_bytes_mut_freeze(&m);
    CHECK_EQ(b.len, 0);
    mk_bytes_drop(&b);
    mk_bytes_mut_drop(&m);
    mk_bytes_mut s = mk_bytes_mut_split_to(&m, 5);
    CHECK_EQ(s.len, 0);
}

/* Every view operation on an empty buffer (NULL pointer, length 0) gives empty results and never
 * offsets the NULL pointer (clang's UBSan in make check reports "applying zero offset to null
 * pointer" otherwise). */
TEST(empty_buffers_slice_split_and_advance) {
    mk_bytes e = mk_bytes_empty();
    mk_bytes s = mk_bytes_slice(&e, 0, 0);
    CHECK_NULL(s.ptr);
    CHECK_EQ(s.len, 0);
    s = mk_bytes_slice(&e, 3, 7);
    CHECK_NULL(s.ptr);
    mk_bytes a = mk_bytes_split_to(&e, 0);
    mk_bytes b = mk_bytes_split_off(&e, 4);
    CHECK_NULL(a.ptr);
    CHECK_NULL(b.ptr);
    CHECK_EQ(a.len + b.len + e.len, 0);
    mk_bytes_advance(&e, 0);
    mk_bytes_advance(&e, 9);
    CHECK_NULL(e.ptr);
    mk_bytes_mut m = mk_bytes_mut_empty(NULL);
    mk_bytes_mut h = mk_bytes_mut_split_to(&m, 0);
    mk_bytes_mut t = mk_bytes_mut_split_off(&m, 2);
    CHECK_NULL(h.ptr);
    CHECK_NULL(t.ptr);
    CHECK_NULL(m.ptr);
    CHECK_EQ(h.cap + t.cap + m.cap, 0);
    CHECK(mk_bytes_mut_try_unsplit(&m, &t));
    CHECK_EQ(mk_bytes_mut_put(&m, NULL, 0), MK_OK);
    CHECK_EQ(m.len, 0);
    mk_bytes_mut_drop(&m);
    mk_bytes_mut_drop(&h);
}

/* Issue 7's promise, checked with the process's mk_t_counting layer (not only a mk_t_counting allocator):
 * slicing, cloning, splitting and freezing never touch the heap. */
TEST(zero_copy_operations_make_no_heap_allocation) {
    REQUIRE_COUNTING();
    mk_bytes b;
    CHECK_EQ(mk_bytes_copy_from(&b, "hello, shared world", 19, NULL), MK_OK);
    mk_bytes_mut m;
    CHECK_EQ(mk_bytes_mut_with_capacity(&m, 64, NULL), MK_OK);
    CHECK_EQ(mk_bytes_mut_put(&m, "abcdef", 6), MK_OK);
    CHECK_NO_ALLOCS({
        mk_bytes c = mk_bytes_clone(&b);
        mk_bytes s = mk_bytes_slice(&b, 7, 13);
        CHECK_MEM_EQ(s.ptr, "shared", 6);
        mk_bytes head = mk_bytes_split_to(&c, 5);
        mk_bytes tail = mk_bytes_split_off(&c, 2);
        mk_bytes_mut left = mk_bytes_mut_split_to(&m, 3);
        mk_bytes frozen = mk_bytes_mut_freeze(&left);
        CHECK_MEM_EQ(frozen.ptr, "abc", 3);
        mk_bytes_drop(&frozen);
        mk_bytes_drop(&s);
        mk_bytes_drop(&head);
        mk_bytes_drop(&tail);
        mk_bytes_drop(&c);
    });
    mk_bytes_mut_drop(&m);
    mk_bytes_drop(&b);
}

TEST_MAIN()
