/* hooks.c - libmemkit-count: the interposition layer (src/interpose/backend.h) with the counting
 * backend, for programs that link memkit/count.h's counting into their own executable.
 *
 * The layer's per-thread counters are all that counting needs, so this backend records no event
 * in a table. The one design decision to know: bytes are the requested sizes, and a free learns
 * its block's requested size from the block itself. glibc hands out usable sizes in steps of 16,
 * so nearly every block has slack between the request and its usable end; the backend writes the
 * slack there (a tag in the block's last usable byte, two bytes when the slack is 128 or more, a
 * word past 32 KiB), and at free reads the chunk header and the tag: usable - slack. A block that
 * fills its chunk exactly has no room: malloc, calloc and the aligned functions then take a block
 * one byte larger instead (1 in 16 sizes pay a second call); a realloc result cannot be swapped,
 * so such a block carries no tag and its free may count up to 47 bytes less (when its last byte
 * is 1..47). A program that writes into the slack because malloc_usable_size said it may, makes
 * its free counted as if the request had been larger. The tag of a block glibc mmapped on its own
 * (128 KiB and more by default) touches that block's last page, which the program might never
 * have touched: one page of resident memory per such block. Built without frame pointers (the unwinder
 * reads CFI), so a hook costs a call and a few loads and stores.
 *
 * Expectations' extras live here too (mk__count_ext): block tracking for MK_EXPECT_NO_LEAKS and
 * the blocks of custom allocators (memkit/prof.h), both in tables behind a lock that no plain
 * malloc or free touches (a free pays one load of a global flag while some thread tracks).
 */
#define _GNU_SOURCE
#include <string.h>

#include "../interpose/backend.h"
#include "../lib/count_table.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

const char mk__backend_name[] = "libmemkit-count";

struct mk__be_realloc {
    uint64_t old_bytes;
};

static struct mk__block_table tracked, annotated;
static int tracking_threads; /* atomic: threads whose tracking depth is above zero */

static void *mk__table_map(size_t n) { return mk__sys_map(n, 0); }

static void mk__be_init(void) {} /* the counters (initialized by the layer) are the whole state */

/* ---- the slack tag ----
 *
 * A heap chunk (the common case) keeps at most 47 bytes of slack (less than glibc's MINSIZE after
 * a split, plus alignment), so its tag is one byte; a larger value read there belongs to a block
 * without a tag and counts as no slack. An mmapped chunk (bit 1 of the header) may keep pages of
 * slack: its tag is one byte below 0x80, two bytes (0x80 | high, low) below 0x7f00, or 0xff and
 * a word. The tag records usable - max(request, 1), so a zero-byte block frees 1, as it counted. */

static __attribute__((noinline)) void tag_mapped(void *p, uint64_t usable, uint64_t slack) {
    unsigned char *end = (unsigned char *)p + usable;
    if (slack < 0x80) {
        end[-1] = (unsigned char)slack;
    } else if (slack < 0x7f00) {
        end[-1] = (unsigned char)(0x80 | (slack >> 8));
        end[-2] = (unsigned char)slack;
    } else {
        end[-1] = 0xff;
        memcpy(end - 9, &slack, 8);
    }
}

static __attribute__((noinline)) uint64_t requested_mapped(const void *p, uint64_t head) {
    uint64_t usable = (head & ~(uint64_t)7) - 16;
    const unsigned char *end = (const unsigned char *)p + usable;
    uint64_t t = end[-1], slack;
    if (t < 0x80) slack = t;
    else if (t < 0xff) slack = (t & 0x7f) << 8 | end[-2];
    else memcpy(&slack, end - 9, 8);
    return slack < usable ? usable - slack : usable;
}

/* The requested size of the block at p (1 for a zero-byte request). */
static inline uint64_t requested(const void *p) {
    uint64_t head = ((const uint64_t *)p)[-1];
    if (__builtin_expect(head & 2, 0)) return requested_mapped(p, head);
    uint64_t usable = (head & ~(uint64_t)7) - 8;
    uint64_t slack = ((const unsigned char *)p)[usable - 1];
    return usable - (slack > 47 ? 0 : slack);
}

static void *refit(void *p, size_t size, unsigned fn);

/* Tags the block p just returned for size bytes; returns the block to hand out (another one when
 * p had no room for the tag and could be swapped). */
static inline void *tagged(void *p, size_t size, unsigned fn, int swappable) {
    uint64_t head = ((const uint64_t *)p)[-1], want = size ? size : 1;
    uint64_t usable = (head & ~(uint64_t)7) - 8 - ((head & 2) << 2);
    if (__builtin_expect(usable <= want, 0)) return swappable ? refit(p, size, fn) : p;
    if (__builtin_expect(head & 2, 0)) tag_mapped(p, usable, usable - want);
    else ((unsigned char *)p)[usable - 1] = (unsigned char)(usable - want);
    return p;
}

/* A block that fills its chunk: swap it for one a byte larger, which has room for the tag. */
static __attribute__((noinline)) void *refit(void *p, size_t size, unsigned fn) {
    void *q;
    tls.guard++;
    if (fn == MK_FN_CALLOC) q = __libc_calloc(1, size + 1);
    else if (fn == MK_FN_MALLOC || fn == MK_FN_REALLOC) q = __libc_malloc(size + 1);
    else q = __libc_memalign((uintptr_t)p & -(uintptr_t)p, size + 1); /* p's own alignment covers the request's */
    if (q) __libc_free(p);
    tls.guard--;
    return q ? tagged(q, size, fn, 0) : p; /* else untagged: its free may count a little less */
}

/* ---- block tracking (MK_EXPECT_NO_LEAKS) ---- */

/* skip: the frames between this function and the program's call (the hook; or the annotation
 * entry, which libmemkit's mk_prof_alloc reaches by a tail call). */
static __attribute__((noinline)) void track_alloc(void *p, size_t size, int skip) {
    struct mk__watch_hit h;
    tls.guard++;
    mk__counters_stack(&h, skip + 1);
    h.index = tls.c.v[MK__C_ALLOCS];
    h.size = size ? size : 1;
    h.bytes_after = tls.c.v[MK__C_BYTES_ALLOC];
    h.balance_after = (int64_t)(tls.c.v[MK__C_BYTES_ALLOC] - tls.c.v[MK__C_BYTES_FREED]);
    mk__table_lock(&tracked);
    struct mk__block *b = mk__table_put(&tracked, p);
    if (b) {
        b->owner = &tls.c;
        b->pool = NULL;
        b->hit = h;
    } else {
        tracked.lost++;
    }
    mk__table_unlock(&tracked);
    tls.guard--;
}

static __attribute__((noinline)) void untrack(const void *p) {
    mk__table_lock(&tracked);
    struct mk__block *b = mk__table_get(&tracked, p);
    if (b) mk__table_del(&tracked, b);
    mk__table_unlock(&tracked);
}

#define TRACKING() __builtin_expect(__atomic_load_n(&tracking_threads, __ATOMIC_RELAXED), 0)

/* ---- the backend ---- */

static inline uint64_t mk__be_bytes(const void *p, size_t size) {
    (void)p;
    return size ? size : 1;
}

static inline void *mk__be_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    (void)frame;
    p = tagged(p, size, fn, 1);
    if (__builtin_expect(tls.c.track, 0)) track_alloc(p, size, 1);
    return p;
}

static inline uint64_t mk__be_free(void *p) {
    if (TRACKING()) untrack(p);
    return requested(p);
}

static inline void mk__be_realloc_take(void *old, struct mk__be_realloc *t) {
    t->old_bytes = requested(old);
    if (TRACKING()) untrack(old);
}

static inline uint64_t mk__be_realloc_done(struct mk__be_realloc *t, void *p, size_t size, const void *frame) {
    (void)frame;
    if (p) {
        (void)tagged(p, size, MK_FN_REALLOC, 0);
        if (__builtin_expect(tls.c.track, 0)) track_alloc(p, size, 1);
    }
    return t->old_bytes;
}

static void mk__be_exit(void) {} /* nothing is written at exit */

#include "../interpose/exports.inc"

/* ---- the extended table (count_iface.h) ---- */

static void ext_track(int delta) {
    struct mk__hook_counters *c = &tls.c;
    int before = c->track;
    c->track += delta;
    if (before <= 0 && c->track > 0) __atomic_add_fetch(&tracking_threads, 1, __ATOMIC_RELAXED);
    if (before > 0 && c->track <= 0) {
        __atomic_sub_fetch(&tracking_threads, 1, __ATOMIC_RELAXED);
        /* The last level ended: forget this thread's tracked blocks. */
        tls.guard++;
        mk__table_lock(&tracked);
        for (size_t i = 0; tracked.slot && i < MK__TABLE_CAP;) {
            if (tracked.slot[i].ptr && tracked.slot[i].owner == c) mk__table_del(&tracked, &tracked.slot[i]);
            else i++;
        }
        mk__table_unlock(&tracked);
        tls.guard--;
    }
}

static int ext_tracked_live(uint64_t after, struct mk__watch_hit *out, int max, uint64_t *count, uint64_t *bytes,
                            uint64_t *lost) {
    int k = 0;
    uint64_t n = 0, b = 0;
    tls.guard++;
    mk__table_lock(&tracked);
    for (size_t i = 0; tracked.slot && i < MK__TABLE_CAP; i++) {
        const struct mk__block *s = &tracked.slot[i];
        if (!s->ptr || s->owner != &tls.c || s->hit.index <= after) continue;
        n++;
        b += s->hit.size;
        int j = k < max ? k++ : max; /* keep the oldest max, by index */
        while (j > 0 && out[j - 1].index > s->hit.index) {
            if (j < max) out[j] = out[j - 1];
            j--;
        }
        if (j < max) out[j] = s->hit;
    }
    *lost = tracked.lost;
    mk__table_unlock(&tracked);
    tls.guard--;
    *count = n;
    *bytes = b;
    return k;
}

static void ext_pause(int delta) { tls.guard += delta; }

static void ext_annotate(int kind, const void *pool, const void *ptr, uint64_t size) {
    if (tls.guard) return;
    struct mk__hook_counters *c = &tls.c;
    uint64_t bytes = size ? size : 1;
    if (kind == MK__ANN_ALLOC) {
        tls.guard++;
        mk__table_lock(&annotated);
        struct mk__block *b = mk__table_put(&annotated, ptr);
        if (b) {
            b->pool = pool;
            b->hit.size = bytes;
        } else {
            annotated.lost++;
        }
        mk__table_unlock(&annotated);
        tls.guard--;
        mk__count_alloc(c, bytes, 0);
        if (c->track) track_alloc((void *)ptr, size, 0);
    } else if (kind == MK__ANN_FREE) {
        tls.guard++;
        mk__table_lock(&annotated);
        struct mk__block *b = mk__table_get(&annotated, ptr);
        bytes = b ? b->hit.size : 0;
        if (b) mk__table_del(&annotated, b);
        mk__table_unlock(&annotated);
        tls.guard--;
        if (!b) return; /* never reported handed out: nothing to count */
        mk__count_free(c, bytes);
        if (TRACKING()) untrack(ptr);
    } else if (kind == MK__ANN_RESET) {
        tls.guard++;
        mk__table_lock(&annotated);
        for (size_t i = 0; annotated.slot && i < MK__TABLE_CAP;) {
            struct mk__block *b = &annotated.slot[i];
            if (b->ptr && b->pool == pool) {
                const void *p = b->ptr;
                mk__count_free(c, b->hit.size);
                mk__table_del(&annotated, b);
                if (TRACKING()) untrack(p);
            } else {
                i++;
            }
        }
        mk__table_unlock(&annotated);
        tls.guard--;
    }
}

static const struct mk__count_ext ext_table = {
    .version = MK__COUNT_EXT_VERSION,
    .watch_set = mk__counters_watch_set,
    .thread_max = mk__counters_thread_max,
    .track = ext_track,
    .tracked_live = ext_tracked_live,
    .pause = ext_pause,
    .annotate = ext_annotate,
};

__attribute__((visibility("default"))) const struct mk__count_ext *mk__count_ext(void) { return &ext_table; }
