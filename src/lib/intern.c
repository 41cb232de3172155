/* intern.c - mk_interner: hashing, probing, inserting, growing.
 *
 * Slot layout: (uint64_t)tag << 32 | sym, 0 = empty, where tag is the high 32 bits of the string's
 * 64-bit hash. The home slot is tag & mask, so a growth rehashes from the slots alone; with a table
 * of 2^k slots the remaining 32 - k tag bits still reject nearly every foreign string before its
 * bytes are compared. Tables never exceed 7/8 load.
 */
#include <errno.h>

#include "memkit/intern.h"

#define BLOCK ((size_t)1 << 16)
#define MAX_BLOCKS ((size_t)1 << 16)
#define FIRST_SLOTS 256

struct mk__intern_table {
    size_t mask;
    size_t used;
    mk__intern_table *retired_next;
    size_t pad_;
    uint64_t slots[];
};

/* ---- hashing: a folded-multiply hash over 8-byte words, strong enough for a table, not for DoS -- */

static inline uint64_t rd64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t fold(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K0 0xa0761d6478bd642full
#define K1 0xe7037ed1a0b428dbull
#define K2 0x8ebc6af09c88c6e3ull

static inline uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t a, b, seed = K0;
    if (MK_LIKELY(n <= 16)) {
        if (n >= 8) {
            a = rd64(p);
            b = rd64(p + n - 8);
        } else if (n >= 4) {
            a = rd32(p);
            b = rd32(p + n - 4);
        } else if (n > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = n;
        const unsigned char *q = p;
        while (i > 16) {
            seed = fold(rd64(q) ^ K1, rd64(q + 8) ^ seed);
            q += 16;
            i -= 16;
        }
        a = rd64(p + n - 16);
        b = rd64(p + n - 8);
    }
    return fold(K2 ^ n, fold(a ^ K1, b ^ seed));
}

/* ---- symbols ------------------------------------------------------------------------------------- */

static inline const unsigned char *sym_ptr(const mk__intern_blocks *b, mk_sym sym) {
    return b->base[sym >> 16] + (sym & 0xFFFFu);
}

static inline size_t str_len(const unsigned char *p) {
    if (MK_LIKELY(p[-1] != 0xFF)) return p[-1];
    uint32_t n;
    memcpy(&n, p - 5, sizeof n);
    return n;
}

static inline bool sym_eq(const mk__intern_blocks *b, mk_sym sym, const void *s, size_t len) {
    const unsigned char *p = sym_ptr(b, sym);
    return str_len(p) == len && memcmp(p, s, len) == 0;
}

/* The symbol of s, or 0 with *at = the empty slot where it belongs (when tab is not NULL). */
static inline mk_sym probe(const mk_interner *in, const mk__intern_table *tab, const void *s, size_t len,
                           uint32_t tag, size_t *at) {
    if (!tab) return 0;
    const mk__intern_blocks *b = NULL;
    size_t mask = tab->mask;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
        uint64_t slot = __atomic_load_n(&tab->slots[i], __ATOMIC_ACQUIRE);
        if (!slot) {
            *at = i;
            return 0;
        }
        if ((uint32_t)(slot >> 32) == tag) {
            if (!b) b = __atomic_load_n(&in->blocks, __ATOMIC_ACQUIRE);
            if (sym_eq(b, (mk_sym)slot, s, len)) return (mk_sym)slot;
        }
    }
}

mk_sym mk_interner_lookup(const mk_interner *in, const void *s, size_t len) {
    size_t at;
    uint32_t tag = (uint32_t)(hash_bytes(s, len) >> 32);
    return probe(in, __atomic_load_n(&in->table, __ATOMIC_ACQUIRE), s, len, tag, &at);
}

/* ---- memory -------------------------------------------------------------------------------------- */

static bool within_limit(const mk_interner *in, size_t more) {
    size_t total;
    return !in->limit || (mk_add_size(in->reserved, more, &total) && total <= in->limit);
}

static size_t table_bytes(size_t slots) { return sizeof(mk__intern_table) + slots * sizeof(uint64_t); }
static size_t blocks_bytes(size_t cap) { return sizeof(mk__intern_blocks) + cap * sizeof(unsigned char *); }

/* Retires (concurrent: readers may still hold it) or frees an old table. */
static void drop_table(mk_interner *in, mk__intern_table *t) {
    if (in->concurrent) {
        t->retired_next = in->retired_tables;
        in->retired_tables = t;
        in->retired += table_bytes(t->mask + 1);
    } else {
        in->reserved -= table_bytes(t->mask + 1);
        mk_free(in->backing, t, table_bytes(t->mask + 1), 16);
    }
}

static void drop_blocks(mk_interner *in, mk__intern_blocks *b) {
    if (in->concurrent) {
        b->retired_next = in->retired_blocks;
        in->retired_blocks = b;
        in->retired += blocks_bytes(b->cap);
    } else {
        in->reserved -= blocks_bytes(b->cap);
        mk_free(in->backing, b, blocks_bytes(b->cap), 16);
    }
}

/* Records a new block base in the index (growing it) and publishes it; false on limit/ENOMEM. */
static bool add_block(mk_interner *in, unsigned char *base) {
    mk__intern_blocks *b = in->blocks;
    size_t n = b ? b->n : 0;
    if (n >= MAX_BLOCKS) return false;
    if (!b || n == b->cap) {
        size_t cap = b ? b->cap * 2 : 16;
        if (!within_limit(in, blocks_bytes(cap))) return false;
        mk__intern_blocks *nb = mk_alloc(in->backing, blocks_bytes(cap), 16);
        if (!nb) return false;
        in->reserved += blocks_bytes(cap);
        nb->cap = cap;
        nb->retired_next = NULL;
        if (n) memcpy(nb->base, b->base, n * sizeof b->base[0]);
        nb->base[n] = base;
        nb->n = n + 1;
        __atomic_store_n(&in->blocks, nb, __ATOMIC_RELEASE);
        if (b) drop_blocks(in, b);
        return true;
    }
    b->base[n] = base;
    __atomic_store_n(&b->n, n + 1, __ATOMIC_RELEASE);
    return true;
}

/* Room for need bytes of string data; returns the start and bumps, or NULL. Strings that do not
 * fit a block get a block of their own and leave the current block as it is. */
static unsigned char *take(mk_interner *in, size_t need, size_t *block_index) {
    if (MK_LIKELY(in->pos && need <= (size_t)(in->end - in->pos))) {
        unsigned char *p = in->pos;
        in->pos += need;
        *block_index = in->cur_block;
        return p;
    }
    size_t size = need > BLOCK ? need : BLOCK;
    size_t before = in->arena.reserved;
    /* A chunk is the block plus the arena's header and alignment slack. */
    if (!within_limit(in, size + 64)) return NULL;
    unsigned char *p = mk_arena_alloc(&in->arena, size, 1);
    if (!p) return NULL;
    in->reserved += in->arena.reserved - before;
    if (!add_block(in, p)) {
        /* The block stays in the arena unused; rare (limit or index growth failed). */
        return NULL;
    }
    *block_index = in->blocks->n - 1;
    if (size == BLOCK) {
        in->cur_block = *block_index;
        in->pos = p + need;
        in->end = p + BLOCK;
    }
    return p;
}

static bool grow_table(mk_interner *in) {
    mk__intern_table *old = in->table;
    size_t slots = old ? (old->mask + 1) * 2 : FIRST_SLOTS;
    if (slots > ((size_t)1 << 32) || !within_limit(in, table_bytes(slots))) return false;
    mk__intern_table *t = mk_alloc(in->backing, table_bytes(slots), 16);
    if (!t) return false;
    in->reserved += table_bytes(slots);
    memset(t, 0, table_bytes(slots));
    t->mask = slots - 1;
    if (old) {
        for (size_t i = 0; i <= old->mask; i++) {
            uint64_t slot = old->slots[i];
            if (!slot) continue;
            size_t j = (uint32_t)(slot >> 32) & t->mask;
            while (t->slots[j]) j = (j + 1) & t->mask;
            t->slots[j] = slot;
        }
        t->used = old->used;
    }
    __atomic_store_n(&in->table, t, __ATOMIC_RELEASE);
    if (old) drop_table(in, old);
    return true;
}

/* Inserts s, known to be absent; the caller holds the writer mutex when concurrent. */
static mk_sym insert(mk_interner *in, const void *s, size_t len, uint32_t tag) {
    if (len > UINT32_MAX) return 0;
    mk__intern_table *tab = in->table;
    if (!tab || (tab->used + 1) * 8 > (tab->mask + 1) * 7) {
        if (!grow_table(in)) return 0;
        tab = in->table;
    }
    size_t prefix = len < 255 ? 1 : 5, blk;
    unsigned char *p = take(in, prefix + len + 1, &blk);
    if (!p) return 0;
    if (prefix == 1) {
        p[0] = (unsigned char)len;
    } else {
        uint32_t n = (uint32_t)len;
        memcpy(p, &n, 4);
        p[4] = 0xFF;
    }
    if (len) memcpy(p + prefix, s, len);
    p[prefix + len] = 0;
    in->string_bytes += prefix + len + 1;
    unsigned char *base = in->blocks->base[blk];
    mk_sym sym = (mk_sym)(blk << 16 | (size_t)(p + prefix - base));
    size_t i = tag & tab->mask;
    while (tab->slots[i]) i = (i + 1) & tab->mask;
    __atomic_store_n(&tab->slots[i], (uint64_t)tag << 32 | sym, __ATOMIC_RELEASE);
    tab->used++;
    __atomic_store_n(&in->count, in->count + 1, __ATOMIC_RELAXED);
    return sym;
}

mk_sym mk_intern(mk_interner *in, const void *s, size_t len) {
    uint32_t tag = (uint32_t)(hash_bytes(s, len) >> 32);
    size_t at;
    mk_sym sym = probe(in, __atomic_load_n(&in->table, __ATOMIC_ACQUIRE), s, len, tag, &at);
    if (MK_LIKELY(sym)) return sym;
    if (!in->concurrent) return insert(in, s, len, tag);
    pthread_mutex_lock(&in->lock);
    sym = probe(in, in->table, s, len, tag, &at); /* another writer may have won */
    if (!sym) sym = insert(in, s, len, tag);
    pthread_mutex_unlock(&in->lock);
    return sym;
}

/* ---- lifetime and stats ---------------------------------------------------------------------- */

mk_err mk_interner_init(mk_interner *in, const mk_interner_opts *opts) {
    static const mk_interner_opts defaults = {0, false, NULL};
    if (!opts) opts = &defaults;
    memset(in, 0, sizeof *in);
    in->limit = opts->limit;
    in->concurrent = opts->concurrent;
    in->backing = opts->backing;
    /* One block per arena chunk: the chunk header and alignment slack fit beside it. */
    mk_arena_opts ao = {BLOCK + 64, BLOCK + 64, 0, opts->backing};
    mk_err e = mk_arena_init(&in->arena, &ao);
    if (e != MK_OK) return e;
    if (in->concurrent) {
        int saved = errno, rc = pthread_mutex_init(&in->lock, NULL);
        errno = saved;
        if (rc) return MK_ESYS;
    }
    return MK_OK;
}

void mk_interner_destroy(mk_interner *in) {
    mk__intern_table *t = in->table, *tn;
    if (t) mk_free(in->backing, t, table_bytes(t->mask + 1), 16);
    for (t = in->retired_tables; t; t = tn) {
        tn = t->retired_next;
        mk_free(in->backing, t, table_bytes(t->mask + 1), 16);
    }
    mk__intern_blocks *b = in->blocks, *bn;
    if (b) mk_free(in->backing, b, blocks_bytes(b->cap), 16);
    for (b = in->retired_blocks; b; b = bn) {
        bn = b->retired_next;
        mk_free(in->backing, b, blocks_bytes(b->cap), 16);
    }
    mk_arena_destroy(&in->arena);
    if (in->concurrent) pthread_mutex_destroy(&in->lock);
    bool concurrent = in->concurrent;
    memset(in, 0, sizeof *in);
    in->concurrent = concurrent;
}

void mk_interner_stats(mk_interner *in, struct mk_interner_stats *out) {
    if (in->concurrent) pthread_mutex_lock(&in->lock);
    *out = (struct mk_interner_stats){0};
    out->version = MK_INTERNER_STATS_VERSION;
    out->strings = in->count;
    out->string_bytes = in->string_bytes;
    out->block_bytes = in->arena.reserved;
    out->table_slots = in->table ? in->table->mask + 1 : 0;
    out->total_bytes = in->reserved;
    out->retired_bytes = in->retired;
    out->bytes_per_string = in->count ? (double)in->reserved / (double)in->count : 0;
    if (in->concurrent) pthread_mutex_unlock(&in->lock);
}
