/* memkit/base.h - the macros every memkit header shares.
 *
 * Export control, inlining and branch hints, and checked size arithmetic. Checked arithmetic lives
 * here because every module multiplies counts by sizes and none may wrap: a wrapped size is a heap
 * overflow waiting to happen. Header only; no state, so everything here is thread-safe.
 */
#ifndef MEMKIT_BASE_H
#define MEMKIT_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
#define MK_EXTERN_C_BEGIN extern "C" {
#define MK_EXTERN_C_END }
#else
#define MK_EXTERN_C_BEGIN
#define MK_EXTERN_C_END
#endif

/* Only declarations marked MK_API leave libmemkit.so; everything else is hidden. */
#if defined(__GNUC__)
#define MK_API __attribute__((visibility("default")))
#define MK_INLINE static inline __attribute__((always_inline))
#define MK_NOINLINE __attribute__((noinline))
#define MK_COLD __attribute__((cold, noinline))
#define MK_LIKELY(x) __builtin_expect(!!(x), 1)
#define MK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MK_NODISCARD __attribute__((warn_unused_result))
#define MK_MALLOC_LIKE __attribute__((malloc))
#define MK_ALLOC_SIZE(i) __attribute__((alloc_size(i)))
#define MK_ALLOC_SIZE2(i, j) __attribute__((alloc_size(i, j)))
#define MK_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
/* For functions that generator macros (MK_VEC_DEFINE, MK_POOL_DEFINE...) emit into the user's file:
 * a program that uses only some of them must not be warned about the others. */
#define MK_GENERATED static inline __attribute__((unused))
/* Marks a name kept for one release after a rename; msg names its replacement (CHANGELOG.md). */
#define MK_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define MK_API
#define MK_INLINE static inline
#define MK_NOINLINE
#define MK_COLD
#define MK_LIKELY(x) (x)
#define MK_UNLIKELY(x) (x)
#define MK_NODISCARD
#define MK_MALLOC_LIKE
#define MK_ALLOC_SIZE(i)
#define MK_ALLOC_SIZE2(i, j)
#define MK_NONNULL(...)
#define MK_GENERATED static inline
#define MK_DEPRECATED(msg)
#endif

/* What every function that returns an offset or an index returns when there is none to return
 * (mk_finder_find, mk_str_find, ...): a value no offset into an object can take. */
#define MK_NOT_FOUND SIZE_MAX

MK_EXTERN_C_BEGIN

/* True when x is a power of two (0 is not). */
MK_INLINE bool mk_is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* *out = a * b; returns false (and leaves *out = SIZE_MAX) when the product does not fit. */
MK_INLINE bool mk_mul_size(size_t a, size_t b, size_t *out) {
#if defined(__GNUC__)
    if (__builtin_mul_overflow(a, b, out)) { *out = SIZE_MAX; return false; }
    return true;
#else
    if (b != 0 && a > SIZE_MAX / b) { *out = SIZE_MAX; return false; }
    *out = a * b;
    return true;
#endif
}

/* *out = a + b; returns false (and leaves *out = SIZE_MAX) when the sum does not fit. */
MK_INLINE bool mk_add_size(size_t a, size_t b, size_t *out) {
#if defined(__GNUC__)
    if (__builtin_add_overflow(a, b, out)) { *out = SIZE_MAX; return false; }
    return true;
#else
    if (a > SIZE_MAX - b) { *out = SIZE_MAX; return false; }
    *out = a + b;
    return true;
#endif
}

/* x rounded up to a multiple of align (a power of two); returns false if that overflows. */
MK_INLINE bool mk_align_up_size(size_t x, size_t align, size_t *out) {
    if (!mk_add_size(x, align - 1, out)) return false;
    *out &= ~(align - 1);
    return true;
}

MK_EXTERN_C_END

#endif
