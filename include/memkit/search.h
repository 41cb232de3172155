/* memkit/search.h - fixed-string search that keeps up with memory bandwidth.
 *
 * An mk_finder is a needle prepared once and searched for in many haystacks. The one design
 * decision: a SIMD prefilter does the work (it compares three rare bytes of the needle at their
 * offsets, 32 positions at a time with AVX2 when the CPU has it, 16 with SSE2 otherwise, and a
 * scalar loop on other architectures), and every candidate is verified with a charged comparison.
 * When the charges outgrow the bytes scanned (an adversarial haystack such as "aaaa..." against
 * "aa...ab"), the search switches to Two-Way (Crochemore-Perrin) for the rest, so every call is
 * O(n + m) in the worst case and needs no allocation.
 *
 * Empty needle: it matches at every offset 0..n, so find returns 0, rfind returns n, count returns
 * n + 1 and iteration yields 0, 1, ..., n (the convention of Python's str.count and Rust's matches).
 */
#ifndef MEMKIT_SEARCH_H
#define MEMKIT_SEARCH_H

#include "base.h"
#include "error.h"

MK_EXTERN_C_BEGIN

/* The find functions return MK_NOT_FOUND (base.h) when there is no match. */

/* A prepared needle. Fields are private. It borrows the needle bytes: they must stay alive and
 * unchanged while the finder is used. A finder is immutable after init, so any number of threads
 * may search with the same finder at once. */
typedef struct mk_finder {
    const unsigned char *needle_;
    size_t len_;
    size_t ell_, per_;   /* forward Two-Way: critical position and shift */
    size_t rell_, rper_; /* the same for the reversed needle (rfind) */
    bool periodic_, rperiodic_;
    size_t i1_, i2_, i3_; /* prefilter: offsets of the three needle bytes it compares */
} mk_finder;

/* Prepares f for needle[0..len). O(len), no allocation. Returns MK_OK, or MK_EINVAL when needle is
 * NULL with len > 0 (f is then a finder for the empty needle). */
MK_API mk_err mk_finder_init(mk_finder *f, const void *needle, size_t len) MK_NONNULL(1);

/* Length of the needle f was prepared with. */
MK_INLINE size_t mk_finder_len(const mk_finder *f) { return f->len_; }

/* Offset of the first occurrence of the needle in hay[0..n), or MK_NOT_FOUND. O(n + m). */
MK_API size_t mk_finder_find(const mk_finder *f, const void *hay, size_t n) MK_NONNULL(1);

/* Offset of the last occurrence of the needle in hay[0..n), or MK_NOT_FOUND. O(n + m). */
MK_API size_t mk_finder_rfind(const mk_finder *f, const void *hay, size_t n) MK_NONNULL(1);

/* Number of non-overlapping occurrences, taken leftmost first ("aaaa" holds "aa" twice), as
 * `grep -o` counts them. O(n + m). */
MK_API size_t mk_finder_count(const mk_finder *f, const void *hay, size_t n) MK_NONNULL(1);

/* Iteration over the non-overlapping occurrences, left to right, in the order count counts them:
 *     mk_finder_iter it; size_t at;
 *     mk_finder_iter_init(&it, &f, hay, n);
 *     while (mk_finder_iter_next(&it, &at)) use(at);
 * The iterator borrows f and hay and belongs to one thread. Each step costs O(distance to the
 * match + m). */
typedef struct mk_finder_iter {
    const mk_finder *f_;
    const unsigned char *hay_;
    size_t n_, pos_;
    bool done_;
} mk_finder_iter;

MK_INLINE void mk_finder_iter_init(mk_finder_iter *it, const mk_finder *f, const void *hay, size_t n) {
    it->f_ = f;
    it->hay_ = (const unsigned char *)hay;
    it->n_ = n;
    it->pos_ = 0;
    it->done_ = false;
}

/* Stores the offset of the next match in *at and returns true, or returns false when there is none
 * left (and keeps returning false). */
MK_API bool mk_finder_iter_next(mk_finder_iter *it, size_t *at) MK_NONNULL(1, 2);

/* One-shot search: offset of the first occurrence of needle[0..m) in hay[0..n), or MK_NOT_FOUND.
 * Prepares a finder each call; use an mk_finder when the needle is searched for more than once. */
MK_API size_t mk_memmem(const void *hay, size_t n, const void *needle, size_t m);

MK_EXTERN_C_END

#endif
