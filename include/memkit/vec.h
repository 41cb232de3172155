/* memkit/vec.h - typed vectors: growable (vec), inline-then-spill (smallvec) and bounded (arrayvec).
 *
 * Each family is a macro that generates a struct and static inline functions for one element type,
 * so call sites read `ints_push(&v, 7)` and the compiler sees plain typed loads and stores. The one
 * design decision to know: the generated code is only the fast paths; growth, overflow checks and
 * the spill from inline storage are one out-of-line function (mk__vec_grow in src/lib/vec.c),
 * generic over the element size, so each element type costs a few small inline functions and every
 * size computation is checked in one place.
 *
 *   MK_VEC_DEFINE(ints, int)            ints v; ints_init(&v, NULL); ints_push(&v, 1); ints_free(&v);
 *   MK_SMALLVEC_DEFINE(ids, uint32_t, 4) first 4 elements inside the struct, then the allocator
 *   MK_ARRAYVEC_DEFINE(pts, point, 8)   at most 8, never allocates
 *
 * Every allocating operation returns false on allocation failure or size overflow and leaves the
 * vector exactly as it was. Growth doubles from a minimum of 8 (1-byte elements), 4 (up to 1 KiB)
 * or 1 element. A vector built in an arena (mk_arena_allocator) grows in place while it is the
 * arena's newest allocation. Elements are moved with memcpy: T must be trivially relocatable. T may
 * be a pointer type (`const char *`): the generated code only ever writes `T *` and `T const *`.
 * Pointers from _data/_at are valid until the next operation that may grow, shrink or spill.
 *
 * Thread-safety: a vector is single-owner; use one per thread or lock around it.
 */
#ifndef MEMKIT_VEC_H
#define MEMKIT_VEC_H

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

MK_EXTERN_C_BEGIN

#ifdef __cplusplus
#define MK__VEC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define MK__VEC_ALIGNOF(T) alignof(T)
#else
#define MK__VEC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define MK__VEC_ALIGNOF(T) _Alignof(T)
#endif

/* Flags of mk__vec_grow. */
#define MK__VEC_EXACT 1u  /* grow to exactly `need` elements, no doubling */
#define MK__VEC_INLINE 2u /* `data` is inline storage: copy out of it instead of resizing it */

/* Internal (the generated functions call it). Returns a block of at least `need` elements holding
 * the first `len` elements of `data`, and sets *cap; NULL (nothing changed, data still valid) on
 * overflow or allocation failure. `cap` elements of `data` came from `a` unless MK__VEC_INLINE. */
MK_API MK_NODISCARD void *mk__vec_grow(void *data, size_t len, size_t *cap, size_t need, size_t elem_size,
                                       size_t align, const mk_allocator *a, unsigned flags);

/* Internal. Shrinks data (cap elements from a) to len elements; returns the block (NULL when len is
 * 0: the block was freed) and sets *cap. When the allocator cannot shrink, keeps data and *cap. */
MK_API void *mk__vec_shrink(void *data, size_t len, size_t *cap, size_t elem_size, size_t align,
                            const mk_allocator *a);

/* Internal. Frees storage: straight to free() for the heap (NULL), which takes any block the heap
 * allocator made, saving two calls on the most common path; through the allocator otherwise. */
MK_INLINE void mk__vec_release(const mk_allocator *a, void *p, size_t bytes, size_t align) {
    if (!a)
        free(p);
    else
        mk_free(a, p, bytes, align);
}

/* Internal. Checks len + n without wrapping; false when it overflows. */
MK_INLINE bool mk__vec_need(size_t len, size_t n, size_t *need) { return mk_add_size(len, n, need); }

/* insert, remove, swap_remove, pop and truncate, shared by every family whose elements are
 * v->data[0..v->len). len_t is the type of v->len; room is an expression (of v) that is true when
 * one more element fits, after making room if the family can. */
#define MK__SEQ_OPS(name, T, len_t, room)                                                            \
    MK_GENERATED bool name##_insert(name *v, size_t i, T x) {                                        \
        if (i > v->len || !(room)) return false;                                                     \
        memmove(v->data + i + 1, v->data + i, (v->len - i) * sizeof(T));                             \
        v->data[i] = x;                                                                              \
        v->len++;                                                                                    \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED void name##_truncate(name *v, size_t n) {                                           \
        if (n < v->len) v->len = (len_t)n;                                                           \
    }                                                                                                \
    MK_GENERATED bool name##_remove(name *v, size_t i, T *out) {                                     \
        if (i >= v->len) return false;                                                               \
        if (out) *out = v->data[i];                                                                  \
        memmove(v->data + i, v->data + i + 1, (v->len - i - 1) * sizeof(T));                         \
        v->len--;                                                                                    \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_swap_remove(name *v, size_t i, T *out) {                                \
        if (i >= v->len) return false;                                                               \
        if (out) *out = v->data[i];                                                                  \
        v->data[i] = v->data[v->len - 1];                                                            \
        v->len--;                                                                                    \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_pop(name *v, T *out) {                                                  \
        if (v->len == 0) return false;                                                               \
        v->len--;                                                                                    \
        if (out) *out = v->data[v->len];                                                             \
        return true;                                                                                 \
    }

/* MK_VEC_DEFINE(name, T): a growable vector `name` of T over an allocator.
 *   struct: { T *data; size_t len, cap; const mk_allocator *alloc; } (fields readable, not writable)
 *   void name_init(v, a)                 empty, allocates nothing; a NULL = the heap
 *   bool name_with_capacity(v, n, a)     init, then room for exactly n
 *   bool name_reserve(v, n)              room for len + n (amortized doubling); reserve_exact: exactly
 *   bool name_push(v, x)                 appends; extend(v, src, n) appends n from an array (all or
 *                                        nothing; src must not point into v, which a grow may move)
 *   bool name_insert(v, i, x)            i <= len, shifts the tail up; false when i > len
 *   bool name_remove(v, i, out)          i < len, shifts the tail down; swap_remove moves the last in
 *   bool name_pop(v, out)                false when empty; out may be NULL for remove/swap_remove/pop
 *   void name_truncate(v, n), name_clear(v)   drop elements, keep the capacity (buffer reuse)
 *   bool name_shrink_to_fit(v)           capacity down to len (frees at 0); false if the allocator can't
 *   T *name_at(v, i)                     &data[i]; asserts i < len unless NDEBUG
 *   T *name_data(v), *name_last(v)       the elements (NULL when none were ever allocated); last or NULL
 *   size_t name_len(v), name_cap(v)
 *   void name_free(v)                    frees the storage; v is empty and reusable afterwards */
#define MK_VEC_DEFINE(name, T)                                                                       \
    typedef struct name {                                                                            \
        T *data;                                                                                     \
        size_t len, cap;                                                                             \
        const mk_allocator *alloc;                                                                   \
    } name;                                                                                          \
    MK_GENERATED void name##_init(name *v, const mk_allocator *a) {                                  \
        v->data = NULL;                                                                              \
        v->len = v->cap = 0;                                                                         \
        v->alloc = a;                                                                                \
    }                                                                                                \
    MK_GENERATED bool name##__grow(name *v, size_t need, unsigned flags) {                           \
        size_t cap = v->cap;                                                                         \
        T *p = (T *)mk__vec_grow(v->data, v->len, &cap, need, sizeof(T), MK__VEC_ALIGNOF(T), v->alloc, \
                                 flags);                                                             \
        if (!p) return false;                                                                        \
        v->data = p;                                                                                 \
        v->cap = cap;                                                                                \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_reserve(name *v, size_t n) {                                            \
        size_t need;                                                                                 \
        if (!mk__vec_need(v->len, n, &need)) return false;                                           \
        return need <= v->cap || name##__grow(v, need, 0);                                           \
    }                                                                                                \
    MK_GENERATED bool name##_reserve_exact(name *v, size_t n) {                                      \
        size_t need;                                                                                 \
        if (!mk__vec_need(v->len, n, &need)) return false;                                           \
        return need <= v->cap || name##__grow(v, need, MK__VEC_EXACT);                               \
    }                                                                                                \
    MK_GENERATED bool name##_with_capacity(name *v, size_t n, const mk_allocator *a) {               \
        name##_init(v, a);                                                                           \
        return n == 0 || name##__grow(v, n, MK__VEC_EXACT);                                          \
    }                                                                                                \
    MK_GENERATED bool name##_push(name *v, T x) {                                                    \
        if (MK_UNLIKELY(v->len == v->cap) && !name##__grow(v, v->len + 1, 0)) return false;          \
        v->data[v->len++] = x;                                                                       \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_extend(name *v, T const *src, size_t n) {                               \
        if (!name##_reserve(v, n)) return false;                                                     \
        if (n) memcpy(v->data + v->len, src, n * sizeof(T));                                         \
        v->len += n;                                                                                 \
        return true;                                                                                 \
    }                                                                                                \
    MK__SEQ_OPS(name, T, size_t, name##_reserve(v, 1))                                               \
    MK_GENERATED void name##_clear(name *v) { v->len = 0; }                                          \
    MK_GENERATED bool name##_shrink_to_fit(name *v) {                                                \
        size_t cap = v->cap;                                                                         \
        if (cap == v->len) return true;                                                              \
        T *p = (T *)mk__vec_shrink(v->data, v->len, &cap, sizeof(T), MK__VEC_ALIGNOF(T), v->alloc);  \
        v->data = p;                                                                                 \
        v->cap = cap;                                                                                \
        return cap == v->len;                                                                        \
    }                                                                                                \
    MK_GENERATED T *name##_at(name *v, size_t i) {                                                   \
        assert(i < v->len && "index out of bounds");                                                 \
        return v->data + i;                                                                          \
    }                                                                                                \
    MK_GENERATED T *name##_data(name *v) { return v->data; }                                         \
    MK_GENERATED T *name##_last(name *v) { return v->len ? v->data + v->len - 1 : (T *)NULL; }       \
    MK_GENERATED size_t name##_len(const name *v) { return v->len; }                                 \
    MK_GENERATED size_t name##_cap(const name *v) { return v->cap; }                                 \
    MK_GENERATED void name##_free(name *v) {                                                         \
        if (v->data) mk__vec_release(v->alloc, v->data, v->cap * sizeof(T), MK__VEC_ALIGNOF(T));             \
        v->data = NULL;                                                                              \
        v->len = v->cap = 0;                                                                         \
    }

/* Bytes of a smallvec of N elements of T (what MK_SMALLVEC_DEFINE static-asserts): the allocator
 * pointer, one size_t that is the length while inline and the capacity once spilled, and a union
 * of the N inline elements with {heap pointer, heap length}, padded to T's alignment. For uint32_t
 * and N = 4 that is 32 bytes on a 64-bit target. */
#define MK__VEC_MAX(a, b) ((a) > (b) ? (a) : (b))
#define MK__VEC_ROUND(x, a) (((x) + (a) - 1) / (a) * (a))
#define MK__SMALLVEC_A(T) MK__VEC_MAX(MK__VEC_ALIGNOF(T), MK__VEC_ALIGNOF(size_t))
#define MK_SMALLVEC_SIZE(T, N)                                                                       \
    (MK__VEC_ROUND(sizeof(void *) + sizeof(size_t), MK__SMALLVEC_A(T)) +                             \
     MK__VEC_ROUND(MK__VEC_MAX((N) * sizeof(T), sizeof(void *) + sizeof(size_t)), MK__SMALLVEC_A(T)))

/* MK_SMALLVEC_DEFINE(name, T, N): the operations of MK_VEC_DEFINE (same names and contracts), with
 * the first N elements (N >= 1) inside the struct; only the (N+1)th element allocates. Extra:
 *   bool name_spilled(v)      true once the elements live in allocated storage
 * shrink_to_fit moves the elements back inside when len <= N. The struct holds no pointer into
 * itself, so it may be copied or moved with memcpy (the copy then owns the storage). Layout and
 * size: see MK_SMALLVEC_SIZE. */
#define MK_SMALLVEC_DEFINE(name, T, N)                                                               \
    MK__VEC_STATIC_ASSERT((N) >= 1, "a smallvec needs N >= 1");                                          \
    typedef struct name {                                                                            \
        const mk_allocator *alloc;                                                                   \
        size_t tag; /* <= N: inline and this is the length; > N: spilled and this is the capacity */ \
        union {                                                                                      \
            T inl[N];                                                                                \
            struct {                                                                                 \
                T *ptr;                                                                              \
                size_t len;                                                                          \
            } heap;                                                                                  \
        } u;                                                                                         \
    } name;                                                                                          \
    MK__VEC_STATIC_ASSERT(sizeof(name) == MK_SMALLVEC_SIZE(T, N), "smallvec layout is as documented");   \
    MK_GENERATED void name##_init(name *v, const mk_allocator *a) {                                  \
        v->alloc = a;                                                                                \
        v->tag = 0;                                                                                  \
        v->u.heap.ptr = NULL; /* never read while inline; set so no compiler sees it uninitialized */ \
        v->u.heap.len = 0;                                                                           \
    }                                                                                                \
    MK_GENERATED bool name##_spilled(const name *v) { return v->tag > (N); }                         \
    MK_GENERATED size_t name##_len(const name *v) { return v->tag > (N) ? v->u.heap.len : v->tag; }  \
    MK_GENERATED size_t name##_cap(const name *v) { return v->tag > (N) ? v->tag : (size_t)(N); }    \
    MK_GENERATED T *name##_data(name *v) { return v->tag > (N) ? v->u.heap.ptr : v->u.inl; }         \
    MK_GENERATED void name##__set_len(name *v, size_t n) {                                           \
        if (v->tag > (N))                                                                            \
            v->u.heap.len = n;                                                                       \
        else                                                                                         \
            v->tag = n;                                                                              \
    }                                                                                                \
    MK_GENERATED bool name##__grow(name *v, size_t need, unsigned flags) {                           \
        bool sp = v->tag > (N);                                                                      \
        size_t len = name##_len(v), cap = sp ? v->tag : (size_t)(N);                                 \
        T *p = (T *)mk__vec_grow(sp ? v->u.heap.ptr : v->u.inl, len, &cap, need, sizeof(T),          \
                                 MK__VEC_ALIGNOF(T), v->alloc, flags | (sp ? 0u : MK__VEC_INLINE));  \
        if (!p) return false;                                                                        \
        v->u.heap.ptr = p;                                                                           \
        v->u.heap.len = len;                                                                         \
        v->tag = cap;                                                                                \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_reserve(name *v, size_t n) {                                            \
        size_t need;                                                                                 \
        if (!mk__vec_need(name##_len(v), n, &need)) return false;                                    \
        return need <= name##_cap(v) || name##__grow(v, need, 0);                                    \
    }                                                                                                \
    MK_GENERATED bool name##_reserve_exact(name *v, size_t n) {                                      \
        size_t need;                                                                                 \
        if (!mk__vec_need(name##_len(v), n, &need)) return false;                                    \
        return need <= name##_cap(v) || name##__grow(v, need, MK__VEC_EXACT);                        \
    }                                                                                                \
    MK_GENERATED bool name##_with_capacity(name *v, size_t n, const mk_allocator *a) {               \
        name##_init(v, a);                                                                           \
        return n <= (N) || name##__grow(v, n, MK__VEC_EXACT);                                        \
    }                                                                                                \
    MK_GENERATED bool name##_push(name *v, T x) {                                                    \
        size_t t = v->tag;                                                                           \
        if (MK_LIKELY(t < (N))) {                                                                    \
            v->u.inl[t] = x;                                                                         \
            v->tag = t + 1;                                                                          \
            return true;                                                                             \
        }                                                                                            \
        if (t > (N) && MK_LIKELY(v->u.heap.len < t)) {                                               \
            v->u.heap.ptr[v->u.heap.len++] = x;                                                      \
            return true;                                                                             \
        }                                                                                            \
        if (!name##__grow(v, name##_len(v) + 1, 0)) return false;                                    \
        v->u.heap.ptr[v->u.heap.len++] = x;                                                          \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_extend(name *v, T const *src, size_t n) {                               \
        if (!name##_reserve(v, n)) return false;                                                     \
        size_t len = name##_len(v);                                                                  \
        if (n) memcpy(name##_data(v) + len, src, n * sizeof(T));                                     \
        name##__set_len(v, len + n);                                                                 \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_insert(name *v, size_t i, T x) {                                        \
        if (i > name##_len(v) || !name##_reserve(v, 1)) return false;                                \
        /* Re-read after the reserve, per storage, so the compiler sees inline lengths below N. */   \
        if (v->tag > (N)) {                                                                          \
            T *d = v->u.heap.ptr;                                                                    \
            memmove(d + i + 1, d + i, (v->u.heap.len - i) * sizeof(T));                              \
            d[i] = x;                                                                                \
            v->u.heap.len++;                                                                         \
        } else {                                                                                     \
            size_t len = v->tag;                                                                     \
            if (len >= (N) || i > len) return false; /* cannot happen after the reserve */           \
            memmove(v->u.inl + i + 1, v->u.inl + i, (len - i) * sizeof(T));                          \
            v->u.inl[i] = x;                                                                         \
            v->tag = len + 1;                                                                        \
        }                                                                                            \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_remove(name *v, size_t i, T *out) {                                     \
        size_t len = name##_len(v);                                                                  \
        if (i >= len) return false;                                                                  \
        T *d = name##_data(v);                                                                       \
        if (out) *out = d[i];                                                                        \
        memmove(d + i, d + i + 1, (len - i - 1) * sizeof(T));                                        \
        name##__set_len(v, len - 1);                                                                 \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_swap_remove(name *v, size_t i, T *out) {                                \
        size_t len = name##_len(v);                                                                  \
        if (i >= len) return false;                                                                  \
        T *d = name##_data(v);                                                                       \
        if (out) *out = d[i];                                                                        \
        d[i] = d[len - 1];                                                                           \
        name##__set_len(v, len - 1);                                                                 \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_pop(name *v, T *out) {                                                  \
        size_t len = name##_len(v);                                                                  \
        if (len == 0) return false;                                                                  \
        if (out) *out = name##_data(v)[len - 1];                                                     \
        name##__set_len(v, len - 1);                                                                 \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED void name##_truncate(name *v, size_t n) {                                           \
        if (n < name##_len(v)) name##__set_len(v, n);                                                \
    }                                                                                                \
    MK_GENERATED void name##_clear(name *v) { name##__set_len(v, 0); }                               \
    MK_GENERATED void name##_free(name *v) {                                                         \
        if (v->tag > (N)) mk__vec_release(v->alloc, v->u.heap.ptr, v->tag * sizeof(T), MK__VEC_ALIGNOF(T));   \
        v->tag = 0;                                                                                  \
    }                                                                                                \
    MK_GENERATED bool name##_shrink_to_fit(name *v) {                                                \
        if (v->tag <= (N)) return true;                                                              \
        T *p = v->u.heap.ptr;                                                                        \
        size_t len = v->u.heap.len, cap = v->tag;                                                    \
        if (len <= (N)) {                                                                            \
            if (len) memcpy(v->u.inl, p, len * sizeof(T));                                           \
            mk_free(v->alloc, p, cap * sizeof(T), MK__VEC_ALIGNOF(T));                               \
            v->tag = len;                                                                            \
            return true;                                                                             \
        }                                                                                            \
        if (cap == len) return true;                                                                 \
        v->u.heap.ptr = (T *)mk__vec_shrink(p, len, &cap, sizeof(T), MK__VEC_ALIGNOF(T), v->alloc);  \
        v->tag = cap;                                                                                \
        return cap == len;                                                                           \
    }                                                                                                \
    MK_GENERATED T *name##_at(name *v, size_t i) {                                                   \
        assert(i < name##_len(v) && "index out of bounds");                                          \
        return name##_data(v) + i;                                                                   \
    }                                                                                                \
    MK_GENERATED T *name##_last(name *v) {                                                           \
        size_t len = name##_len(v);                                                                  \
        return len ? name##_data(v) + len - 1 : (T *)NULL;                                           \
    }

/* MK_ARRAYVEC_DEFINE(name, T, N): at most N elements (1 <= N <= UINT32_MAX) inside the struct,
 * { uint32_t len; T data[N]; }; never allocates. The operations of MK_VEC_DEFINE that make sense
 * without an allocator, with the same contracts:
 *   void name_init(v); bool name_push(v, x) (false and nothing written when full); extend (all n or
 *   nothing); insert; remove; swap_remove; pop; truncate; clear; at; data; last; len; cap (= N);
 *   bool name_is_full(v); size_t name_remaining(v). */
#define MK_ARRAYVEC_DEFINE(name, T, N)                                                               \
    MK__VEC_STATIC_ASSERT((N) >= 1 && (unsigned long long)(N) <= 0xFFFFFFFFull, "arrayvec needs 1 <= N < 2^32"); \
    typedef struct name {                                                                            \
        uint32_t len;                                                                                \
        T data[N];                                                                                   \
    } name;                                                                                          \
    MK_GENERATED void name##_init(name *v) { v->len = 0; }                                           \
    MK_GENERATED size_t name##_len(const name *v) { return v->len; }                                 \
    MK_GENERATED size_t name##_cap(const name *v) { (void)v; return (N); }                           \
    MK_GENERATED bool name##_is_full(const name *v) { return v->len == (N); }                        \
    MK_GENERATED size_t name##_remaining(const name *v) { return (size_t)(N) - v->len; }             \
    MK_GENERATED T *name##_data(name *v) { return v->data; }                                         \
    MK_GENERATED bool name##_push(name *v, T x) {                                                    \
        if (MK_UNLIKELY(v->len == (N))) return false;                                                \
        v->data[v->len++] = x;                                                                       \
        return true;                                                                                 \
    }                                                                                                \
    MK_GENERATED bool name##_extend(name *v, T const *src, size_t n) {                               \
        if (n > (size_t)(N) - v->len) return false;                                                  \
        if (n) memcpy(v->data + v->len, src, n * sizeof(T));                                         \
        v->len += (uint32_t)n;                                                                       \
        return true;                                                                                 \
    }                                                                                                \
    MK__SEQ_OPS(name, T, uint32_t, v->len != (N))                                                    \
    MK_GENERATED void name##_clear(name *v) { v->len = 0; }                                          \
    MK_GENERATED T *name##_at(name *v, size_t i) {                                                   \
        assert(i < v->len && "index out of bounds");                                                 \
        return v->data + i;                                                                          \
    }                                                                                                \
    MK_GENERATED T *name##_last(name *v) { return v->len ? v->data + v->len - 1 : (T *)NULL; }

MK_EXTERN_C_END

#endif
