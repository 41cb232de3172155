/* count_table.h - a fixed table of blocks by address, for the counting layers' tracked blocks
 * (MK_EXPECT_NO_LEAKS) and custom allocators' annotated blocks (memkit/prof.h). Internal; shared
 * by libmemkit's sanitizer layer (count_san.c) and libmemkit-count's backend (src/count).
 *
 * Open addressing with linear probing and backward-shift deletion (no tombstones), MK__TABLE_CAP
 * slots mapped on first use (the includer defines mk__table_map: anonymous memory, never malloc),
 * filled to three quarters at most; the caller holds the table's lock. Only expectations and
 * annotations use it, never a plain malloc or free.
 */
#ifndef MEMKIT_COUNT_TABLE_H
#define MEMKIT_COUNT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "count_iface.h"

struct mk__block {
    const void *ptr;       /* NULL: empty slot */
    const void *pool;      /* annotated blocks: their pool (NULL for none) */
    const void *owner;     /* tracked blocks: the allocating thread's counters */
    struct mk__watch_hit hit;
};

struct mk__block_table {
    int lock;
    uint64_t used, lost;
    struct mk__block *slot;
};

#define MK__TABLE_CAP (1u << 15)

static void *mk__table_map(size_t n);

static inline void mk__table_lock(struct mk__block_table *t) {
    while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&t->lock, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static inline void mk__table_unlock(struct mk__block_table *t) { __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE); }

static inline size_t mk__table_slot(const void *p) {
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 49);
}

/* The slot for p (found or new), or NULL when the table is full or cannot be mapped. */
static inline struct mk__block *mk__table_put(struct mk__block_table *t, const void *p) {
    if (!t->slot && !(t->slot = (struct mk__block *)mk__table_map(sizeof(struct mk__block) * MK__TABLE_CAP)))
        return NULL;
    if (t->used >= MK__TABLE_CAP * 3 / 4) return NULL;
    size_t i = mk__table_slot(p);
    while (t->slot[i].ptr && t->slot[i].ptr != p) i = (i + 1) & (MK__TABLE_CAP - 1);
    if (!t->slot[i].ptr) t->used++;
    t->slot[i].ptr = p;
    return &t->slot[i];
}

static inline struct mk__block *mk__table_get(struct mk__block_table *t, const void *p) {
    if (!t->slot) return NULL;
    for (size_t i = mk__table_slot(p); t->slot[i].ptr; i = (i + 1) & (MK__TABLE_CAP - 1))
        if (t->slot[i].ptr == p) return &t->slot[i];
    return NULL;
}

/* Removes slot b, shifting later members of its probe run back. */
static inline void mk__table_del(struct mk__block_table *t, struct mk__block *b) {
    size_t i = (size_t)(b - t->slot), j = i;
    for (;;) {
        t->slot[i].ptr = NULL;
        for (;;) {
            j = (j + 1) & (MK__TABLE_CAP - 1);
            if (!t->slot[j].ptr) {
                t->used--;
                return;
            }
            size_t home = mk__table_slot(t->slot[j].ptr);
            /* j's entry may move to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        t->slot[i] = t->slot[j];
        i = j;
    }
}

#endif
