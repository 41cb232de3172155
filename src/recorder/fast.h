/* fast.h - the sampled recorder's common case, inlined into the malloc and free hooks.
 *
 * With sampling, most blocks get no stack: the recorder only keeps the exact totals and live
 * figures, and the block's size in the shadow (record.c, "unsampled blocks"). While the process has
 * one thread that is a dozen plain loads and stores, so the hooks do it themselves instead of
 * calling into the backend; anything else (the sampled block, a thread's first block, a slack the
 * shadow cannot hold, several threads) returns 0 and takes the full path, which then does the whole
 * event. The hooks hold the guard around these calls, so a signal handler's malloc cannot
 * interleave with them. Internal to libmemkit-prof.so.
 */
#ifndef MEMKIT_PROF_FAST_H
#define MEMKIT_PROF_FAST_H

#include "record.h"
#include "../interpose/chunk.h"

extern char __libc_single_threaded;

/* The unsampled path reached a new global peak (record.c). */
MK__HIDDEN void mk__fast_peak(void);

/* p's byte in the shadow (record.c, "unsampled blocks"), or NULL when there is no shadow or p is
 * not a 16-byte aligned user-space address. */
static inline uint8_t *mk__shadow_byte(uintptr_t p) {
    uint8_t *shadow = mk__rec.shadow;
    return shadow && p < MK_SHADOW_TOP && !(p & 15) ? &shadow[p >> 4] : NULL;
}

/* The byte for a block of sz bytes at p: usable - sz + 1, or 0 when the slack does not fit. */
static inline unsigned mk__shadow_code(uintptr_t p, uint64_t sz) {
    uint64_t slack = mk__chunk_usable(p) - sz;
    return slack < 255 ? (unsigned)slack + 1 : 0;
}

/* The size of the block at p whose byte holds v (nonzero). */
static inline uint64_t mk__shadow_size(uintptr_t p, unsigned v) { return mk__chunk_usable(p) - (v - 1); }

/* After malloc returned p for size bytes: 1 if the event was recorded here, 0 if nothing changed
 * and mk__on_alloc must record it. */
static inline int mk__fast_alloc(void *p, size_t size) {
    uintptr_t a = (uintptr_t)p;
    uint8_t *b = mk__shadow_byte(a);
    if (!b || !mk__rt.seen || !__libc_single_threaded) return 0;
    uint64_t sz = size ? size : 1; /* DHAT counts a zero-byte request as one byte */
    int64_t left = mk__rt.countdown - (int64_t)sz;
    unsigned code = mk__shadow_code(a, sz);
    if (left <= 0 || !code || *b) return 0; /* sampled, large slack, or a stale byte */
    mk__rt.countdown = left;
    mk__rt.last_alloc = a;
    *b = (uint8_t)code;
    mk__rec.uns_tb += sz;
    mk__rec.uns_tbk++;
    mk__rec.live_blocks++;
    if ((mk__rec.live_bytes += sz) >= mk__rec.max_bytes) mk__fast_peak();
    return 1;
}

/* Before p is freed: its size if the event was recorded here, 0 if mk__on_free must do it. */
static inline uint64_t mk__fast_free(void *p) {
    uintptr_t a = (uintptr_t)p;
    uint8_t *b = mk__shadow_byte(a);
    if (!b || !__libc_single_threaded) return 0;
    unsigned v = *b;
    if (!v) return 0;
    *b = 0;
    uint64_t sz = mk__shadow_size(a, v);
    mk__rec.live_bytes -= sz;
    mk__rec.live_blocks--;
    mk__rec.uns_frees++;
    if (mk__rt.last_alloc == a) mk__rt.last_alloc = 0;
    return sz;
}

#endif
