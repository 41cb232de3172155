/* cache.c - the rule cache's writer and its generations (cache.h).
 *
 * A key keeps 15 bits of the generation, which come round again every 32768 generations (a program
 * that loads and unloads libraries in a loop gets there: each dlclose starts two or three). So every
 * SWEEP_EVERY generations the rules of every older generation are dropped: a key then never lives
 * 32768 generations and cannot be mistaken for a current one. (A rule computed under an older
 * generation and stored just after a sweep is dropped by the next one.)
 */
#include "cache.h"

struct mk__cache_slot mk__cache[1u << MK__CACHE_BITS];
_Atomic unsigned mk__gen = 1;

#define SWEEP_EVERY 8192u

void mk__cache_put(uintptr_t pc, uint64_t genbits, uint64_t v) {
    struct mk__cache_slot *set = mk__cache_set(pc), *s = &set[1];
    /* A way that is empty or of an older generation, else evict the second way: an entry that
     * was just filled in the first way stays. */
    uint64_t k0 = atomic_load_explicit(&set[0].key, memory_order_relaxed);
    if (!k0 || (k0 != MK__KEY_BUSY && (k0 & MK__GEN_MASK) != genbits)) s = &set[0];
    /* Writers exclude each other by claiming the key (two writers of different PCs interleaving
     * their stores would publish one PC's key over the other's rule). A slot being written, by
     * another thread or by the code this signal handler interrupted, is simply not cached into. */
    uint64_t old = atomic_load_explicit(&s->key, memory_order_relaxed);
    if (old == MK__KEY_BUSY ||
        !atomic_compare_exchange_strong_explicit(&s->key, &old, MK__KEY_BUSY, memory_order_acquire,
                                                 memory_order_relaxed))
        return;
    atomic_store_explicit(&s->val, v, memory_order_relaxed);
    atomic_store_explicit(&s->key, mk__cache_key(pc, genbits), memory_order_release);
}

static void sweep(unsigned g) {
    uint64_t cur = mk__genbits_of(g);
    for (unsigned i = 0; i < (1u << MK__CACHE_BITS); i++) {
        uint64_t k = atomic_load_explicit(&mk__cache[i].key, memory_order_relaxed);
        if (k && k != MK__KEY_BUSY && (k & MK__GEN_MASK) != cur)
            atomic_compare_exchange_strong_explicit(&mk__cache[i].key, &k, 0, memory_order_relaxed,
                                                    memory_order_relaxed);
    }
}

void mk__gen_advance(void) {
    unsigned g = atomic_fetch_add_explicit(&mk__gen, 1, memory_order_acq_rel) + 1;
    if (g % SWEEP_EVERY == 0) sweep(g);
}
