/* fuzz_bytes.c - mk_bytes_mut operation sequences checked against a plain-array model.
 *
 * Each input byte pair picks an operation and an argument, applied to a small set of mutable buffers
 * and frozen views; after every step each buffer's bytes must equal its model. Splits, freezes,
 * clones and unsplits must never copy (checked by pointer), and everything is dropped at the end so
 * ASan's leak check sees every reference counted correctly.
 */
#include <stdlib.h>
#include <string.h>

#include "memkit/bytes.h"

enum { NB = 4, NV = 4, MAXLEN = 8192 };

struct model {
    unsigned char *d;
    size_t len;
};

/* p + n where p may be an empty model's or view's NULL (then n is 0, and NULL + 0 is undefined). */
static const unsigned char *at_(const unsigned char *p, size_t n) { return n ? p + n : p; }

static void mset(struct model *m, const unsigned char *p, size_t n) {
    m->d = realloc(m->d, n ? n : 1);
    if (n) memcpy(m->d, p, n);
    m->len = n;
}

static void mappend(struct model *m, const unsigned char *p, size_t n) {
    m->d = realloc(m->d, m->len + n + 1);
    if (n) memcpy(m->d + m->len, p, n);
    m->len += n;
}

#define ASSERT(c) \
    do {          \
        if (!(c)) abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    mk_bytes_mut b[NB];
    struct model mb[NB] = {{0}};
    mk_bytes v[NV];
    struct model mv[NV] = {{0}};
    for (int i = 0; i < NB; i++) b[i] = mk_bytes_mut_empty(NULL);
    for (int i = 0; i < NV; i++) v[i] = mk_bytes_empty();
    unsigned char fill[256];
    for (size_t i = 0; i + 1 < size; i += 2) {
        unsigned op = data[i] % 13, x = data[i] / 13 % NB, y = (data[i] / 52) % NB, arg = data[i + 1];
        mk_bytes_mut *m = &b[x];
        struct model *mm = &mb[x];
        unsigned vi = arg % NV;
        switch (op) {
        case 0: case 1: { /* put */
            for (unsigned k = 0; k < arg; k++) fill[k] = (unsigned char)(arg + k + i);
            if (mm->len + arg > MAXLEN) break;
            if (mk_bytes_mut_put(m, fill, arg) == MK_OK) mappend(mm, fill, arg);
            break;
        }
        case 2: { /* reserve */
            size_t cap = m->cap;
            if (mk_bytes_mut_reserve(m, arg * 4) == MK_OK) ASSERT(m->cap - m->len >= arg * 4u);
            else ASSERT(m->cap == cap);
            break;
        }
        case 3: { /* split_to into b[y] */
            if (x == y) break;
            size_t at = arg % (mm->len + 1);
            const unsigned char *p = m->ptr;
            mk_bytes_mut_drop(&b[y]);
            b[y] = mk_bytes_mut_split_to(m, at);
            ASSERT(b[y].ptr == p && b[y].len == at);
            mset(&mb[y], mm->d, at);
            if (mm->len > at) memmove(mm->d, mm->d + at, mm->len - at);
            mm->len -= at;
            break;
        }
        case 4: { /* split_off into b[y] */
            if (x == y) break;
            size_t at = arg % (mm->len + 1);
            mk_bytes_mut_drop(&b[y]);
            b[y] = mk_bytes_mut_split_off(m, at);
            ASSERT(b[y].len == mm->len - at);
            mset(&mb[y], at_(mm->d, at), mm->len - at);
            mm->len = at;
            break;
        }
        case 5: { /* try_unsplit b[y] onto b[x] */
            if (x == y) break;
            const unsigned char *p = m->ptr;
            size_t len = m->len, ylen = b[y].len;
            if (mk_bytes_mut_try_unsplit(m, &b[y])) {
                ASSERT(m->len == len + ylen);
                ASSERT(len == 0 || p == m->ptr); /* joined in place, never copied */
                mappend(mm, mb[y].d, mb[y].len);
                mb[y].len = 0;
            } else {
                ASSERT(b[y].len == ylen && m->len == len);
            }
            break;
        }
        case 6: { /* unsplit (copying when needed) */
            if (x == y) break;
            if (mm->len + mb[y].len > MAXLEN) break;
            if (mk_bytes_mut_unsplit(m, &b[y]) == MK_OK) {
                mappend(mm, mb[y].d, mb[y].len);
                mb[y].len = 0;
            }
            break;
        }
        case 7: { /* freeze into a view */
            const unsigned char *p = m->ptr;
            mk_bytes_drop(&v[vi]);
            v[vi] = mk_bytes_mut_freeze(m);
            ASSERT(v[vi].ptr == p);
            mset(&mv[vi], mm->d, mm->len);
            mm->len = 0;
            break;
        }
        case 8: { /* try_into_mut a view */
            mk_bytes_mut out;
            bool unique = mk_bytes_is_unique(&v[vi]);
            const unsigned char *p = v[vi].ptr;
            if (mk_bytes_try_into_mut(&v[vi], &out)) {
                ASSERT(unique || mv[vi].len == 0);
                ASSERT(out.ptr == p || mv[vi].len == 0);
                mk_bytes_mut_drop(m);
                *m = out;
                mset(mm, mv[vi].d, mv[vi].len);
                mv[vi].len = 0;
            }
            break;
        }
        case 9: { /* clone / slice a view into another */
            unsigned w = (vi + 1 + arg / NV) % NV;
            if (w == vi) break;
            mk_bytes nv = arg & 32 ? mk_bytes_clone(&v[vi]) : mk_bytes_slice(&v[vi], arg % 7, arg % 7 + arg);
            size_t from = arg & 32 ? 0 : (arg % 7 < mv[vi].len ? arg % 7 : mv[vi].len);
            ASSERT(nv.len == 0 || nv.ptr == at_(v[vi].ptr, from));
            struct model t = {0};
            mset(&t, at_(mv[vi].d, from), nv.len);
            mk_bytes_drop(&v[w]);
            free(mv[w].d);
            v[w] = nv;
            mv[w] = t;
            break;
        }
        case 10: { /* view split_to / split_off, keeping one half */
            size_t at = arg % (mv[vi].len + 1);
            mk_bytes h = arg & 1 ? mk_bytes_split_to(&v[vi], at) : mk_bytes_split_off(&v[vi], at);
            if (arg & 1) {
                if (mv[vi].len > at) memmove(mv[vi].d, mv[vi].d + at, mv[vi].len - at);
                mv[vi].len -= at;
            } else {
                mv[vi].len = at;
            }
            mk_bytes_drop(&h);
            break;
        }
        case 11: /* truncate / clear */
            if (arg & 1) {
                mk_bytes_mut_truncate(m, arg);
                if (arg < mm->len) mm->len = arg;
            } else {
                mk_bytes_mut_clear(m);
                mm->len = 0;
            }
            break;
        case 12: /* drop */
            mk_bytes_mut_drop(m);
            mm->len = 0;
            break;
        }
        for (int k = 0; k < NB; k++) {
            ASSERT(b[k].len == mb[k].len && b[k].len <= b[k].cap);
            ASSERT(b[k].len == 0 || memcmp(b[k].ptr, mb[k].d, b[k].len) == 0);
        }
        for (int k = 0; k < NV; k++) {
            ASSERT(v[k].len == mv[k].len);
            ASSERT(v[k].len == 0 || memcmp(v[k].ptr, mv[k].d, v[k].len) == 0);
        }
    }
    for (int i = 0; i < NB; i++) mk_bytes_mut_drop(&b[i]), free(mb[i].d);
    for (int i = 0; i < NV; i++) mk_bytes_drop(&v[i]), free(mv[i].d);
    return 0;
}
