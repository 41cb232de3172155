/* search.c - mk_finder: a rare-byte SIMD prefilter in front of Two-Way.
 *
 * The prefilter compares, for W positions at once, the haystack byte at the needle's rarest byte
 * offset and the one at its second rarest; each surviving position is verified, and the bytes that
 * verification may have compared are charged. While the charges stay within a constant times the
 * bytes scanned, the prefilter runs at memory speed; once they do not (periodic needles against
 * periodic haystacks), the rest of the haystack goes to Two-Way, which is linear in the worst case.
 * Either way a call is O(n + m), with no allocation and no state outside the finder.
 */
#define _GNU_SOURCE /* memrchr */
#include <string.h>

#include "memkit/search.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define MK_SEARCH_X86 1
#include <immintrin.h>
#else
#define MK_SEARCH_X86 0
#endif

/* ---- rare bytes ---------------------------------------------------------------------------- */

/* How common a byte is in the data people search (text, source, logs, some binary): a rough
 * heuristic, higher is more common. Only the order matters: it picks which needle bytes the
 * prefilter compares, so a poor guess costs speed, never correctness. */
static unsigned byte_commonness(unsigned char c) {
    static const char letters[] = "etaoinsrhldcumfpgwybvkxjqz"; /* English letter order */
    if (c == ' ') return 255;
    if (c >= 'a' && c <= 'z') return 250 - 3 * (unsigned)(strchr(letters, c) - letters);
    if (c == '\n') return 200;
    if (c == 'E' || c == 'T' || c == 'S' || c == 'A') return 150;
    if (c >= 'A' && c <= 'Z') return 120;
    if (c >= '0' && c <= '9') return 140;
    if (c == 0) return 160; /* binary files are full of zeros */
    if (c == '\t' || c == ',' || c == '.' || c == '_' || c == '/' || c == '-' || c == ':' || c == '='
        || c == '(' || c == ')' || c == '"' || c == ';' || c == '\'' || c == '\r')
        return 110;
    if (c < 0x20 || c == 0xff) return 60;
    if (c >= 0x80) return 40;
    return 80; /* the rest of punctuation */
}

/* Orders candidate filter positions: a byte value not already chosen beats a repeated one (equal
 * bytes filter less), then the rarer byte wins. */
static bool better_filter(const unsigned char *x, size_t i, size_t cur, const size_t *chosen, int nchosen) {
    bool new_i = true, new_cur = true;
    for (int k = 0; k < nchosen; k++) {
        new_i &= x[i] != x[chosen[k]];
        new_cur &= x[cur] != x[chosen[k]];
    }
    if (new_i != new_cur) return new_i;
    return byte_commonness(x[i]) < byte_commonness(x[cur]);
}

/* Chooses the three needle positions the prefilter compares (repeating one when m < 3). */
static void pick_rare_bytes(mk_finder *f) {
    const unsigned char *x = f->needle_;
    size_t m = f->len_, pick[3];
    int got = 0;
    for (; got < 3 && (size_t)got < m; got++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < m; i++) {
            bool taken = false;
            for (int k = 0; k < got; k++) taken |= pick[k] == i;
            if (taken) continue;
            if (best == SIZE_MAX || better_filter(x, i, best, pick, got)) best = i;
        }
        pick[got] = best;
    }
    for (; got < 3; got++) pick[got] = pick[got - 1];
    f->i1_ = pick[0];
    f->i2_ = pick[1];
    f->i3_ = pick[2];
}

/* ---- Two-Way --------------------------------------------------------------------------------
 * Written once over an accessor so the same code searches forward (rev = 0) and on the reversed
 * needle and haystack (rev = 1, for rfind); always_inline with a constant rev gives two plain
 * loops. */

#define AT(a, len, i) (rev ? (a)[(len) - 1 - (i)] : (a)[(i)])

/* Start of the maximal suffix of x for one of the two byte orders, and its period. */
MK_INLINE size_t max_suffix(const unsigned char *x, size_t m, int rev, int flip, size_t *period) {
    ptrdiff_t ip = -1, jp = 0, k = 1, p = 1;
    while ((size_t)(jp + k) < m) {
        unsigned char a = AT(x, m, (size_t)(ip + k)), b = AT(x, m, (size_t)(jp + k));
        if (a == b) {
            if (k == p) { jp += p; k = 1; } else k++;
        } else if (flip ? a < b : a > b) {
            jp += k; k = 1; p = jp - ip;
        } else {
            ip = jp++; k = p = 1;
        }
    }
    *period = (size_t)p;
    return (size_t)(ip + 1);
}

/* The critical factorization x = u v (ell = |u|) and the shift to use after a mismatch in u. */
MK_INLINE void factorize(const unsigned char *x, size_t m, int rev, size_t *ell, size_t *per, bool *periodic) {
    size_t p1, p2;
    size_t s1 = max_suffix(x, m, rev, 0, &p1), s2 = max_suffix(x, m, rev, 1, &p2);
    size_t l = s1 > s2 ? s1 : s2, p = s1 > s2 ? p1 : p2;
    bool per_ok = l + p <= m;
    for (size_t i = 0; per_ok && i < l; i++)
        if (AT(x, m, i) != AT(x, m, i + p)) per_ok = false;
    *ell = l;
    if (per_ok) {
        *per = p;
        *periodic = true;
    } else {
        *per = (l > m - l ? l : m - l) + 1;
        *periodic = false;
    }
}

/* Two-Way from window start j: the first match at or after j (counting = 0), or the number of
 * non-overlapping matches from j on (counting = 1). With rev, positions are in the reversed
 * haystack. Requires m >= 1. */
MK_INLINE size_t two_way(const unsigned char *x, size_t m, size_t ell, size_t per, bool periodic,
                         const unsigned char *y, size_t n, size_t j, int rev, int counting) {
    size_t cnt = 0, mem = 0;
    if (n < m) return counting ? 0 : MK_NOT_FOUND;
    while (j <= n - m) {
        size_t i = ell > mem ? ell : mem;
        while (i < m && AT(x, m, i) == AT(y, n, i + j)) i++;
        if (i < m) {
            j += i - ell + 1;
            mem = 0;
            continue;
        }
        size_t k = ell;
        while (k > mem && AT(x, m, k - 1) == AT(y, n, k - 1 + j)) k--;
        if (k <= mem) {
            if (!counting) return j;
            cnt++;
            j += m;
            mem = 0;
            continue;
        }
        j += per;
        mem = periodic ? m - per : 0;
    }
    return counting ? cnt : MK_NOT_FOUND;
}

static size_t tw_find(const mk_finder *f, const unsigned char *h, size_t n, size_t j) {
    return two_way(f->needle_, f->len_, f->ell_, f->per_, f->periodic_, h, n, j, 0, 0);
}

static size_t tw_count(const mk_finder *f, const unsigned char *h, size_t n, size_t j) {
    return two_way(f->needle_, f->len_, f->ell_, f->per_, f->periodic_, h, n, j, 0, 1);
}

static size_t tw_rfind(const mk_finder *f, const unsigned char *h, size_t n) {
    size_t r = two_way(f->needle_, f->len_, f->rell_, f->rper_, f->rperiodic_, h, n, 0, 1, 0);
    return r == MK_NOT_FOUND ? r : n - r - f->len_;
}

/* ---- the prefilter ----------------------------------------------------------------------- */

/* Verifies a candidate and charges what the comparison may have cost: 16 bytes for a quick
 * rejection, m for a full comparison. */
MK_INLINE bool verify(const unsigned char *p, const unsigned char *x, size_t m, size_t *charge) {
    if (m <= 16) {
        *charge += m;
        return memcmp(p, x, m) == 0;
    }
    *charge += 16;
    if (memcmp(p, x, 16) != 0) return false;
    *charge += m - 16;
    return memcmp(p + 16, x + 16, m - 16) == 0;
}

/* True when verification has cost more than a constant times the progress: time for Two-Way. */
MK_INLINE bool over_budget(size_t charge, size_t scanned, size_t m) {
    return charge > 4 * scanned + 8 * m + 256;
}

/* The vector loop, once per instruction set. Scans window starts from `start`; in find mode
 * returns the first match, in count mode the number of non-overlapping matches. Requires
 * m >= 1 and n >= m. Loads stay inside hay: a vector at pos covers starts pos..pos+W-1, all
 * <= n - m, so its bytes at pos+i..pos+i+W-1 end before n for any needle offset i < m.
 * The main loop takes four vectors per step and tests them with one branch, which is what lets it
 * keep up with memchr; candidates are rare in text, so their handling is out of the way. */

/* Verifies the candidates of one mask (starts base + bit). Jumps to `fallback` (with pos set to
 * where Two-Way should resume) when verification has cost too much. */
#define MK_SCAN_MASK(MASK, BASE, VERIFY)                                                            \
    do {                                                                                            \
        uint32_t mask_ = (MASK);                                                                    \
        while (mask_) {                                                                             \
            size_t q = (BASE) + (size_t)__builtin_ctz(mask_);                                      \
            mask_ &= mask_ - 1;                                                                     \
            if (q < next) continue;                                                                 \
            if (VERIFY) {                                                                           \
                if (!counting) return q;                                                            \
                cnt++;                                                                              \
                next = q + m;                                                                       \
            }                                                                                       \
            if (MK_UNLIKELY(charge > 256) && over_budget(charge, q - start, m)) {                   \
                pos = q + 1;                                                                        \
                goto fallback;                                                                      \
            }                                                                                       \
        }                                                                                           \
    } while (0)

/* Verification inside the vector loops: the needle's first W bytes (in nv, hmask says which
 * lanes count) against one vector load at p, the rest (if any) with memcmp; charged like verify().
 * The caller guarantees p + W <= the haystack's end. */
#define MK_DEFINE_VERIFY_VEC(NAME, ATTR, W, VT, LOADU, CMPEQ, MOVEMASK)                             \
    ATTR static inline __attribute__((always_inline)) bool NAME(                                    \
        const unsigned char *p, const unsigned char *x, size_t m, VT nv, uint32_t hmask, size_t *charge) { \
        if (((uint32_t)MOVEMASK(CMPEQ(LOADU((const VT *)p), nv)) & hmask) != hmask) {              \
            *charge += W;                                                                           \
            return false;                                                                           \
        }                                                                                           \
        *charge += m;                                                                               \
        return m <= W || memcmp(p + W, x + W, m - W) == 0;                                          \
    }

/* Prefetching 2 KiB ahead, every line, keeps more misses in flight than the hardware prefetcher
 * alone while the core is busy with three compares per byte (measured: ~0.78-0.84 of memchr's
 * bandwidth without, ~0.87-0.93 with, on the W6 file in memory). */
#ifndef MK_PF_DIST
#define MK_PF_DIST 2048
#endif
#if MK_PF_DIST > 0
#define MK_PREFETCH(p, W)                                                                           \
    do {                                                                                            \
        /* integer arithmetic: the address may lie past the haystack, which prefetch allows */   \
        for (int pf_ = 0; pf_ < 4 * (W); pf_ += 64)                                                 \
            __builtin_prefetch((const void *)((uintptr_t)(p) + MK_PF_DIST + (uintptr_t)pf_), 0, 0);   \
    } while (0)
#else
#define MK_PREFETCH(p, W) ((void)0)
#endif

/* Lanes of the vector at pos whose starts have all three filter bytes. */
#define MK_CAND(P, VT, LOADU, CMPEQ, AND)                                                           \
    AND(AND(CMPEQ(LOADU((const VT *)(h1 + (P))), v1), CMPEQ(LOADU((const VT *)(h2 + (P))), v2)),     \
        CMPEQ(LOADU((const VT *)(h3 + (P))), v3))

#define MK_DEFINE_SCAN(NAME, ATTR, W, VT, SET1, LOADU, CMPEQ, AND, OR, MOVEMASK, VV)                \
    ATTR static size_t NAME(const mk_finder *f, const unsigned char *h, size_t n, size_t start,     \
                            int counting) {                                                         \
        const unsigned char *x = f->needle_;                                                        \
        size_t m = f->len_, last = n - m;                                                           \
        size_t pos = start, next = start, cnt = 0, charge = 0;                                      \
        const unsigned char *h1 = h + f->i1_, *h2 = h + f->i2_, *h3 = h + f->i3_;                   \
        const VT v1 = SET1((char)x[f->i1_]), v2 = SET1((char)x[f->i2_]), v3 = SET1((char)x[f->i3_]); \
        unsigned char head[W] = {0};                                                                \
        memcpy(head, x, m < W ? m : W);                                                             \
        const VT nv = LOADU((const VT *)head);                                                      \
        const uint32_t hmask = m >= W ? (uint32_t)((1ull << W) - 1) : (uint32_t)((1ull << m) - 1);   \
        /* A candidate q of the main loop has q + W <= n: its first W bytes are one vector. */    \
        while (last >= 5 * W - 1 && pos <= last - (5 * W - 1)) {                                   \
            MK_PREFETCH(h + pos, W);                                                                \
            VT a0 = MK_CAND(pos, VT, LOADU, CMPEQ, AND);                                            \
            VT a1 = MK_CAND(pos + W, VT, LOADU, CMPEQ, AND);                                        \
            VT a2 = MK_CAND(pos + 2 * W, VT, LOADU, CMPEQ, AND);                                    \
            VT a3 = MK_CAND(pos + 3 * W, VT, LOADU, CMPEQ, AND);                                    \
            if (MK_LIKELY(MOVEMASK(OR(OR(a0, a1), OR(a2, a3))) == 0)) {                             \
                pos += 4 * W;                                                                       \
                continue;                                                                           \
            }                                                                                       \
            MK_SCAN_MASK((uint32_t)MOVEMASK(a0), pos, VV(h + q, x, m, nv, hmask, &charge));         \
            MK_SCAN_MASK((uint32_t)MOVEMASK(a1), pos + W, VV(h + q, x, m, nv, hmask, &charge));     \
            MK_SCAN_MASK((uint32_t)MOVEMASK(a2), pos + 2 * W, VV(h + q, x, m, nv, hmask, &charge)); \
            MK_SCAN_MASK((uint32_t)MOVEMASK(a3), pos + 3 * W, VV(h + q, x, m, nv, hmask, &charge)); \
            pos += 4 * W;                                                                           \
            if (next > pos) pos = next;                                                             \
        }                                                                                           \
        while (last >= W - 1 && pos <= last - (W - 1)) {                                           \
            VT a = MK_CAND(pos, VT, LOADU, CMPEQ, AND);                                             \
            MK_SCAN_MASK((uint32_t)MOVEMASK(a), pos, verify(h + q, x, m, &charge));                 \
            pos += W;                                                                               \
            if (next > pos) pos = next;                                                             \
        }                                                                                           \
    fallback:                                                                                       \
        /* The tail (fewer than W starts) or an adversarial input: Two-Way from here. */            \
        if (pos < next) pos = next;                                                                 \
        if (!counting) return tw_find(f, h, n, pos);                                                \
        return cnt + (pos <= last ? tw_count(f, h, n, pos) : 0);                                    \
    }

#if MK_SEARCH_X86
MK_DEFINE_VERIFY_VEC(verify_sse2, , 16, __m128i, _mm_loadu_si128, _mm_cmpeq_epi8, _mm_movemask_epi8)
MK_DEFINE_SCAN(scan_sse2, , 16, __m128i, _mm_set1_epi8, _mm_loadu_si128, _mm_cmpeq_epi8,
               _mm_and_si128, _mm_or_si128, _mm_movemask_epi8, verify_sse2)
MK_DEFINE_VERIFY_VEC(verify_avx2, __attribute__((target("avx2"))), 32, __m256i, _mm256_loadu_si256,
                     _mm256_cmpeq_epi8, _mm256_movemask_epi8)
MK_DEFINE_SCAN(scan_avx2, __attribute__((target("avx2"))), 32, __m256i, _mm256_set1_epi8,
               _mm256_loadu_si256, _mm256_cmpeq_epi8, _mm256_and_si256, _mm256_or_si256,
               _mm256_movemask_epi8, verify_avx2)

static bool have_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
/* Other architectures: memchr finds the rarest byte, the second byte and the charge do the rest. */
static size_t scan_scalar(const mk_finder *f, const unsigned char *h, size_t n, size_t start, int counting) {
    const unsigned char *x = f->needle_;
    size_t m = f->len_, i1 = f->i1_, i2 = f->i2_, last = n - m;
    size_t pos = start, cnt = 0, charge = 0;
    while (pos <= last) {
        const unsigned char *p = memchr(h + pos + i1, x[i1], last - pos + 1);
        if (!p) break;
        size_t q = (size_t)(p - h) - i1;
        if (h[q + i2] == x[i2] && verify(h + q, x, m, &charge)) {
            if (!counting) return q;
            cnt++;
            pos = q + m;
        } else {
            pos = q + 1;
        }
        if (MK_UNLIKELY(charge > 256) && over_budget(charge, pos - start, m)) {
            if (!counting) return tw_find(f, h, n, pos);
            return cnt + (pos <= last ? tw_count(f, h, n, pos) : 0);
        }
    }
    return counting ? cnt : MK_NOT_FOUND;
}
#endif

/* find (counting = 0) or count (counting = 1) from window start `start`, for m >= 1. */
static size_t scan(const mk_finder *f, const unsigned char *h, size_t n, size_t start, int counting) {
    size_t m = f->len_;
    if (n < m || start > n - m) return counting ? 0 : MK_NOT_FOUND;
    if (m == 1 && !counting) {
        const unsigned char *p = memchr(h + start, f->needle_[0], n - start);
        return p ? (size_t)(p - h) : MK_NOT_FOUND;
    }
#if MK_SEARCH_X86
    if (have_avx2()) return scan_avx2(f, h, n, start, counting);
    return scan_sse2(f, h, n, start, counting);
#else
    return scan_scalar(f, h, n, start, counting);
#endif
}

/* For the tests only (hidden, not in the header): the same as scan() with the instruction set
 * chosen by the caller (0 = the portable path of this build, 1 = SSE2, 2 = AVX2 when the CPU has
 * it), so both vector loops are tested on an AVX2 machine. */
size_t mk_search_scan_isa_(const mk_finder *f, const void *hay, size_t n, size_t start, int counting, int isa);
size_t mk_search_scan_isa_(const mk_finder *f, const void *hay, size_t n, size_t start, int counting, int isa) {
    const unsigned char *h = (const unsigned char *)hay;
    size_t m = f->len_;
    if (m == 0) return start > n ? (counting ? 0 : MK_NOT_FOUND) : counting ? n - start + 1 : start;
    if (n < m || start > n - m) return scan(f, h, n, start, counting);
#if MK_SEARCH_X86
    if (isa == 2 && have_avx2()) return scan_avx2(f, h, n, start, counting);
    if (isa >= 1) return scan_sse2(f, h, n, start, counting);
#endif
    (void)isa;
    return scan(f, h, n, start, counting);
}

/* ---- the API ----------------------------------------------------------------------------- */

mk_err mk_finder_init(mk_finder *f, const void *needle, size_t len) {
    mk_err err = MK_OK;
    memset(f, 0, sizeof *f);
    if (!needle && len > 0) {
        len = 0;
        err = MK_EINVAL;
    }
    f->needle_ = needle ? (const unsigned char *)needle : (const unsigned char *)"";
    f->len_ = len;
    if (len == 0) return err;
    factorize(f->needle_, len, 0, &f->ell_, &f->per_, &f->periodic_);
    factorize(f->needle_, len, 1, &f->rell_, &f->rper_, &f->rperiodic_);
    pick_rare_bytes(f);
#if MK_SEARCH_X86
    __builtin_cpu_init(); /* in case the first search runs from a constructor */
#endif
    return MK_OK;
}

size_t mk_finder_find(const mk_finder *f, const void *hay, size_t n) {
    if (f->len_ == 0) return 0;
    return scan(f, (const unsigned char *)hay, n, 0, 0);
}

size_t mk_finder_rfind(const mk_finder *f, const void *hay, size_t n) {
    const unsigned char *h = (const unsigned char *)hay;
    if (f->len_ == 0) return n;
    if (n < f->len_) return MK_NOT_FOUND;
    if (f->len_ == 1) {
        const unsigned char *p = memrchr(h, f->needle_[0], n);
        return p ? (size_t)(p - h) : MK_NOT_FOUND;
    }
    return tw_rfind(f, h, n);
}

size_t mk_finder_count(const mk_finder *f, const void *hay, size_t n) {
    if (f->len_ == 0) return n == SIZE_MAX ? SIZE_MAX : n + 1;
    return scan(f, (const unsigned char *)hay, n, 0, 1);
}

bool mk_finder_iter_next(mk_finder_iter *it, size_t *at) {
    if (it->done_) return false;
    size_t m = it->f_->len_;
    if (m == 0) {
        *at = it->pos_;
        if (it->pos_ == it->n_) it->done_ = true;
        else it->pos_++;
        return true;
    }
    size_t r = scan(it->f_, it->hay_, it->n_, it->pos_, 0);
    if (r == MK_NOT_FOUND) {
        it->done_ = true;
        return false;
    }
    *at = r;
    it->pos_ = r + m;
    return true;
}

size_t mk_memmem(const void *hay, size_t n, const void *needle, size_t m) {
    mk_finder f;
    if (mk_finder_init(&f, needle, m) != MK_OK) return MK_NOT_FOUND;
    return mk_finder_find(&f, hay, n);
}
