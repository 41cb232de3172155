/* fuzz_vec.c - random operation sequences on vec, smallvec and arrayvec against a plain array model.
 *
 * Each input byte pair is an operation and an argument. The allocator fails when the input says so,
 * and every failed grow must leave the container equal to the model (which is then not changed).
 * After every operation the three containers must hold exactly the model's elements.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/vec.h"

MK_VEC_DEFINE(fv, uint16_t)
MK_SMALLVEC_DEFINE(fsv, uint16_t, 5)
MK_ARRAYVEC_DEFINE(fav, uint16_t, 12)

#define MAXN 4096
static uint16_t model[MAXN];
static size_t mlen;
static int fail_next;

static void *f_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (fail_next) return NULL;
    return mk_alloc(NULL, size, align);
}
static void *f_resize(void *ctx, void *p, size_t o, size_t n, size_t align) {
    (void)ctx;
    if (fail_next) return NULL;
    return mk_resize(NULL, p, o, n, align);
}
static void f_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx;
    mk_free(NULL, p, size, align);
}

static void check(fv *v, fsv *s, fav *a) {
    if (fv_len(v) != mlen || fsv_len(s) != mlen) abort();
    if (fv_cap(v) < mlen || fsv_cap(s) < mlen) abort();
    if (fsv_spilled(s) != (fsv_cap(s) > 5)) abort();
    if (mlen && (memcmp(fv_data(v), model, mlen * 2) || memcmp(fsv_data(s), model, mlen * 2))) abort();
    size_t alen = mlen < 12 ? mlen : 12;
    if (fav_len(a) != alen || (alen && memcmp(fav_data(a), model, alen * 2))) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mk_allocator al = {f_alloc, f_resize, f_free, NULL};
    fv v;
    fsv s;
    fav a;
    fv_init(&v, &al);
    fsv_init(&s, &al);
    fav_init(&a);
    mlen = 0;
    for (size_t k = 0; k + 1 < size; k += 2) {
        unsigned op = data[k] & 15, arg = data[k + 1];
        fail_next = (data[k] >> 4) == 15; /* about one op in 16 runs with a failing allocator */
        uint16_t x = (uint16_t)(arg * 257 + k);
        bool ok1, ok2, ok3;
        switch (op) {
        case 0: case 1: case 2: /* push (most common) */
            if (mlen == MAXN) break;
            ok1 = fv_push(&v, x), ok2 = fsv_push(&s, x), ok3 = fav_push(&a, x);
            if (ok3 != (mlen < 12)) abort();
            if ((!ok1 || !ok2) && !fail_next) abort();
            if (ok1 && ok2) model[mlen++] = x;
            else { /* one failed (and must be unchanged, which check() sees): undo the others */
                if (ok1) fv_pop(&v, NULL);
                if (ok2) fsv_pop(&s, NULL);
                if (ok3) fav_pop(&a, NULL);
            }
            break;
        case 3: { /* insert at arg % (len + 2): one past the end must fail */
            size_t i = arg % (mlen + 2);
            if (mlen == MAXN) break;
            ok1 = fv_insert(&v, i, x), ok2 = fsv_insert(&s, i, x);
            ok3 = fav_insert(&a, i, x);
            if (ok3 != (i <= mlen && mlen < 12)) abort();
            if (i > mlen && (ok1 || ok2)) abort();
            if (i <= mlen && (!ok1 || !ok2) && !fail_next) abort();
            if (ok1 && ok2) {
                memmove(model + i + 1, model + i, (mlen - i) * 2);
                model[i] = x;
                mlen++;
            } else {
                if (ok1) fv_remove(&v, i, NULL);
                if (ok2) fsv_remove(&s, i, NULL);
            }
            fav_clear(&a); /* the arrayvec may now differ (full, or the others failed): resync */
            if (!fav_extend(&a, model, mlen < 12 ? mlen : 12)) abort();
            break;
        }
        case 4: { /* remove */
            size_t i = arg % (mlen + 1);
            uint16_t y1 = 0, y2 = 0;
            ok1 = fv_remove(&v, i, &y1), ok2 = fsv_remove(&s, i, &y2);
            if (ok1 != (i < mlen) || ok2 != ok1 || y1 != y2) abort();
            if (ok1) {
                if (y1 != model[i]) abort();
                memmove(model + i, model + i + 1, (mlen - i - 1) * 2);
                mlen--;
                fav_clear(&a);
                if (!fav_extend(&a, model, mlen < 12 ? mlen : 12)) abort();
            }
            break;
        }
        case 5: { /* swap_remove */
            size_t i = arg % (mlen + 1);
            uint16_t y1 = 0, y2 = 0;
            ok1 = fv_swap_remove(&v, i, &y1), ok2 = fsv_swap_remove(&s, i, &y2);
            if (ok1 != (i < mlen) || ok2 != ok1 || y1 != y2) abort();
            if (ok1) {
                model[i] = model[mlen - 1];
                mlen--;
                fav_clear(&a);
                if (!fav_extend(&a, model, mlen < 12 ? mlen : 12)) abort();
            }
            break;
        }
        case 6: { /* pop */
            uint16_t y1 = 0, y2 = 0, y3 = 0;
            ok1 = fv_pop(&v, &y1), ok2 = fsv_pop(&s, &y2);
            if (ok1 != (mlen > 0) || ok2 != ok1 || y1 != y2) abort();
            if (ok1) {
                if (y1 != model[--mlen]) abort();
                if (mlen < 12) { if (!fav_pop(&a, &y3) || y3 != y1) abort(); }
            }
            break;
        }
        case 7: /* truncate */
            fv_truncate(&v, arg), fsv_truncate(&s, arg), fav_truncate(&a, arg);
            if (arg < mlen) mlen = arg;
            break;
        case 8: /* clear, sometimes */
            if (arg < 32) fv_clear(&v), fsv_clear(&s), fav_clear(&a), mlen = 0;
            break;
        case 9: /* shrink_to_fit */
            fv_shrink_to_fit(&v), fsv_shrink_to_fit(&s);
            if (!fail_next && (fv_cap(&v) != mlen || fsv_cap(&s) != (mlen > 5 ? mlen : 5))) abort();
            break;
        case 10: case 11: { /* reserve / reserve_exact, occasionally absurd */
            size_t n = arg == 255 ? SIZE_MAX - arg : arg;
            size_t c1 = fv_cap(&v), c2 = fsv_cap(&s);
            ok1 = op == 10 ? fv_reserve(&v, n) : fv_reserve_exact(&v, n);
            ok2 = op == 10 ? fsv_reserve(&s, n) : fsv_reserve_exact(&s, n);
            if (ok1 && fv_cap(&v) < mlen + n) abort();
            if (ok2 && fsv_cap(&s) < mlen + n) abort();
            if (!ok1 && fv_cap(&v) != c1) abort();
            if (!ok2 && fsv_cap(&s) != c2) abort();
            if (arg != 255 && !fail_next && !(ok1 && ok2)) abort();
            break;
        }
        case 12: { /* extend with arg % 16 elements */
            uint16_t src[16];
            size_t n = arg % 16;
            if (mlen + n > MAXN) break;
            for (size_t j = 0; j < n; j++) src[j] = (uint16_t)(x + j);
            ok1 = fv_extend(&v, src, n), ok2 = fsv_extend(&s, src, n);
            if ((!ok1 || !ok2) && !fail_next) abort();
            if (ok1 && ok2) {
                memcpy(model + mlen, src, n * 2);
                mlen += n;
                fav_clear(&a);
                if (!fav_extend(&a, model, mlen < 12 ? mlen : 12)) abort();
            } else {
                fv_truncate(&v, mlen);
                fsv_truncate(&s, mlen);
            }
            break;
        }
        default: /* read through at/last */
            if (mlen) {
                size_t i = arg % mlen;
                if (*fv_at(&v, i) != model[i] || *fsv_at(&s, i) != model[i]) abort();
                if (*fv_last(&v) != model[mlen - 1] || *fsv_last(&s) != model[mlen - 1]) abort();
            } else if (fv_last(&v) || fsv_last(&s) || fav_last(&a)) abort();
            break;
        }
        fail_next = 0;
        check(&v, &s, &a);
    }
    fv_free(&v);
    fsv_free(&s);
    return 0;
}
