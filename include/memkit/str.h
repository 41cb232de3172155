/* memkit/str.h - text without needless copies: views (mk_str), borrowed-or-owned text (mk_cow) and a
 * 24-byte small string (mk_string).
 *
 * mk_str is a pointer and a length that owns nothing: slicing, trimming, splitting and comparing
 * never allocate. mk_cow holds either a view or an owned copy and copies only when the text must
 * change. mk_string stores up to 23 bytes inside its 24 bytes and goes to the allocator only beyond
 * that; it has no room for an allocator pointer, so (as Zig's unmanaged containers) every call that
 * may allocate or free takes the allocator, which must be the same one (NULL = the heap) for the
 * whole life of one string.
 *
 * All three are byte-transparent (embedded NULs are fine; lengths are explicit) and compare bytes
 * as unsigned char. Thread-safety: none of them has hidden state; one owner at a time.
 */
#ifndef MEMKIT_STR_H
#define MEMKIT_STR_H

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

MK_EXTERN_C_BEGIN

/* ---- mk_str: a view ---------------------------------------------------------------------------- */

typedef struct mk_str {
    const char *ptr; /* may be NULL when len is 0 */
    size_t len;
} mk_str;

/* Deprecated: the find functions return MK_NOT_FOUND (base.h), as every module's do. MK_NPOS stays
 * for one release, an integer constant equal to MK_NOT_FOUND that warns where it is used. */
enum { mk__npos_deprecated MK_DEPRECATED("MK_NPOS is deprecated: use MK_NOT_FOUND") = -1 };
#define MK_NPOS ((size_t)mk__npos_deprecated)

/* A view of a string literal, computed at compile time: MK_STR("abc").len == 3. MK_STR_INIT is the
 * same as a brace initializer, for static objects. */
#define MK_STR_INIT(lit) { "" lit, sizeof("" lit) - 1 }
#ifdef __cplusplus
#define MK_STR(lit) (mk_str MK_STR_INIT(lit))
#else
#define MK_STR(lit) ((mk_str)MK_STR_INIT(lit))
#endif

/* A view of p[0..n); the bytes must outlive the view. */
MK_INLINE mk_str mk_str_from_len(const char *p, size_t n) {
    mk_str s;
    s.ptr = p;
    s.len = n;
    return s;
}

/* A view of a NUL-terminated string (NULL gives the empty view). */
MK_INLINE mk_str mk_str_from(const char *cstr) { return mk_str_from_len(cstr, cstr ? strlen(cstr) : 0); }

/* True when both hold the same bytes. */
MK_INLINE bool mk_str_eq(mk_str a, mk_str b) { return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0); }

/* <0, 0, >0 as a sorts before, equal to, after b (bytes as unsigned, then the shorter first). */
MK_INLINE int mk_str_cmp(mk_str a, mk_str b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* True when s begins / ends with the given bytes (the empty string always matches). */
MK_INLINE bool mk_str_starts_with(mk_str s, mk_str prefix) {
    return prefix.len <= s.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

MK_INLINE bool mk_str_ends_with(mk_str s, mk_str suffix) {
    return suffix.len <= s.len && (suffix.len == 0 || memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0);
}

/* s[begin..end) with both ends clamped to s (end to len, begin to end): never out of bounds. */
MK_INLINE mk_str mk_str_sub(mk_str s, size_t begin, size_t end) {
    if (end > s.len) end = s.len;
    if (begin > end) begin = end;
    return mk_str_from_len(s.ptr ? s.ptr + begin : s.ptr, end - begin);
}

/* Index of the first occurrence of needle in s, or MK_NOT_FOUND. An empty needle is found at 0. */
MK_API size_t mk_str_find(mk_str s, mk_str needle);

/* Index of the first byte c in s, or MK_NOT_FOUND. */
MK_INLINE size_t mk_str_find_byte(mk_str s, char c) {
    const char *p = s.len ? (const char *)memchr(s.ptr, c, s.len) : NULL;
    return p ? (size_t)(p - s.ptr) : MK_NOT_FOUND;
}

/* s without leading/trailing/both ASCII whitespace (space, \t, \n, \v, \f, \r). */
MK_API mk_str mk_str_trim_start(mk_str s);
MK_API mk_str mk_str_trim_end(mk_str s);
MK_INLINE mk_str mk_str_trim(mk_str s) { return mk_str_trim_end(mk_str_trim_start(s)); }

/* Splitting without allocation:
 *   mk_str_split it = mk_str_split_init(s, MK_STR(","));
 *   mk_str part;
 *   while (mk_str_split_next(&it, &part)) ...
 * yields the pieces between separators, empty ones included ("a,,b" gives "a", "", "b"; "" gives one
 * empty piece). An empty separator yields s whole, once. The iterator views s; no state elsewhere. */
typedef struct mk_str_split {
    mk_str rest, sep;
    bool done;
} mk_str_split;

MK_INLINE mk_str_split mk_str_split_init(mk_str s, mk_str sep) {
    mk_str_split it;
    it.rest = s;
    it.sep = sep;
    it.done = false;
    return it;
}

/* Stores the next piece in *out and returns true; false when there are no more. */
MK_API bool mk_str_split_next(mk_str_split *it, mk_str *out) MK_NONNULL(1, 2);

/* ---- mk_cow: borrowed or owned ----------------------------------------------------------------- */

/* Text that is either borrowed (a view; cap == 0) or owned (cap bytes from alloc, NUL-terminated). */
typedef struct mk_cow {
    const char *ptr;
    size_t len;
    size_t cap;                 /* 0: borrowed; else bytes allocated (len + 1 at least) */
    const mk_allocator *alloc;  /* where an owned buffer came from */
} mk_cow;

/* Borrows s: nothing is copied; s must outlive the cow (or its mk_cow_to_owned). */
MK_INLINE mk_cow mk_cow_borrowed(mk_str s) {
    mk_cow c;
    c.ptr = s.ptr;
    c.len = s.len;
    c.cap = 0;
    c.alloc = NULL;
    return c;
}

/* Whether c owns its bytes (then mk_cow_free releases them), and a view of them valid until then. */
MK_INLINE bool mk_cow_is_owned(const mk_cow *c) { return c->cap != 0; }
MK_INLINE mk_str mk_cow_str(const mk_cow *c) { return mk_str_from_len(c->ptr, c->len); }

/* Makes c own its text: a borrowed cow is copied (len + 1 bytes from a, NUL-terminated); an owned one
 * is left alone (nothing is allocated). Returns false, c unchanged, when the copy cannot be made. */
MK_API MK_NODISCARD bool mk_cow_to_owned(mk_cow *c, const mk_allocator *a) MK_NONNULL(1);

/* The bytes to modify in place: makes c owned first if needed (as mk_cow_to_owned). Returns NULL, c
 * unchanged, on allocation failure. Valid until mk_cow_free. */
MK_API MK_NODISCARD char *mk_cow_to_mut(mk_cow *c, const mk_allocator *a) MK_NONNULL(1);

/* Frees owned text and leaves c empty and borrowed; a no-op on borrowed text (beyond emptying c). */
MK_API void mk_cow_free(mk_cow *c) MK_NONNULL(1);

/* ---- mk_string: the 24-byte small string ------------------------------------------------------- *
 *
 * Layout (24 bytes, aligned as a pointer):
 *   inline: bytes 0..22 hold the text, byte 23 holds 23 - len (0..23). At len 23 that byte is 0 and
 *           is the NUL terminator; shorter strings keep a NUL at byte len. So inline iff byte 23 < 24.
 *   heap:   bytes 0..7 the pointer, 8..15 the length, 16..23 a 64-bit word holding the capacity in
 *           its low 56 bits and MK__STRING_HEAP_TAG (0xFF, never a valid inline value) in byte 23:
 *           on little-endian targets that is the word's top byte, on big-endian its bottom byte (the
 *           capacity is shifted up). On 32-bit targets bytes 4..7 and 12..15 are unused.
 * The heap buffer holds cap bytes plus a NUL, so mk_string_cstr never allocates. The capacity of a
 * heap string is at most 2^56 - 2 bytes. */
typedef union mk_string {
    unsigned char b[24];
    struct {
        char *ptr;
        size_t len;
    } h;
    uint64_t align_;
} mk_string;

#define MK_STRING_INLINE_CAP 23
#define MK__STRING_HEAP_TAG 0xFFu
#define MK__STRING_CAP_MAX (((uint64_t)1 << 56) - 2)

#ifdef __cplusplus
static_assert(sizeof(mk_string) == 24, "mk_string is 24 bytes");
#else
_Static_assert(sizeof(mk_string) == 24, "mk_string is 24 bytes");
#endif

/* True when the bytes live in an allocated buffer (more than 23, or a heap string cleared). */
MK_INLINE bool mk_string_is_heap(const mk_string *s) { return s->b[23] >= 24; }

/* An empty inline string; allocates nothing. (Zero bytes are NOT a valid mk_string: zero in byte 23
 * means 23 bytes long. Initialize with this.) */
MK_INLINE void mk_string_init(mk_string *s) {
    memset(s->b, 0, MK_STRING_INLINE_CAP); /* all of it, so no byte is ever read uninitialized */
    s->b[23] = MK_STRING_INLINE_CAP;
}

/* The length in bytes (embedded NULs included). */
MK_INLINE size_t mk_string_len(const mk_string *s) {
    return mk_string_is_heap(s) ? s->h.len : (size_t)(MK_STRING_INLINE_CAP - s->b[23]);
}

/* The bytes, NUL-terminated; valid until the next call that changes s. cstr is the same pointer,
 * for C APIs (which stop at an embedded NUL). */
MK_INLINE const char *mk_string_data(const mk_string *s) {
    return mk_string_is_heap(s) ? s->h.ptr : (const char *)s->b;
}
MK_INLINE const char *mk_string_cstr(const mk_string *s) { return mk_string_data(s); }
MK_INLINE mk_str mk_string_str(const mk_string *s) { return mk_str_from_len(mk_string_data(s), mk_string_len(s)); }

/* Bytes that fit without allocating: 23 inline, the buffer's size on the heap. */
MK_INLINE size_t mk_string_cap(const mk_string *s) {
    if (!mk_string_is_heap(s)) return MK_STRING_INLINE_CAP;
    uint64_t w;
    memcpy(&w, s->b + 16, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)(w >> 8);
#else
    return (size_t)(w & (((uint64_t)1 << 56) - 1));
#endif
}

/* Internal. Copies n <= 23 bytes with a few overlapping fixed-size moves instead of a call to
 * memcpy (never reading outside p[0..n) nor writing outside dst[0..n)). */
MK_INLINE void mk__copy_small(unsigned char *dst, const char *p, size_t n) {
    if (n >= 8) {
        memcpy(dst, p, 8);
        if (n > 16) memcpy(dst + 8, p + 8, 8);
        memcpy(dst + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, p, 4);
        memcpy(dst + n - 4, p + n - 4, 4);
    } else if (n) {
        dst[0] = (unsigned char)p[0];
        dst[n / 2] = (unsigned char)p[n / 2];
        dst[n - 1] = (unsigned char)p[n - 1];
    }
}

MK_API MK_NODISCARD bool mk__string_from_heap(mk_string *s, const char *p, size_t n, const mk_allocator *a);
MK_API MK_NODISCARD bool mk__string_grow(mk_string *s, size_t need, const mk_allocator *a);

/* Sets s (uninitialized or freed) to a copy of p[0..n) (p may be NULL when n is 0): inline when
 * n <= 23, allocating nothing; else n + 1 bytes from a. false (s empty, nothing allocated) on
 * allocation failure. */
MK_INLINE MK_NODISCARD bool mk_string_from_len(mk_string *s, const char *p, size_t n, const mk_allocator *a) {
    if (MK_LIKELY(n <= MK_STRING_INLINE_CAP)) {
        mk__copy_small(s->b, p, n);
        s->b[n] = 0; /* at n = 23 this is byte 23, and the next line writes the same 0 */
        s->b[23] = (unsigned char)(MK_STRING_INLINE_CAP - n);
        return true;
    }
    return mk__string_from_heap(s, p, n, a);
}

/* As mk_string_from_len with a NUL-terminated string (NULL gives the empty string). */
MK_INLINE MK_NODISCARD bool mk_string_from(mk_string *s, const char *cstr, const mk_allocator *a) {
    return mk_string_from_len(s, cstr, cstr ? strlen(cstr) : 0, a);
}

/* Room for len + n bytes without another allocation; false (s unchanged) on overflow or failure. */
MK_INLINE MK_NODISCARD bool mk_string_reserve(mk_string *s, size_t n, const mk_allocator *a) {
    size_t need;
    if (!mk_add_size(mk_string_len(s), n, &need)) return false;
    return need <= mk_string_cap(s) || mk__string_grow(s, need, a);
}

/* Appends p[0..n) (which may point into s itself). false, s unchanged, on overflow or failure. */
MK_API MK_NODISCARD bool mk_string_append(mk_string *s, const char *p, size_t n, const mk_allocator *a)
    MK_NONNULL(1);

/* Appends one byte (NUL included). false, s unchanged, on failure. */
MK_INLINE MK_NODISCARD bool mk_string_push(mk_string *s, char c, const mk_allocator *a) {
    unsigned char t = s->b[23];
    if (t != 0 && t < 24) { /* inline with room: len = 23 - t < 23 */
        size_t len = (size_t)(MK_STRING_INLINE_CAP - t);
        s->b[len] = (unsigned char)c;
        s->b[len + 1] = 0;
        s->b[23] = (unsigned char)(t - 1);
        return true;
    }
    return mk_string_append(s, &c, 1, a);
}

/* Empties s; a heap string keeps its buffer (cleared strings are refilled without allocating). */
MK_INLINE void mk_string_clear(mk_string *s) {
    if (mk_string_is_heap(s)) {
        s->h.len = 0;
        s->h.ptr[0] = 0;
    } else {
        mk_string_init(s);
    }
}

MK_API void mk__string_free_heap(mk_string *s, const mk_allocator *a);

/* Frees a heap buffer (to a, the string's allocator) and leaves s empty and inline. */
MK_INLINE void mk_string_free(mk_string *s, const mk_allocator *a) {
    if (mk_string_is_heap(s)) {
        if (a)
            mk__string_free_heap(s, a);
        else
            free(s->h.ptr); /* the heap takes its blocks back without their size */
    }
    mk_string_init(s);
}

/* Byte equality and ordering, as mk_str_eq and mk_str_cmp. */
MK_INLINE bool mk_string_eq(const mk_string *x, const mk_string *y) {
    return mk_str_eq(mk_string_str(x), mk_string_str(y));
}
MK_INLINE int mk_string_cmp(const mk_string *x, const mk_string *y) {
    return mk_str_cmp(mk_string_str(x), mk_string_str(y));
}

/* A 64-bit hash of the bytes (FNV-1a); equal strings hash equal. Not resistant to chosen inputs. */
MK_API uint64_t mk_str_hash(mk_str s);
MK_INLINE uint64_t mk_string_hash(const mk_string *s) { return mk_str_hash(mk_string_str(s)); }

MK_EXTERN_C_END

#endif
