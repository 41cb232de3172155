/* fuzz_str.c - random operation sequences on mk_string against a plain byte-buffer model, with
 * allocation failures on demand (a failed operation must leave the string unchanged), appends that
 * read the string itself, and the inline/heap invariants checked after every step. Also splits the
 * input with mk_str_split and checks the pieces join back to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/str.h"

#define MAXN 8192
static char model[MAXN];
static size_t mlen;
static int fail_next;
static size_t live;

static void *f_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (fail_next) return NULL;
    void *p = mk_alloc(NULL, size, align);
    if (p) live += size;
    return p;
}
static void *f_resize(void *ctx, void *p, size_t o, size_t n, size_t align) {
    (void)ctx;
    if (fail_next) return NULL;
    void *q = mk_resize(NULL, p, o, n, align);
    if (q) live += n - o;
    return q;
}
static void f_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx;
    live -= size;
    mk_free(NULL, p, size, align);
}

static void check(const mk_string *s) {
    if (mk_string_len(s) != mlen) abort();
    if (mlen && memcmp(mk_string_data(s), model, mlen)) abort();
    if (mk_string_data(s)[mlen] != 0) abort();
    if (mk_string_cap(s) < mlen) abort();
    if (!mk_string_is_heap(s) && (s->b[23] != 23 - mlen || mk_string_data(s) != (const char *)s->b)) abort();
    if (mlen > 23 && !mk_string_is_heap(s)) abort();
    mk_str m = mk_str_from_len(model, mlen);
    if (!mk_str_eq(mk_string_str(s), m) || mk_str_cmp(mk_string_str(s), m) != 0) abort();
    if (mk_string_hash(s) != mk_str_hash(m)) abort();
}

static void split_roundtrip(const uint8_t *data, size_t size) {
    if (size < 1) return;
    size_t seplen = data[0] % 3; /* 0 (whole input), 1 or 2 bytes */
    if (seplen + 1 > size) return;
    mk_str sep = mk_str_from_len((const char *)data + 1, seplen);
    mk_str in = mk_str_from_len((const char *)data + 1 + seplen, size - 1 - seplen);
    mk_str_split it = mk_str_split_init(in, sep);
    mk_str part;
    size_t pos = 0, pieces = 0;
    while (mk_str_split_next(&it, &part)) {
        if (pieces++ && !mk_str_eq(mk_str_sub(in, pos, pos + seplen), sep)) abort();
        if (pieces > 1) pos += seplen;
        if (part.ptr != in.ptr + pos && part.len) abort();
        if (!mk_str_eq(part, mk_str_sub(in, pos, pos + part.len))) abort();
        if (seplen && mk_str_find(part, sep) != MK_NOT_FOUND) abort();
        pos += part.len;
    }
    if (pos != in.len || pieces == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mk_allocator al = {f_alloc, f_resize, f_free, NULL};
    mk_string s;
    mk_string_init(&s);
    mlen = 0;
    live = 0;
    split_roundtrip(data, size);
    for (size_t k = 0; k + 1 < size; k += 2) {
        unsigned op = data[k] & 7, arg = data[k + 1];
        fail_next = (data[k] >> 3) == 31;
        bool ok;
        switch (op) {
        case 0: case 1: /* push */
            if (mlen == MAXN) break;
            ok = mk_string_push(&s, (char)arg, &al);
            if (!ok && !fail_next) abort();
            if (ok) model[mlen++] = (char)arg;
            break;
        case 2: { /* append arg % 48 bytes from the input */
            size_t n = arg % 48;
            if (n > size - k || mlen + n > MAXN) break;
            ok = mk_string_append(&s, (const char *)data + k, n, &al);
            if (!ok && !fail_next) abort();
            if (ok) memcpy(model + mlen, data + k, n), mlen += n;
            break;
        }
        case 3: { /* append a piece of itself */
            if (!mlen || 2 * mlen > MAXN) break;
            size_t off = arg % mlen, n = mlen - off;
            ok = mk_string_append(&s, mk_string_data(&s) + off, n, &al);
            if (!ok && !fail_next) abort();
            if (ok) memmove(model + mlen, model + off, n), mlen += n;
            break;
        }
        case 4: /* from_len: replace */
            if (arg < 200) break;
            mk_string_free(&s, &al);
            mlen = 0;
            {
                size_t n = (arg - 200) % 50;
                if (n > size - k) n = size - k;
                ok = mk_string_from_len(&s, (const char *)data + k, n, &al);
                if (!ok && (!fail_next || n <= 23)) abort();
                if (ok) memcpy(model, data + k, n), mlen = n;
            }
            break;
        case 5: { /* reserve, sometimes absurdly */
            size_t n = arg == 255 ? SIZE_MAX - 3 : arg, cap = mk_string_cap(&s);
            ok = mk_string_reserve(&s, n, &al);
            if (ok && mk_string_cap(&s) < mlen + n) abort();
            if (!ok && (mk_string_cap(&s) != cap || (arg != 255 && !fail_next))) abort();
            break;
        }
        case 6: /* clear, sometimes */
            if (arg < 40) mk_string_clear(&s), mlen = 0;
            break;
        default: /* free, rarely */
            if (arg < 8) mk_string_free(&s, &al), mlen = 0;
            break;
        }
        fail_next = 0;
        check(&s);
    }
    mk_string_free(&s, &al);
    if (live != 0) abort();
    return 0;
}
