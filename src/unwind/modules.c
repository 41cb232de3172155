/* modules.c - the module table (modules.h): the executable segments dl_iterate_phdr lists (it does
 * not malloc), resynced with the loader's adds/subs counters on every capture that misses the rule
 * cache.
 *
 * The one design decision: readers take no lock. A slot is rewritten only by a rescan, under a
 * per-slot sequence lock, and a reader copies the slot and checks the sequence number (mod_load).
 * A rescan marks the modules that are gone dead and puts new ones into dead slots before it
 * appends, so a program that loads and unloads libraries forever needs as many slots as it has
 * modules at once (plus those gone since the last rescan), not one per dlopen. Rescans are
 * serialized by a try-lock: a thread that finds it held goes on without the rescan rather than
 * wait, so a signal handler cannot deadlock on it; and while one runs, no capture caches what it
 * computes (mk__mods_sync fails for it), so a half-updated table is never remembered.
 */
#define _GNU_SOURCE
#include "modules.h"

#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "cache.h"
#include "dwarf.h"

#define MOD_MAX 512

struct slot {
    _Atomic unsigned seq;        /* odd while a rescan rewrites the slot */
    struct mk__mod m;            /* read and written with relaxed atomics, under seq */
};

static struct {
    struct slot slot[MOD_MAX];
    _Atomic unsigned n;          /* slots [0, n) have been used */
    atomic_flag lock;            /* held by a rescan */
    /* The loader's (adds, subs) counters when the table was last rebuilt; a rescan is needed when
     * they move (dlopen/dlclose). */
    _Atomic uint64_t adds, subs;
} table = {.lock = ATOMIC_FLAG_INIT, .adds = UINT64_MAX, .subs = UINT64_MAX};

/* Rewrites a slot (under the lock): readers that copy it meanwhile see an odd or changed seq. */
static void mod_store(struct slot *sl, const struct mk__mod *m) {
    unsigned seq = atomic_load_explicit(&sl->seq, memory_order_relaxed);
    atomic_store_explicit(&sl->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    __atomic_store_n(&sl->m.lo, m->lo, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.hi, m->hi, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.hdr, m->hdr, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.table, m->table, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.count, m->count, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.eh_lo, m->eh_lo, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.eh_hi, m->eh_hi, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->m.dead, m->dead, __ATOMIC_RELAXED);
    atomic_store_explicit(&sl->seq, seq + 2, memory_order_release);
}

/* A consistent copy of a slot into *m; 0 while a rescan is rewriting it. */
static int mod_load(struct slot *sl, struct mk__mod *m) {
    unsigned seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    if (seq & 1) return 0;
    m->lo = __atomic_load_n(&sl->m.lo, __ATOMIC_RELAXED);
    m->hi = __atomic_load_n(&sl->m.hi, __ATOMIC_RELAXED);
    m->hdr = __atomic_load_n(&sl->m.hdr, __ATOMIC_RELAXED);
    m->table = __atomic_load_n(&sl->m.table, __ATOMIC_RELAXED);
    m->count = __atomic_load_n(&sl->m.count, __ATOMIC_RELAXED);
    m->eh_lo = __atomic_load_n(&sl->m.eh_lo, __ATOMIC_RELAXED);
    m->eh_hi = __atomic_load_n(&sl->m.eh_hi, __ATOMIC_RELAXED);
    m->dead = __atomic_load_n(&sl->m.dead, __ATOMIC_RELAXED);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&sl->seq, memory_order_relaxed) == seq;
}

struct scan {
    uint64_t seen[MOD_MAX / 64];
    int changed;
};

/* The loaded segment of info's object that holds p: [*lo, *hi). 0 if none does. */
static int segment_of(const struct dl_phdr_info *info, const uint8_t *p, const uint8_t **lo, const uint8_t **hi) {
    for (int i = 0; p && i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        const uint8_t *b = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *e = b + ph->p_memsz;
        if (p >= b && p < e) {
            *lo = b, *hi = e;
            return 1;
        }
    }
    return 0;
}

static int scan_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    struct scan *s = arg;
    (void)size;
    const uint8_t *hdr = NULL, *eh_frame = NULL, *eh_lo = NULL, *eh_hi = NULL;
    size_t hdr_len = 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME) {
            hdr = (const uint8_t *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
            hdr_len = info->dlpi_phdr[i].p_memsz;
        }
    const int32_t *tab = NULL;
    uint32_t count = 0;
    /* The CFI may be read only inside the loaded segment that holds .eh_frame. */
    if (mk__dwarf_hdr(hdr, hdr_len, &tab, &count, &eh_frame) < 0 ||
        !segment_of(info, eh_frame ? eh_frame : hdr, &eh_lo, &eh_hi))
        tab = NULL, count = 0, eh_lo = eh_hi = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        unsigned n = atomic_load_explicit(&table.n, memory_order_relaxed), j, free = n;
        for (j = 0; j < n; j++) {
            const struct mk__mod *m = &table.slot[j].m; /* only rescans write slots: plain reads here */
            if (m->dead) {
                if (free == n) free = j;
                continue;
            }
            /* Equal fields make an equal entry, whichever object now lies there. */
            if (m->lo == lo && m->hi == hi && m->hdr == hdr && m->table == tab && m->count == count &&
                m->eh_lo == eh_lo && m->eh_hi == eh_hi)
                break;
        }
        if (j < n) {
            s->seen[j / 64] |= 1ull << (j % 64);
            continue;
        }
        if (free == MOD_MAX) continue; /* full: frames there take the frame-pointer step */
        struct mk__mod m = {lo, hi, hdr, tab, count, eh_lo, eh_hi, 0};
        mod_store(&table.slot[free], &m);
        if (free == n) atomic_store_explicit(&table.n, n + 1, memory_order_release);
        s->seen[free / 64] |= 1ull << (free % 64);
        s->changed = 1;
    }
    return 0;
}

static int first_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    uint64_t *c = arg;
    (void)size;
    c[0] = info->dlpi_adds;
    c[1] = info->dlpi_subs;
    return 1;
}

int mk__mods_sync(void) {
    uint64_t c[2] = {0, 0};
    dl_iterate_phdr(first_cb, c);
    if (c[0] == atomic_load_explicit(&table.adds, memory_order_acquire) &&
        c[1] == atomic_load_explicit(&table.subs, memory_order_acquire))
        return 1;
    if (atomic_flag_test_and_set_explicit(&table.lock, memory_order_acquire)) return 0;
    struct scan s;
    memset(&s, 0, sizeof s);
    dl_iterate_phdr(first_cb, c);
    dl_iterate_phdr(scan_cb, &s);
    unsigned n = atomic_load_explicit(&table.n, memory_order_relaxed);
    for (unsigned j = 0; j < n; j++)
        if (!(s.seen[j / 64] >> (j % 64) & 1) && !table.slot[j].m.dead) {
            struct mk__mod gone = table.slot[j].m;
            gone.dead = 1;
            mod_store(&table.slot[j], &gone);
            s.changed = 1;
        }
    /* Any change may have put other code (with other rules) at a cached PC: drop every rule. */
    mk__gen_advance();
    atomic_store_explicit(&table.adds, c[0], memory_order_release);
    atomic_store_explicit(&table.subs, c[1], memory_order_release);
    atomic_flag_clear_explicit(&table.lock, memory_order_release);
    return 1;
}

int mk__mod_find(uintptr_t pc, struct mk__mod *m) {
    unsigned n = atomic_load_explicit(&table.n, memory_order_acquire);
    for (unsigned j = 0; j < n; j++)
        if (mod_load(&table.slot[j], m) && !m->dead && pc >= m->lo && pc < m->hi) return 1;
    return 0;
}

void mk__mods_stale(void) { atomic_store_explicit(&table.adds, UINT64_MAX, memory_order_release); }
