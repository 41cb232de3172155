/* cache.h - the rule cache: one packed rule (rule.h) per return address seen, and the generation
 * that invalidates them all at once. Internal to src/unwind.
 *
 * Two-way set associative, indexed by the PC's low bits (no hashing: the lookup is on the walk's
 * critical path, and return addresses' low bits are well spread). An entry is valid for a PC when
 * its key word equals (pc | generation bits) before and after its rule is read: a seqlock in two
 * words (a writer claims the key with a compare-and-swap, writes the rule, then publishes the key).
 * Lock-free for readers and writers, async-signal-safe, no malloc: a static array of 512 KiB whose
 * pages are touched on demand. The lookups are inline here because the walk makes one per frame.
 */
#ifndef MEMKIT_UNWIND_CACHE_H
#define MEMKIT_UNWIND_CACHE_H

#include <stdatomic.h>
#include <stdint.h>

#include "rule.h"

#define MK__CACHE_BITS 15
#define MK__GEN_MASK (~0xffffffffffffull) /* a key's generation bits */
#define MK__KEY_BUSY 1 /* a writer owns the slot; never a valid key (a key's generation is not 0) */

struct mk__cache_slot {
    _Atomic uint64_t key, val;
};

/* The cache, and the generation: advanced (mk__gen_advance) whenever the set of loaded modules may
 * have changed. The walk memo compares all 32 bits; cache keys hold 15 of them (cache.c). */
MK__UNW_HIDDEN extern struct mk__cache_slot mk__cache[1u << MK__CACHE_BITS];
MK__UNW_HIDDEN extern _Atomic unsigned mk__gen;

/* Generation g as a key's top 16 bits: its low 15 bits and a bit that is never 0, so a key is
 * never 0 and genbits 0 never hits. */
static inline uint64_t mk__genbits_of(unsigned g) { return (uint64_t)((g & 0x7fff) | 0x8000) << 48; }
static inline uint64_t mk__gen_bits(void) { return mk__genbits_of(atomic_load_explicit(&mk__gen, memory_order_acquire)); }

/* pc's key under genbits. PCs above user space are garbage and never cached (mk__rule_compute). */
static inline uint64_t mk__cache_key(uintptr_t pc, uint64_t genbits) { return pc | genbits; }

/* The two ways pc may be cached in. */
static inline struct mk__cache_slot *mk__cache_set(uintptr_t pc) {
    return &mk__cache[pc & ((1u << MK__CACHE_BITS) - 2)];
}

/* The rule in slot s if its key is k, else 0. */
static inline uint64_t mk__cache_get(struct mk__cache_slot *s, uint64_t k) {
    if (atomic_load_explicit(&s->key, memory_order_acquire) != k) return 0;
    uint64_t v = atomic_load_explicit(&s->val, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->key, memory_order_relaxed) != k) return 0;
    return v;
}

/* pc's rule, cached or 0. */
static inline uint64_t mk__cache_lookup(uintptr_t pc, uint64_t genbits) {
    struct mk__cache_slot *set = mk__cache_set(pc);
    uint64_t k = mk__cache_key(pc, genbits), r = mk__cache_get(&set[0], k);
    return r ? r : mk__cache_get(&set[1], k);
}

/* Caches rule v for pc under genbits (a slot another writer holds is skipped: not cached). */
MK__UNW_HIDDEN void mk__cache_put(uintptr_t pc, uint64_t genbits, uint64_t v);

/* Starts a new generation: every cached rule (and every walk memo) is forgotten. */
MK__UNW_HIDDEN void mk__gen_advance(void);

#endif
