/* memkit/intern.h - mk_interner: every distinct string stored once, named by a 32-bit mk_sym.
 *
 * Interning turns repeated strings (identifiers, field names, log keys) into small handles that
 * compare with == and into one canonical, stable, NUL-terminated copy. Strings are packed back to
 * back into 64 KiB blocks taken from an mk_arena (no malloc per string): a one-byte length prefix
 * (five bytes past 254), the bytes, a NUL. The table is open addressing (linear probing) over 8-byte
 * slots holding the symbol and 32 bits of its hash, so a probe rarely touches string bytes and a
 * growth rehashes without reading them.
 *
 * The one design decision to know: a symbol is the string's own address in disguise, (block index
 * << 16) | offset in block, so mk_interner_str is two loads and the table needs no separate
 * symbol -> string array (about 24 bytes per distinct short string in all). Symbols are therefore
 * not dense 1..N; they are non-zero, stable and unique per interner, and 0 means "none".
 *
 * Concurrency (opts.concurrent): lookups never take a lock. Slots are written once, 0 -> symbol,
 * with a release store after the string bytes; a reader loads them with acquire and either finds its
 * string or an empty slot. Only then does it take the one writer mutex, probe again and insert. A
 * growth builds a whole new table and publishes it with one pointer store; the old table stays
 * readable (and is freed at destroy; together the retired tables are smaller than the live one), so
 * readers need no epoch or hazard pointers. Hits on existing strings - the common case once the
 * vocabulary is in - touch only shared read-only cache lines and scale with threads; a sharded-rwlock
 * design would still bounce the lock word of the shard holding the hottest strings. Insertions of new
 * strings serialize on the mutex, which is fine when they are rare.
 * Without opts.concurrent an interner is single-owner (no locking at all).
 */
#ifndef MEMKIT_INTERN_H
#define MEMKIT_INTERN_H

#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "error.h"

MK_EXTERN_C_BEGIN

/* A handle to an interned string; 0 is never a valid symbol. */
typedef uint32_t mk_sym;

/* Options for mk_interner_init; zero fields take the defaults. */
typedef struct mk_interner_opts {
    size_t limit;                /* at most this many bytes (blocks, tables) in all; 0 = no limit */
    bool concurrent;             /* many threads may call intern/lookup/str at once */
    const mk_allocator *backing; /* where blocks and tables come from; NULL = heap. Must be thread-safe
                                    if concurrent (it is only called under the writer mutex, though) */
} mk_interner_opts;

typedef struct mk__intern_table mk__intern_table;
typedef struct mk__intern_blocks mk__intern_blocks;

typedef struct mk_interner {
    /* Read on every lookup: kept on a cache line that inserts do not write, so concurrent readers
     * do not lose it to a writer bumping the fields below. */
    mk__intern_table *table;     /* atomic pointer; NULL before the first insert */
    mk__intern_blocks *blocks;   /* atomic pointer: block index -> base */
    char pad_[64 - 2 * sizeof(void *)];
    size_t count;                /* atomic; distinct strings */
    unsigned char *pos, *end;    /* the block being filled */
    size_t cur_block;            /* its index */
    size_t string_bytes;         /* prefix + bytes + NUL of every string */
    size_t reserved;             /* bytes of blocks, tables and block indexes owned */
    size_t retired;              /* of which in retired (concurrent) tables and indexes */
    size_t limit;
    mk__intern_table *retired_tables;
    mk__intern_blocks *retired_blocks;
    const mk_allocator *backing;
    mk_arena arena;
    bool concurrent;
    pthread_mutex_t lock;        /* writers of a concurrent interner */
} mk_interner;

/* Prepares an empty interner; allocates nothing. opts may be NULL. Returns MK_ESYS if the mutex
 * cannot be created. */
MK_API mk_err mk_interner_init(mk_interner *in, const mk_interner_opts *opts) MK_NONNULL(1);

/* Frees every string, table and block; every mk_sym and string pointer of in becomes invalid. Not
 * to be called while other threads use in. */
MK_API void mk_interner_destroy(mk_interner *in) MK_NONNULL(1);

/* The symbol of s[0..len) (any bytes, embedded NULs included; len 0 is a valid string), inserting a
 * copy if it is new. Returns 0 when the byte limit would be exceeded, an allocation fails, len does
 * not fit in 32 bits or the 65536-block address space is used up; in is unchanged then. Thread-safe
 * when in is concurrent. */
MK_API mk_sym mk_intern(mk_interner *in, const void *s, size_t len) MK_NONNULL(1);

/* mk_intern of a NUL-terminated string. */
MK_INLINE mk_sym mk_intern_cstr(mk_interner *in, const char *s) { return mk_intern(in, s, strlen(s)); }

/* The symbol of s[0..len) if it was interned, else 0. Never inserts, never allocates, never locks. */
MK_API mk_sym mk_interner_lookup(const mk_interner *in, const void *s, size_t len) MK_NONNULL(1);

/* Number of distinct strings interned. */
MK_INLINE size_t mk_interner_len(const mk_interner *in) { return __atomic_load_n(&in->count, __ATOMIC_RELAXED); }

struct mk__intern_blocks {
    size_t n, cap;                  /* n is atomic: readers check symbols against it */
    mk__intern_blocks *retired_next;
    unsigned char *base[];
};

/* The canonical copy of sym: NUL-terminated (the NUL is not counted in *len), valid and unchanged
 * until mk_interner_destroy. NULL (and *len = 0) for 0 or a symbol from no block of in. sym must
 * otherwise come from this interner. len may be NULL. Thread-safe when in is concurrent. */
MK_INLINE const char *mk_interner_str(const mk_interner *in, mk_sym sym, size_t *len) {
    const mk__intern_blocks *b = __atomic_load_n(&in->blocks, __ATOMIC_ACQUIRE);
    uint32_t blk = sym >> 16;
    if (MK_UNLIKELY(sym == 0 || !b || blk >= __atomic_load_n(&b->n, __ATOMIC_ACQUIRE))) {
        if (len) *len = 0;
        return NULL;
    }
    const unsigned char *p = b->base[blk] + (sym & 0xFFFFu);
    if (len) {
        if (MK_LIKELY(p[-1] != 0xFF)) {
            *len = p[-1];
        } else {
            uint32_t n;
            memcpy(&n, p - 5, sizeof n);
            *len = n;
        }
    }
    return (const char *)p;
}

#define MK_INTERNER_STATS_VERSION 1u
struct mk_interner_stats {
    unsigned version;            /* MK_INTERNER_STATS_VERSION */
    size_t strings;              /* distinct strings */
    size_t string_bytes;         /* their bytes with length prefixes and NULs */
    size_t block_bytes;          /* bytes of string blocks (arena chunks, headers included) */
    size_t table_slots;          /* slots of the live table (8 bytes each) */
    size_t total_bytes;          /* everything the interner owns, retired tables included */
    size_t retired_bytes;        /* of which retired tables and indexes (concurrent only) */
    double bytes_per_string;     /* total_bytes / strings (0 when empty) */
};

/* Fills *out (out->version = MK_INTERNER_STATS_VERSION). Takes the writer mutex when concurrent. */
MK_API void mk_interner_stats(mk_interner *in, struct mk_interner_stats *out) MK_NONNULL(1, 2);

MK_EXTERN_C_END

#endif
