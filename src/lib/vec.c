/* vec.c - the slow paths of every vector vec.h generates: growth, spill and shrink.
 *
 * One function serves every element type, so the overflow checks and the growth policy live in one
 * place. Growth goes through mk_resize, which is what lets a vector in an arena extend in place
 * while it is the newest allocation; a smallvec's first spill copies out of its inline storage
 * instead. Nothing here touches the vector on failure: the caller commits the new pointer and
 * capacity only when we return non-NULL.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/vec.h"

/* The smallest capacity worth allocating: tiny vectors are common, and a first grow to 1 element
 * followed by 2 and 4 would be three allocations where one does. */
static size_t min_cap(size_t elem_size) {
    if (elem_size == 1) return 8;
    if (elem_size <= 1024) return 4;
    return 1;
}

void *mk__vec_grow(void *data, size_t len, size_t *cap, size_t need, size_t elem_size, size_t align,
                   const mk_allocator *a, unsigned flags) {
    size_t old_cap = *cap, new_cap = need, old_bytes, new_bytes;
    if (need <= old_cap) return data; /* callers check first; harmless if they do not */
    if (!(flags & MK__VEC_EXACT)) {
        /* Double, but never below the minimum; when doubling overflows fall back to exactly `need`
         * (the product check below then decides whether even that fits). */
        size_t doubled = old_cap <= SIZE_MAX / 2 ? old_cap * 2 : SIZE_MAX;
        if (doubled > new_cap) new_cap = doubled;
        if (min_cap(elem_size) > new_cap) new_cap = min_cap(elem_size);
        if (!mk_mul_size(new_cap, elem_size, &new_bytes)) new_cap = need;
    }
    if (!mk_mul_size(new_cap, elem_size, &new_bytes) || new_bytes > (size_t)PTRDIFF_MAX) return NULL;
    void *p;
    if (!a && align <= alignof(max_align_t)) { /* the heap, without two layers of calls */
        if ((flags & MK__VEC_INLINE) || data == NULL) {
            p = malloc(new_bytes);
            if (p && len) memcpy(p, data, len * elem_size);
        } else {
            p = realloc(data, new_bytes);
        }
    } else if ((flags & MK__VEC_INLINE) || data == NULL) {
        p = mk_alloc(a, new_bytes, align);
        if (p && len) memcpy(p, data, len * elem_size);
    } else {
        old_bytes = old_cap * elem_size; /* it was allocated, so it does not overflow */
        p = mk_resize(a, data, old_bytes, new_bytes, align);
    }
    if (!p) return NULL;
    *cap = new_cap;
    return p;
}

void *mk__vec_shrink(void *data, size_t len, size_t *cap, size_t elem_size, size_t align, const mk_allocator *a) {
    if (!data || len >= *cap) return data;
    if (len == 0) {
        mk_free(a, data, *cap * elem_size, align);
        *cap = 0;
        return NULL;
    }
    void *p = mk_resize(a, data, *cap * elem_size, len * elem_size, align);
    if (!p) return data;
    *cap = len;
    return p;
}
