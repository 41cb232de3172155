/* str.c - the out-of-line parts of str.h: search, trimming, splitting, mk_cow copies and mk_string's
 * heap paths.
 *
 * mk_string keeps its capacity in the last word next to the heap tag (see the layout in str.h); the
 * two helpers below are the only code that packs and unpacks that word. Every grow computes the new
 * size with checked arithmetic and commits to the string only after the allocation succeeded.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "memkit/str.h"

size_t mk_str_find(mk_str s, mk_str needle) {
    if (needle.len == 0) return 0;
    if (needle.len > s.len) return MK_NOT_FOUND;
    const char *p = memmem(s.ptr, s.len, needle.ptr, needle.len);
    return p ? (size_t)(p - s.ptr) : MK_NOT_FOUND;
}

static bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

mk_str mk_str_trim_start(mk_str s) {
    size_t i = 0;
    while (i < s.len && is_space((unsigned char)s.ptr[i])) i++;
    return mk_str_sub(s, i, s.len);
}

mk_str mk_str_trim_end(mk_str s) {
    size_t n = s.len;
    while (n > 0 && is_space((unsigned char)s.ptr[n - 1])) n--;
    return mk_str_sub(s, 0, n);
}

bool mk_str_split_next(mk_str_split *it, mk_str *out) {
    if (it->done) return false;
    size_t i = it->sep.len ? mk_str_find(it->rest, it->sep) : MK_NOT_FOUND;
    if (i == MK_NOT_FOUND) {
        *out = it->rest;
        it->done = true;
        return true;
    }
    *out = mk_str_sub(it->rest, 0, i);
    it->rest = mk_str_sub(it->rest, i + it->sep.len, it->rest.len);
    return true;
}

uint64_t mk_str_hash(mk_str s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- mk_cow ---- */

bool mk_cow_to_owned(mk_cow *c, const mk_allocator *a) {
    size_t size;
    if (c->cap) return true;
    if (!mk_add_size(c->len, 1, &size)) return false;
    char *p = mk_alloc(a, size, 1);
    if (!p) return false;
    if (c->len) memcpy(p, c->ptr, c->len);
    p[c->len] = 0;
    c->ptr = p;
    c->cap = size;
    c->alloc = a;
    return true;
}

char *mk_cow_to_mut(mk_cow *c, const mk_allocator *a) {
    return mk_cow_to_owned(c, a) ? (char *)c->ptr : NULL;
}

void mk_cow_free(mk_cow *c) {
    if (c->cap) mk_free(c->alloc, (void *)c->ptr, c->cap, 1);
    *c = mk_cow_borrowed(mk_str_from_len(NULL, 0));
}

/* ---- mk_string heap paths ---- */

/* The largest heap capacity: what the tag word holds, and one less than SIZE_MAX so that the
 * buffer's cap + 1 bytes never wrap (which matters where size_t is 32 bits). */
static size_t cap_limit(void) {
    return (uint64_t)SIZE_MAX - 1 < MK__STRING_CAP_MAX ? SIZE_MAX - 1 : (size_t)MK__STRING_CAP_MAX;
}

/* size (>= 1) bytes for a string buffer: malloc directly for the heap, skipping two calls. */
static void *buf_alloc(const mk_allocator *a, size_t size) { return a ? mk_alloc(a, size, 1) : malloc(size); }

static void set_heap(mk_string *s, char *p, size_t len, size_t cap) {
    uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = (uint64_t)cap << 8 | MK__STRING_HEAP_TAG;
#else
    w = (uint64_t)cap | (uint64_t)MK__STRING_HEAP_TAG << 56;
#endif
    memcpy(s->b + 16, &w, 8);
    s->h.ptr = p;
    s->h.len = len;
}

bool mk__string_from_heap(mk_string *s, const char *p, size_t n, const mk_allocator *a) {
    char *d = n <= cap_limit() ? buf_alloc(a, n + 1) : NULL;
    if (!d) {
        mk_string_init(s);
        return false;
    }
    memcpy(d, p, n);
    d[n] = 0;
    set_heap(s, d, n, n);
    return true;
}

bool mk__string_grow(mk_string *s, size_t need, const mk_allocator *a) {
    size_t cap = mk_string_cap(s), len = mk_string_len(s);
    if (need <= cap) return true;
    if (need > cap_limit()) return false;
    /* Double (from 23 when inline), capped at the largest capacity there can be. */
    size_t new_cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
    if (new_cap > cap_limit()) new_cap = cap_limit();
    if (new_cap < need) new_cap = need;
    char *d;
    if (mk_string_is_heap(s)) {
        d = mk_resize(a, s->h.ptr, cap + 1, new_cap + 1, 1);
        if (!d) return false;
    } else {
        d = buf_alloc(a, new_cap + 1);
        if (!d) return false;
        memcpy(d, s->b, len + 1); /* the NUL comes along */
    }
    set_heap(s, d, len, new_cap);
    return true;
}

bool mk_string_append(mk_string *s, const char *p, size_t n, const mk_allocator *a) {
    size_t len = mk_string_len(s), need;
    if (!mk_add_size(len, n, &need)) return false;
    if (need > mk_string_cap(s)) {
        /* p may point into s's own bytes, which the grow moves: follow them by offset. */
        const char *d = mk_string_data(s);
        uintptr_t up = (uintptr_t)p, ud = (uintptr_t)d;
        bool self = n && up >= ud && up - ud <= mk_string_cap(s);
        size_t off = self ? (size_t)(p - d) : 0;
        if (!mk__string_grow(s, need, a)) return false;
        if (self) p = mk_string_data(s) + off;
    }
    if (mk_string_is_heap(s)) {
        if (n) memmove(s->h.ptr + len, p, n);
        s->h.ptr[need] = 0;
        s->h.len = need;
    } else {
        if (n) memmove(s->b + len, p, n);
        s->b[need] = 0;
        s->b[23] = (unsigned char)(MK_STRING_INLINE_CAP - need);
    }
    return true;
}

void mk__string_free_heap(mk_string *s, const mk_allocator *a) {
    mk_free(a, s->h.ptr, mk_string_cap(s) + 1, 1);
}
