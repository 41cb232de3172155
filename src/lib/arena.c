/* arena.c - the slow paths of mk_arena: new chunks, spare chunks after a reset, rewind, stats.
 *
 * Chunks form one chain, oldest first: the chunks before a->chunk are full (their tails counted in
 * a->tails), a->chunk is being filled, and the chunks after it are spares left by a reset or rewind,
 * reused in order. A request larger than the next chunk size gets a chunk of its own and does not
 * change the growth sequence. Chunks get no transparent-huge-page advice: measured on W1 it made the
 * first fill slower in the interleaved runs and faster only in isolated pairs (docs/BENCHMARKS.md).
 */
#define _GNU_SOURCE

#include "memkit/arena.h"
#include "memkit/prof.h"
#include "track.h"

struct mk_arena_chunk {
    mk_arena_chunk *next;
    char *end;   /* end of the usable bytes, 16-aligned */
    size_t size; /* bytes taken from the backing allocator; 0 for the caller's buffer */
    size_t pad_;
};

#define CHUNK_ALIGN 16
#define DEFAULT_FIRST 4096
#define DEFAULT_MAX ((size_t)64 << 20)

static char *chunk_start(mk_arena_chunk *c) { return (char *)c + sizeof(mk_arena_chunk); }

static char *align_ptr(char *p, size_t align) {
    return (char *)(((uintptr_t)p + (align - 1)) & ~(uintptr_t)(align - 1));
}

static char *pos_of(const mk_arena *a) { return a->tracking ? a->pos : a->ptr; }

static void set_pos(mk_arena *a, char *p) {
    if (a->tracking) {
        a->pos = p;
    } else {
        a->ptr = p;
        a->end = a->chunk ? a->chunk->end : NULL;
    }
}

/* Room for size bytes at alignment align in c from p on? Returns the aligned address or NULL. */
static char *fits(mk_arena_chunk *c, char *p, size_t size, size_t align) {
    char *q = align_ptr(p, align);
    if (q < p || q > c->end || size > (size_t)(c->end - q)) return NULL;
    return q;
}

static void *take(mk_arena *a, char *p, size_t size) {
    a->used += size;
    set_pos(a, p + size);
    if (a->tracking) mk_track_unpoison(p, size);
    if (a->annotate) mk_prof_alloc(a, p, size);
    return p;
}

bool mk_arena_annotate(mk_arena *a, bool on) {
    if (on && !mk_prof_active) return false;
    if (on && !a->tracking) {
        /* The slow path reports each allocation: leave the fast path's window empty. */
        a->pos = a->ptr;
        a->ptr = a->end = NULL;
        a->tracking = 1;
    }
    a->annotate = on;
    return on;
}

mk_err mk_arena_init(mk_arena *a, const mk_arena_opts *opts) {
    static const mk_arena_opts defaults = {0, 0, 0, NULL};
    if (!opts) opts = &defaults;
    *a = (mk_arena){0}; /* a failed init leaves an arena that destroy accepts */
    size_t first = opts->first_chunk ? opts->first_chunk : DEFAULT_FIRST;
    size_t max = opts->max_chunk ? opts->max_chunk : DEFAULT_MAX;
    if (!opts->max_chunk && max < first) max = first;
    if (max < first) return MK_EINVAL;
    if (first < sizeof(mk_arena_chunk) + CHUNK_ALIGN) first = sizeof(mk_arena_chunk) + CHUNK_ALIGN;
    a->next_size = first;
    a->max_chunk = max;
    a->limit = opts->limit;
    a->backing = opts->backing ? opts->backing : mk_heap();
    a->tracking = mk_track_active();
    return MK_OK;
}

void mk_arena_init_buf(mk_arena *a, void *buf, size_t cap) {
    (void)mk_arena_init(a, NULL);
    if (!buf) return;
    char *lo = align_ptr((char *)buf, CHUNK_ALIGN);
    char *hi = (char *)((uintptr_t)((char *)buf + cap) & ~(uintptr_t)(CHUNK_ALIGN - 1));
    if (lo > hi || (size_t)(hi - lo) < sizeof(mk_arena_chunk) + CHUNK_ALIGN) return;
    mk_arena_chunk *c = (mk_arena_chunk *)lo;
    *c = (mk_arena_chunk){NULL, hi, 0, 0};
    a->first = a->chunk = c;
    set_pos(a, chunk_start(c));
    if (a->tracking) mk_track_poison(chunk_start(c), (size_t)(c->end - chunk_start(c)));
}

static void release(mk_arena *a, mk_arena_chunk *c) {
    if (!c->size) { /* the caller's buffer: theirs again, addressable */
        if (a->tracking) mk_track_unpoison(c, (size_t)(c->end - (char *)c));
        return;
    }
    if (a->tracking) mk_track_unpoison(c, c->size);
    a->reserved -= c->size;
    a->nchunks--;
    a->backing->free(a->backing->ctx, c, c->size, CHUNK_ALIGN);
}

void mk_arena_destroy(mk_arena *a) {
    if (a->annotate) mk_prof_pool_reset(a);
    for (mk_arena_chunk *c = a->first, *n; c; c = n) {
        n = c->next;
        release(a, c);
    }
    a->first = a->chunk = NULL;
    a->ptr = a->end = a->pos = NULL;
    a->used = a->tails = 0;
}

/* A new chunk with room for size bytes at align, linked in after the current one. */
static mk_arena_chunk *chunk_new(mk_arena *a, size_t size, size_t align) {
    size_t need;
    if (!mk_add_size(size, align - 1 + sizeof(mk_arena_chunk) + CHUNK_ALIGN, &need)) return NULL;
    size_t want = a->next_size;
    bool own_chunk = need > want;
    if (own_chunk) want = need;
    if (a->limit) {
        size_t room = a->reserved < a->limit ? a->limit - a->reserved : 0;
        if (need > room) return NULL;
        if (want > room) want = need, own_chunk = true;
    }
    void *mem = a->backing->alloc(a->backing->ctx, want, CHUNK_ALIGN);
    if (!mem && want > need) {
        want = need, own_chunk = true;
        mem = a->backing->alloc(a->backing->ctx, want, CHUNK_ALIGN);
    }
    if (!mem) return NULL;
    mk_arena_chunk *c = mem;
    char *end = (char *)((uintptr_t)((char *)mem + want) & ~(uintptr_t)(CHUNK_ALIGN - 1));
    *c = (mk_arena_chunk){NULL, end, want, 0};
    a->reserved += want;
    a->nchunks++;
    if (!own_chunk && a->next_size < a->max_chunk)
        a->next_size = a->next_size > a->max_chunk / 2 ? a->max_chunk : a->next_size * 2;
    if (a->tracking) mk_track_poison(chunk_start(c), (size_t)(end - chunk_start(c)));
    if (a->chunk) {
        c->next = a->chunk->next;
        a->chunk->next = c;
    } else {
        a->first = c;
    }
    return c;
}

void *mk__arena_alloc_slow(mk_arena *a, size_t size, size_t align) {
    if (!mk_is_pow2(align)) return NULL;
    mk_arena_chunk *c = a->chunk;
    char *p;
    if (c) {
        char *cur = pos_of(a);
        if ((p = fits(c, cur, size, align))) return take(a, p, size);
        /* Spares: the first one with room becomes current; the ones skipped count as waste. */
        size_t skipped = 0;
        for (mk_arena_chunk *n = c->next; n; n = n->next) {
            if ((p = fits(n, chunk_start(n), size, align))) {
                a->tails += (size_t)(c->end - cur) + skipped;
                a->chunk = n;
                return take(a, p, size);
            }
            skipped += (size_t)(n->end - chunk_start(n));
        }
    }
    mk_arena_chunk *n = chunk_new(a, size, align);
    if (!n) return NULL;
    if (c) a->tails += (size_t)(c->end - pos_of(a));
    a->chunk = n;
    return take(a, align_ptr(chunk_start(n), align), size);
}

void *mk_arena_memdup(mk_arena *a, const void *src, size_t n) {
    void *p = mk_arena_alloc(a, n, 1);
    if (p && n) memcpy(p, src, n);
    return p;
}

char *mk_arena_strndup(mk_arena *a, const char *s, size_t n) {
    size_t len = strnlen(s, n);
    char *p = mk_arena_alloc(a, len + 1, 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mk_arena_strdup(mk_arena *a, const char *s) { return mk_arena_memdup(a, s, strlen(s) + 1); }

bool mk_arena_resize_last(mk_arena *a, void *ptr, size_t old_size, size_t new_size) {
    mk_arena_chunk *c = a->chunk;
    char *cur = pos_of(a), *p = ptr;
    if (!c || !p || p < chunk_start(c) || p > cur || (size_t)(cur - p) != old_size) return false;
    if (new_size <= old_size) {
        if (a->tracking) mk_track_poison(p + new_size, old_size - new_size);
        a->used -= old_size - new_size;
        set_pos(a, p + new_size);
        if (a->annotate) mk_prof_free(a, p), mk_prof_alloc(a, p, new_size);
        return true;
    }
    if (new_size - old_size > (size_t)(c->end - cur)) return false;
    if (a->tracking) mk_track_unpoison(cur, new_size - old_size);
    a->used += new_size - old_size;
    set_pos(a, p + new_size);
    if (a->annotate) mk_prof_free(a, p), mk_prof_alloc(a, p, new_size);
    return true;
}

mk_arena_pos mk_arena_mark(const mk_arena *a) {
    return (mk_arena_pos){a->chunk, pos_of(a), a->used, a->tails};
}

/* Poisons from p to the end of chunk c, and every chunk after c up to and including last. */
static void poison_from(mk_arena *a, mk_arena_chunk *c, char *p, mk_arena_chunk *last) {
    if (!a->tracking || !c) return;
    mk_track_poison(p, (size_t)(c->end - p));
    while (c != last && (c = c->next)) mk_track_poison(chunk_start(c), (size_t)(c->end - chunk_start(c)));
}

void mk_arena_reset(mk_arena *a) {
    if (!a->first) return;
    if (a->annotate) mk_prof_pool_reset(a);
    poison_from(a, a->first, chunk_start(a->first), a->chunk);
    a->chunk = a->first;
    a->used = a->tails = 0;
    set_pos(a, chunk_start(a->first));
}

void mk_arena_rewind(mk_arena *a, mk_arena_pos mark) {
    if (!mark.chunk) {
        mk_arena_reset(a);
        return;
    }
    poison_from(a, mark.chunk, mark.pos, a->chunk);
    a->chunk = mark.chunk;
    a->used = mark.used;
    a->tails = mark.tails;
    set_pos(a, mark.pos);
}

void mk_arena_trim(mk_arena *a) {
    mk_arena_reset(a);
    mk_arena_chunk *keep = NULL;
    for (mk_arena_chunk *c = a->first; c; c = c->next)
        if (c->size == 0 || !keep || (keep->size && c->size > keep->size)) keep = c;
    for (mk_arena_chunk *c = a->first, *n; c; c = n) {
        n = c->next;
        if (c != keep) release(a, c);
    }
    a->first = a->chunk = keep;
    if (keep) keep->next = NULL;
    set_pos(a, keep ? chunk_start(keep) : NULL);
}

void mk_arena_stats(const mk_arena *a, struct mk_arena_stats *out) {
    size_t consumed = 0, chunks = 0;
    bool before = true;
    for (mk_arena_chunk *c = a->first; c; c = c->next) {
        chunks++;
        if (c == a->chunk) {
            consumed += (size_t)(pos_of(a) - chunk_start(c));
            before = false;
        } else if (before) {
            consumed += (size_t)(c->end - chunk_start(c));
        }
    }
    *out = (struct mk_arena_stats){
        .version = MK_ARENA_STATS_VERSION,
        .used = a->used,
        .reserved = a->reserved,
        .chunks = chunks,
        .wasted_align = consumed - a->used - a->tails,
        .wasted_tail = a->tails,
    };
}

static void *arena_alloc_fn(void *ctx, size_t size, size_t align) { return mk_arena_alloc(ctx, size, align); }

static void *arena_resize_fn(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align) {
    mk_arena *a = ctx;
    if (!ptr) return mk_arena_alloc(a, new_size, align);
    if (mk_arena_resize_last(a, ptr, old_size, new_size) || new_size <= old_size) return ptr;
    void *p = mk_arena_alloc(a, new_size, align);
    if (p) memcpy(p, ptr, old_size);
    return p;
}

static void arena_free_fn(void *ctx, void *ptr, size_t size, size_t align) {
    (void)align;
    if (ptr) (void)mk_arena_resize_last(ctx, ptr, size, 0);
}

mk_allocator mk_arena_allocator(mk_arena *a) {
    return (mk_allocator){arena_alloc_fn, arena_resize_fn, arena_free_fn, a};
}
