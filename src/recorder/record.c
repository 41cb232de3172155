/* record.c - the profiler backend: sites, live blocks and DHAT's accounting, O(1) per event.
 *
 * Per allocation: capture the stack (mk__backtrace), find or insert its site in a hash table that is
 * read without locks (inserts take one lock), update the site's figures under one of 256 striped
 * locks, update the global live bytes/blocks and peak, and insert the live block {address -> size,
 * site, birth, realloc count} into one of MK_NSHARDS (16) address-hashed shards, each with its own small lock.
 * While the process has a single thread (glibc's __libc_single_threaded) the locks and atomics are
 * skipped: that is most programs, and the difference is most of the recorder's cost.
 *
 * The accounting is valgrind DHAT's (dhat/dh_main.c), so the figures agree on deterministic
 * programs: a zero-byte request counts as one byte; realloc is one more block in the totals on the
 * original block's site and keeps the block's birth; the global peak is the latest of equal peaks
 * (>=); a site's mb/mbk are its live bytes/blocks the last time an allocation or realloc of its own
 * reached a global peak (DHAT updates them only there). gb/gbk, each site's live figures at the
 * global peak, are kept lazily instead of by walking every site at each peak: a peak bumps a
 * sequence number, a site remembers the number current before its last change, and a site whose
 * number differs when it next changes (or at exit) saves its live figures, which are the ones it had
 * at the latest peak.
 */
#define _GNU_SOURCE
#include "record.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "fast.h"
#include "../interpose/hooks.h"
#include "../format/raw.h"
#include "../unwind/unwind.h"

struct mk__rec mk__rec __attribute__((aligned(4096))); /* whole pages: state.c may map the state file over them */

extern char __libc_single_threaded;
extern char __ehdr_start[] __attribute__((visibility("hidden")));
extern char __etext[] __attribute__((visibility("hidden")));

__thread struct mk__rec_tls mk__rt;
#define rt mk__rt

/* ---- locks: real only once the process has threads ---- */

/* A plain read, so the compiler reads it once per event: it only goes from 1 to 0 in pthread_create
 * (and back in a fork child), never while this thread is inside an event. */
static inline int mt(void) { return !__libc_single_threaded; }

/* A lock whose holder the kernel descheduled (64 threads on 2 cores) is not spun on for a whole
 * time slice: after a short spin the waiter gives its core away. */
static __attribute__((noinline)) void spin_lock_slow(int *l) {
    for (unsigned n = 0;; n++) {
        if (!__atomic_load_n(l, __ATOMIC_RELAXED) && !__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) return;
        if (n < 100) __builtin_ia32_pause();
        else sched_yield();
    }
}

static inline void spin_lock(int *l) {
    if (__builtin_expect(__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE), 0)) spin_lock_slow(l);
}
static inline void spin_unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }
static inline int lock_if(int *l) {
    if (!mt()) return 0;
    spin_lock(l);
    return 1;
}
static inline void unlock_if(int *l, int locked) {
    if (locked) spin_unlock(l);
}
static inline int *stripe(uint32_t site) { return &mk__rec.stripes[(site % MK_NSTRIPES) * 16]; }

/* ---- the clock ----
 * rdtsc costs 12-30 ns on a virtual machine, as much as a whole malloc/free pair, and an exact
 * profile needs a time at every event. So a thread reads it once per MK_CLOCK_EVERY events while
 * its events are dense (that many took under MK_CLOCK_DENSE_NS each on average), and the events
 * in between reuse the last reading; once they are sparser it reads the clock at every event
 * again. Resolution: a time is late by at most the time the thread took for its last
 * MK_CLOCK_EVERY events (about 2 us on P1) while dense, exact while sparse; but after a pause that
 * follows a burst, up to MK_CLOCK_EVERY - 1 events reuse the reading from before the pause
 * (src/recorder/README.md, "Time"). Times only feed lifetimes (tl, short-lived) and t-gmax; no byte
 * or block figure depends on them. */
#define MK_CLOCK_EVERY 16
#define MK_CLOCK_DENSE_NS 250

static __attribute__((noinline)) uint64_t clock_read(void) {
    uint64_t t = __rdtsc();
    int dense = t - rt.tsc <= mk__rec.dense_ticks * (uint64_t)rt.clock_window;
    rt.clock_left = dense ? MK_CLOCK_EVERY - 1 : 0;
    rt.clock_window = rt.clock_left + 1;
    rt.tsc = t;
    if (__builtin_expect(t >= mk__rec.hdr.tl_next, 0)) mk__state_tick(t); /* the timeline (state.c) */
    return t;
}

static inline uint64_t clock_tsc(void) {
    if (__builtin_expect(rt.clock_left > 0, 1)) {
        rt.clock_left--;
        return rt.tsc;
    }
    return clock_read();
}

static inline uint64_t bt_now(void) { return (clock_tsc() - mk__rec.tsc0) >> MK_BT_SHIFT; }

/* ---- configuration and start ---- */

static uint64_t mono_ns(void) {
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A variable's value as a byte count (src/format/limits.h); *ok 0 when unset or not one. */
static uint64_t parse_u64(const char *s, int *ok) {
    uint64_t v = 0;
    *ok = mk__parse_size(s, &v) == 0;
    return v;
}

static int recording; /* initialized and meant to write a profile */
static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

void mk__backend_init(void) {
    int ok;
    mk__rec.pid = (uint64_t)syscall(SYS_getpid);
    mk__rec.ppid = (uint64_t)syscall(SYS_getppid);
    const char *root = getenv("MEMKIT_ROOT_PID");
    const char *ff = getenv("MEMKIT_FOLLOW_FORK");
    mk__rec.follow_fork = ff && ff[0] == '1' && ff[1] == 0;
    uint64_t rootpid = parse_u64(root, &ok);
    if (ok && rootpid != mk__rec.pid && !mk__rec.follow_fork) return; /* not ours to record: stay inactive */
    if (ok && rootpid != mk__rec.pid) mk__rec.flags |= MK_RAW_CHILD;

    uint64_t d = parse_u64(getenv("MEMKIT_DEPTH"), &ok);
    mk__rec.depth = !ok ? MK_DEFAULT_DEPTH : d < 1 ? 1 : d > MK_MAX_DEPTH ? MK_MAX_DEPTH : (int)d;
    mk__rec.sample = parse_u64(getenv("MEMKIT_SAMPLE"), &ok);
    if (!ok) mk__rec.sample = 0;
    if (mk__rec.sample) mk__rec.flags |= MK_RAW_SAMPLED;
    const char *out = getenv("MEMKIT_OUT");
    if (!out || !*out) out = "memkit.%p.raw";
    /* A relative path is taken from the working directory at start: the program may chdir before
     * it exits. getcwd with a buffer does not allocate. */
    size_t n = strlen(out), dl = 0;
    if (out[0] != '/') {
        if (!getcwd(mk__rec.out_template, sizeof mk__rec.out_template - 1)) return;
        dl = strlen(mk__rec.out_template);
        mk__rec.out_template[dl++] = '/';
    }
    if (dl + n >= sizeof mk__rec.out_template) return; /* unusable path: record nothing rather than truncate it */
    memcpy(mk__rec.out_template + dl, out, n + 1);

    mk__rec.self_lo = (uintptr_t)__ehdr_start;
    mk__rec.self_hi = (uintptr_t)__etext;

    /* The clock: rdtsc costs a few nanoseconds where clock_gettime costs tens, and every event reads
     * it. A 200 us calibration here gives the short-lived threshold; the exit recalibrates over the
     * whole run for the figures written. */
    uint64_t t0 = __rdtsc(), n0 = mono_ns(), n1;
    while ((n1 = mono_ns()) - n0 < 200000) __builtin_ia32_pause();
    uint64_t t1 = __rdtsc();
    mk__rec.ticks_per_us = (double)(t1 - t0) * 1000.0 / (double)(n1 - n0);
    if (mk__rec.ticks_per_us < 1) mk__rec.ticks_per_us = 1;
    mk__rec.tsc0 = t0;
    mk__rec.ns0 = n0;
    mk__rec.short_bt = (uint64_t)(MK_RAW_SHORT_LIVED_US * mk__rec.ticks_per_us) >> MK_BT_SHIFT;
    mk__rec.dense_ticks = (uint64_t)(MK_CLOCK_DENSE_NS * mk__rec.ticks_per_us / 1000.0);

    /* With MEMKIT_STATE the sites and figures live in a shared file that outlives the process
     * (state.c); the site index and the live table stay private: no reader needs them. */
    mk__state_open(getenv("MEMKIT_STATE"));
    mk__rec.slots = mk__sys_map(sizeof(uint32_t) * MK_SITE_SLOTS, 1);
    mk__rec.sites = mk__state_sites();
    if (!mk__rec.sites) mk__rec.sites = mk__sys_map(sizeof(void *) * MK_MAX_SITES, 1);
    mk_arena_opts ao = {0};
    ao.first_chunk = 64 << 10;
    ao.max_chunk = 4 << 20;
    ao.backing = mk__state_allocator();
    if (!mk__rec.slots || !mk__rec.sites || mk_arena_init(&mk__rec.site_arena, &ao) != MK_OK) return;
    /* Sampled: the shadow for unsampled blocks (see "unsampled blocks"). 8 TiB of address space,
     * reserved without commitment; a system that refuses (overcommit disabled, an address-space
     * limit) gets the live table for every block instead, which is slower but as exact. */
    if (mk__rec.sample && !getenv("MEMKIT_NO_SHADOW")) mk__rec.shadow = mk__sys_map(MK_SHADOW_TOP >> 4, 1);
    mk__rec.sites[0] = mk_arena_zalloc(&mk__rec.site_arena, sizeof(struct mk__rec_site), 16); /* the sentinel */
    if (!mk__rec.sites[0]) return;
    mk__rec.nsites = 1;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    recording = 1;
    mk__hooks_set_active(1);
}

/* ---- sites ---- */

/* Two independent lanes of rotate-xor-add, mixed once at the end: a frame costs about a cycle
 * instead of a multiply chained through the whole stack. Collisions only cost a compare. */
static inline uint64_t hash_stack(const uintptr_t *f, int n) {
    uint64_t a = 0x243F6A8885A308D3ull ^ (uint64_t)n, b = 0x13198A2E03707344ull;
    int i = 0;
    for (; i + 1 < n; i += 2) {
        a = ((a << 23) | (a >> 41)) ^ f[i];
        b = ((b << 29) | (b >> 35)) + f[i + 1];
    }
    if (i < n) a += f[i];
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

static inline int same_frames(const uintptr_t *x, const uintptr_t *y, int n) {
    for (int i = 0; i < n; i++)
        if (x[i] != y[i]) return 0;
    return 1;
}

static __attribute__((noinline)) uint32_t site_insert(uint64_t h, const uintptr_t *f, int n, uint32_t i) {
    int locked = 1;
    spin_lock(&mk__rec.site_lock);
    uint32_t s;
    for (;; i = (i + 1) & (MK_SITE_SLOTS - 1)) {
        s = __atomic_load_n(&mk__rec.slots[i], __ATOMIC_ACQUIRE);
        if (!s) break;
        struct mk__rec_site *st = mk__rec.sites[s];
        if (st->hash == h && st->nframes == (uint32_t)n && !memcmp(st->frames, f, sizeof *f * (size_t)n)) goto done;
    }
    s = 0;
    if (mk__rec.nsites >= MK_MAX_SITES || (mk__state_on && !mk__state_site_room(mk__rec.nsites))) {
        if (mk__state_on) mk__rec.hdr.state_flags |= MK_STATE_INCOMPLETE;
        mk__rec.flags |= MK_RAW_TRUNCATED;
        goto done;
    }
    struct mk__rec_site *st = mk_arena_zalloc(&mk__rec.site_arena, sizeof *st + sizeof *f * (size_t)n, 16);
    if (!st) {
        mk__rec.flags |= MK_RAW_TRUNCATED;
        goto done;
    }
    st->hash = h;
    st->nframes = (uint32_t)n;
    st->kind = MK_FN_LAST + 1; /* unset */
    st->min_size = UINT64_MAX;
    st->seq = __atomic_load_n(&mk__rec.peak_seq, __ATOMIC_RELAXED);
    memcpy(st->frames, f, sizeof *f * (size_t)n);
    s = mk__rec.nsites;
    mk__rec.sites[s] = st;
    __atomic_store_n(&mk__rec.nsites, s + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&mk__rec.slots[i], s, __ATOMIC_RELEASE);
done:
    unlock_if(&mk__rec.site_lock, locked);
    if (s) mk__state_new_site(); /* new code may have been loaded: the module list in the state */
    return s;
}

/* The site of the current call stack. Always inlined into the backend entry, so the recorder's own
 * frames above the program are the backend entry and the hook; they are dropped by address. */
static inline __attribute__((always_inline)) uint32_t current_site(const void *frame, uint64_t salt) {
    uintptr_t pcs[MK_MAX_DEPTH];
    uint32_t s;
    /* The recorder's frames (built with frame pointers) are skipped by their rbp links, not walked;
     * any left (a link that looked unsound) are dropped by address below. A walk this thread made
     * before from the same place, over the same stack words, has its site remembered. */
    int n = mk__backtrace_memo(frame, pcs, mk__rec.depth, mk__rec.self_lo, mk__rec.self_hi, &s);
    if (n < 0) return s;
    int i = 0;
    while (i < n && pcs[i] >= mk__rec.self_lo && pcs[i] < mk__rec.self_hi) i++;
    const uintptr_t *f = pcs + i;
    n -= i;
    if (n > mk__rec.depth) n = mk__rec.depth;
    uint64_t h = hash_stack(f, n) ^ salt; /* salt: custom blocks never share a malloc site */
    uint32_t slot = (uint32_t)(h >> 40) & (MK_SITE_SLOTS - 1);
    for (;; slot = (slot + 1) & (MK_SITE_SLOTS - 1)) {
        s = __atomic_load_n(&mk__rec.slots[slot], __ATOMIC_ACQUIRE);
        if (!s) {
            s = site_insert(h, f, n, slot);
            break;
        }
        const struct mk__rec_site *st = mk__rec.sites[s];
        if (st->hash == h && st->nframes == (uint32_t)n && same_frames(st->frames, f, n)) break;
    }
    mk__backtrace_memo_set(s);
    return s;
}

/* ---- the live-block table ---- */

/* Where a block's entry lives: its 512-byte window of memory is hashed to a shard and a random
 * starting slot, and the block's offset in the window (in 32-byte units, glibc's smallest chunk) is
 * added to that slot. Blocks that malloc hands out next to each other therefore share cache lines of
 * the table, so a program that allocates millions of blocks does not miss the cache on every event
 * (P3, 2.5M live strings, single runs: 7x native with a plain multiplicative hash of the address,
 * about 3x with these windows). Windows are kept short (16 slots): long runs of neighbours merge
 * into long clusters under linear probing (4 KiB windows were 1.5x slower on P3 than 512 bytes).
 * Tables have at least MK_SHARD_MIN (>= 16) slots, so one subtraction wraps the sum. */
#define MK_SHARD_MIN 256
static inline uint64_t page_hash(uint64_t a) { return (a >> 9) * 0x9E3779B97F4A7C15ull; }
static inline struct mk__shard *shard_of(uint64_t a) { return &mk__rec.shards[page_hash(a) >> 60]; }
static inline uint64_t home_of(uint64_t a, uint64_t cap) {
    uint64_t h = (uint64_t)(((unsigned __int128)(page_hash(a) << 4) * cap) >> 64) + ((a >> 5) & 15);
    return h >= cap ? h - cap : h;
}

/* Grows a shard by half (tables stay between 53% and 80% full: 30-45 bytes per live block). */
static int shard_grow(struct mk__shard *sh) {
    uint64_t want = sh->cap ? sh->cap + sh->cap / 2 : MK_SHARD_MIN;
    size_t bytes = (want * sizeof(struct mk__live) + 4095) & ~(size_t)4095;
    uint64_t cap = bytes / sizeof(struct mk__live);
    struct mk__live *e = mk__sys_map(bytes, 2); /* the rehash below touches all of it */
    if (!e) return 0;
    for (uint64_t i = 0; i < sh->cap; i++) {
        if (!sh->e[i].addr) continue;
        uint64_t j = home_of(sh->e[i].addr, cap);
        while (e[j].addr) j = j + 1 == cap ? 0 : j + 1;
        e[j] = sh->e[i];
    }
    if (sh->e) mk__sys_unmap(sh->e, sh->cap * sizeof(struct mk__live));
    sh->e = e;
    sh->cap = cap;
    return 1;
}

/* Inserts b. Returns 1 if it replaced a stale entry for the same address (then *stale holds it:
 * a block freed where the recorder could not see it, e.g. by a signal handler inside the recorder),
 * 0 if inserted, -1 when out of memory. */
static inline __attribute__((always_inline)) int live_insert(const struct mk__live *b, struct mk__live *stale) {
    struct mk__shard *sh = shard_of(b->addr);
    int locked = lock_if(&sh->lock), r = 0;
    if ((sh->count + 1) * 5 > sh->cap * 4 && !shard_grow(sh)) {
        if (!sh->cap) {
            unlock_if(&sh->lock, locked);
            return -1;
        }
    }
    uint64_t i = home_of(b->addr, sh->cap);
    for (;;) {
        if (!sh->e[i].addr) break;
        if (sh->e[i].addr == b->addr) {
            *stale = sh->e[i];
            r = 1;
            break;
        }
        i = i + 1 == sh->cap ? 0 : i + 1;
    }
    if (!r) sh->count++;
    sh->e[i] = *b;
    unlock_if(&sh->lock, locked);
    return r;
}

static inline __attribute__((always_inline)) int live_remove(uint64_t addr, struct mk__live *out) {
    struct mk__shard *sh = shard_of(addr);
    int locked = lock_if(&sh->lock);
    if (!sh->cap) {
        unlock_if(&sh->lock, locked);
        return 0;
    }
    uint64_t cap = sh->cap, i = home_of(addr, cap);
    for (;;) {
        if (!sh->e[i].addr) {
            unlock_if(&sh->lock, locked);
            return 0;
        }
        if (sh->e[i].addr == addr) break;
        i = i + 1 == cap ? 0 : i + 1;
    }
    *out = sh->e[i];
    /* Backward-shift deletion: no tombstones, so probes stay short under churn. */
    uint64_t j = i, k = i;
    for (;;) {
        k = k + 1 == cap ? 0 : k + 1;
        if (!sh->e[k].addr) break;
        uint64_t home = home_of(sh->e[k].addr, cap);
        uint64_t dist_home = k >= home ? k - home : k + cap - home, dist_hole = k >= j ? k - j : k + cap - j;
        if (dist_home >= dist_hole) {
            sh->e[j] = sh->e[k];
            j = k;
        }
    }
    sh->e[j].addr = 0;
    sh->count--;
    unlock_if(&sh->lock, locked);
    return 1;
}

/* ---- sampling weights ---- */

/* A block of size bytes is sampled with probability 1 - exp(-size / sample), so it stands for
 * 1 / p blocks and size / p bytes (jemalloc's unbiased estimate). Deterministic in size, so the
 * free subtracts exactly what the allocation added. */
static inline void weigh(uint64_t size, uint64_t *wb, uint64_t *wk) {
    if (!mk__rec.sample) {
        *wb = size;
        *wk = 1;
        return;
    }
    double p = -expm1(-(double)size / (double)mk__rec.sample);
    double k = p > 0 ? 1.0 / p : 1.0;
    *wk = (uint64_t)(k + 0.5);
    *wb = (uint64_t)((double)size * k + 0.5);
    if (!*wk) *wk = 1;
}

static inline uint64_t rng_next(void) {
    if (!rt.rng) rt.rng = __rdtsc() ^ (uintptr_t)&rt;
    uint64_t z = (rt.rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline int64_t draw_interval(void) {
    double u = ((double)(rng_next() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double v = -log(u) * (double)mk__rec.sample;
    return v > 9e18 ? INT64_MAX : (int64_t)v + 1;
}

/* ---- global figures ---- */

/* One thread: the live totals just reached a global peak (>=: the latest of equal peaks). tsc 0:
 * read the clock for its time. */
static inline void peak_single(uint64_t tsc) {
    mk__rec.max_bytes = mk__rec.live_bytes;
    mk__rec.max_blocks = mk__rec.live_blocks;
    mk__rec.tgmax_tsc = tsc ? tsc : clock_tsc();
    mk__rec.peak_seq++;
    if (__builtin_expect(mk__rec.max_bytes >= mk__rec.snap_next, 0)) mk__state_crossed(mk__rec.tgmax_tsc);
}

/* The unsampled fast path (fast.h) reached a new global peak. */
void mk__fast_peak(void) { peak_single(0); }

/* Adds delta bytes and dblocks to the live totals; returns nonzero when that reached a global peak,
 * with *seq_before the peak sequence number before it (see the top of the file). tsc 0: the caller
 * has not read the clock; it is read only if the peak needs its time. */
static inline __attribute__((always_inline)) int global_add(int64_t delta, int64_t dblocks, uint64_t tsc, uint64_t *seq_before) {
    uint64_t nb, nk;
    if (!mt()) {
        nb = mk__rec.live_bytes += (uint64_t)delta;
        mk__rec.live_blocks += (uint64_t)dblocks;
        *seq_before = mk__rec.peak_seq;
        if (nb < mk__rec.max_bytes) return 0;
        peak_single(tsc);
        return 1;
    }
    nb = __atomic_add_fetch(&mk__rec.live_bytes, (uint64_t)delta, __ATOMIC_RELAXED);
    nk = __atomic_add_fetch(&mk__rec.live_blocks, (uint64_t)dblocks, __ATOMIC_RELAXED);
    *seq_before = __atomic_load_n(&mk__rec.peak_seq, __ATOMIC_RELAXED);
    if (nb < __atomic_load_n(&mk__rec.max_bytes, __ATOMIC_RELAXED)) return 0;
    int r = 0;
    spin_lock(&mk__rec.peak_lock);
    if (nb >= mk__rec.max_bytes) {
        *seq_before = mk__rec.peak_seq;
        __atomic_store_n(&mk__rec.max_bytes, nb, __ATOMIC_RELAXED);
        mk__rec.max_blocks = nk;
        mk__rec.tgmax_tsc = tsc ? tsc : clock_tsc();
        __atomic_store_n(&mk__rec.peak_seq, mk__rec.peak_seq + 1, __ATOMIC_RELAXED);
        r = 1;
        if (__builtin_expect(nb >= mk__rec.snap_next, 0)) mk__state_crossed(mk__rec.tgmax_tsc);
    }
    spin_unlock(&mk__rec.peak_lock);
    return r;
}

static inline void global_sub(uint64_t bytes) {
    if (!mt()) {
        mk__rec.live_bytes -= bytes;
        mk__rec.live_blocks--;
    } else {
        __atomic_sub_fetch(&mk__rec.live_bytes, bytes, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&mk__rec.live_blocks, 1, __ATOMIC_RELAXED);
    }
}

static inline void save_gb(struct mk__rec_site *st, uint64_t seq_before) {
    if (st->seq != seq_before) {
        st->gb = st->live;
        st->gbk = st->livek;
    }
}

static inline void note_size(struct mk__rec_site *st, uint64_t size, uint64_t wk) {
    if (size < st->min_size) st->min_size = size;
    if (size > st->max_size) st->max_size = size;
    if (size <= 24) st->small += wk;
}

/* ---- unsampled blocks ----
 * With sampling, most blocks have no site, and all the recorder needs at their free is their
 * requested size, for the exact live totals and peak. glibc's chunk header already holds the
 * usable size, which exceeds the request by less than 255 bytes except for mmap'ed chunks; so one
 * byte per 16-byte granule of address space (glibc's chunks are 16-byte aligned) keeps
 * usable - size + 1, and 0 means "not here: look in the live table". That is a store at malloc and
 * a load and a store at free, where the table costs a hashed insert and a delete; the shadow's
 * pages cost 1/16 of the heap's extent at most (the profile reports what is resident). A block
 * freed where the recorder could not see it (a signal handler that interrupted the recorder)
 * leaves its byte set; the next block at that address finds it and counts the lost one in
 * MK_RAW_TRUNCATED's sense: its bytes stay in the live figures. */

/* Marks p (a block of sz bytes without a site) in the shadow; 0 when it cannot (no shadow, an
 * odd address or a large slack), and then it goes to the live table. */
static inline int shadow_put(uintptr_t p, uint64_t sz) {
    uint8_t *b = mk__shadow_byte(p);
    unsigned code = b ? mk__shadow_code(p, sz) : 0;
    if (!code) return 0;
    if (__builtin_expect(*b != 0, 0)) mk__rec.flags |= MK_RAW_TRUNCATED; /* see above */
    *b = (uint8_t)code;
    return 1;
}

/* The size of p if the shadow has it (and forgets it), else 0. */
static inline uint64_t shadow_take(uintptr_t p) {
    uint8_t *b = mk__shadow_byte(p);
    unsigned v = b ? *b : 0;
    if (!v) return 0;
    *b = 0;
    return mk__shadow_size(p, v);
}

/* The live totals and site 0's raw figures, for an unsampled block that came or went. */
/* Counted with the fast path's unsampled totals: plain adds for one thread, atomic adds (not a lock
 * on site 0 that every thread would queue on) for several. */
static inline void unsampled_alloc(uint64_t sz) {
    uint64_t seq;
    global_add((int64_t)sz, 1, 0, &seq);
    if (!mt()) {
        mk__rec.uns_tb += sz;
        mk__rec.uns_tbk++;
    } else {
        __atomic_add_fetch(&mk__rec.uns_tb, sz, __ATOMIC_RELAXED);
        __atomic_add_fetch(&mk__rec.uns_tbk, 1, __ATOMIC_RELAXED);
    }
}

static inline void unsampled_free(uint64_t sz) {
    global_sub(sz);
    if (!mt()) mk__rec.uns_frees++;
    else __atomic_add_fetch(&mk__rec.uns_frees, 1, __ATOMIC_RELAXED);
}

/* ---- events ---- */

static inline void first_in_thread(void) {
    if (!rt.seen) {
        rt.seen = 1;
        __atomic_add_fetch(&mk__rec.threads, 1, __ATOMIC_RELAXED);
        if (mk__rec.sample) rt.countdown = draw_interval(); /* not "sample the first block" */
    }
}

/* Folds a block that ended (freed, or found stale) into its site. now is in bt units. */
static inline __attribute__((always_inline)) void retire(const struct mk__live *b, uint64_t now, int temporary) {
    uint32_t s = MK_LIVE_SITE(b);
    uint64_t size = MK_LIVE_SIZE(b), birth = MK_LIVE_BIRTH(b);
    struct mk__rec_site *st = mk__rec.sites[s];
    global_sub(size);
    uint64_t seq = __atomic_load_n(&mk__rec.peak_seq, __ATOMIC_RELAXED);
    int locked = lock_if(stripe(s));
    st->raw_frees++;
    if (s) {
        uint64_t wb, wk;
        weigh(size, &wb, &wk);
        save_gb(st, seq);
        uint64_t life = now > birth ? now - birth : 0; /* another thread's clock may lag */
        st->live -= wb;
        st->livek -= wk;
        st->birth_sum -= birth * wk;
        st->tl += life * wk;
        if (life < mk__rec.short_bt) st->short_lived += wk;
        if (temporary) st->temporary += wk;
        st->seq = seq;
    }
    unlock_if(stripe(s), locked);
}

/* tsc: read by the caller as early as it could, so the clock's latency (tens of nanoseconds on a
 * virtual machine) overlaps the stack walk instead of stalling here. */
static inline __attribute__((always_inline)) uint64_t site_alloc(uint64_t size, unsigned fn, uint32_t s, uint64_t tsc) {
    uint64_t now = (tsc - mk__rec.tsc0) >> MK_BT_SHIFT, seq;
    int peak = global_add((int64_t)size, 1, tsc, &seq);
    struct mk__rec_site *st = mk__rec.sites[s];
    int locked = lock_if(stripe(s));
    st->raw_tb += size;
    st->raw_tbk++;
    if (s) {
        uint64_t wb, wk;
        weigh(size, &wb, &wk);
        save_gb(st, seq);
        st->live += wb;
        st->livek += wk;
        st->tb += wb;
        st->tbk += wk;
        st->birth_sum += now * wk;
        if (peak) {
            st->mb = st->live;
            st->mbk = st->livek;
        }
        note_size(st, size, wk);
        if (st->kind > MK_FN_LAST) st->kind = fn;
        st->seq = seq;
    }
    unlock_if(stripe(s), locked);
    return now;
}

static inline __attribute__((always_inline)) void record_block(uintptr_t p, uint64_t size, unsigned fn, uint32_t s, uint64_t tsc) {
    uint64_t now = site_alloc(size, fn, s, tsc);
    struct mk__live b = {p, MK_LIVE_SR(size, 0), MK_LIVE_SB(s, now)}, stale;
    int r = live_insert(&b, &stale);
    if (r == 1) retire(&stale, now, 0);
    else if (r < 0) {
        mk__rec.flags |= MK_RAW_TRUNCATED; /* counted as allocated, never as freed */
    }
}

void mk__on_alloc(void *p, size_t size, unsigned fn, const void *frame) {
    first_in_thread();
    uint64_t sz = size ? size : 1; /* DHAT counts a zero-byte request as one byte */
    rt.last_alloc = (uintptr_t)p;
    uint32_t s;
    uint64_t tsc;
    if (mk__rec.sample) {
        if ((rt.countdown -= (int64_t)sz) > 0) {
            if (shadow_put((uintptr_t)p, sz)) {
                unsampled_alloc(sz);
                return;
            }
            s = 0;
            tsc = clock_tsc(); /* only for t-gmax: unsampled blocks have no site */
        } else {
            tsc = clock_tsc();
            rt.countdown = draw_interval();
            s = current_site(frame, 0);
        }
    } else {
        tsc = clock_tsc();
        s = current_site(frame, 0);
    }
    record_block((uintptr_t)p, sz, fn, s, tsc);
}

size_t mk__on_free(void *p) {
    struct mk__live b;
    uint64_t sz = shadow_take((uintptr_t)p);
    if (sz) {
        if (rt.last_alloc == (uintptr_t)p) rt.last_alloc = 0;
        unsampled_free(sz);
        return sz;
    }
    uint64_t tsc = mk__rec.sample ? 0 : clock_tsc(); /* early, as in record_block */
    if (!live_remove((uintptr_t)p, &b)) {
        __atomic_add_fetch(&mk__rec.unknown_frees, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int temporary = rt.last_alloc == (uintptr_t)p;
    if (temporary) rt.last_alloc = 0;
    if (MK_LIVE_SITE(&b) && !tsc) tsc = clock_tsc();
    retire(&b, (tsc - mk__rec.tsc0) >> MK_BT_SHIFT, temporary);
    return MK_LIVE_SIZE(&b);
}

void mk__realloc_take(void *old, struct mk__realloc_tok *t) {
    struct mk__live b;
    uint64_t sz = shadow_take((uintptr_t)old);
    if (sz) {
        b = (struct mk__live){(uintptr_t)old, MK_LIVE_SR(sz, 0), MK_LIVE_SB(0, 0)};
        t->found = 1;
    } else {
        t->found = live_remove((uintptr_t)old, &b);
    }
    if (t->found) memcpy(t->w, &b, sizeof b);
}

size_t mk__realloc_done(struct mk__realloc_tok *t, void *newp, size_t size, const void *frame) {
    struct mk__live b, stale;
    if (!t->found) {
        if (newp) {
            mk__on_alloc(newp, size, MK_FN_REALLOC, frame);
            mk__rec.sites[0]->raw_reallocs++; /* approximate under threads; only for the totals */
        } else if (size == 0) {
            __atomic_add_fetch(&mk__rec.unknown_frees, 1, __ATOMIC_RELAXED);
        }
        return 0;
    }
    memcpy(&b, t->w, sizeof b);
    uint64_t old_size = MK_LIVE_SIZE(&b), birth = MK_LIVE_BIRTH(&b), nre = MK_LIVE_REALLOCS(&b);
    if (!newp) {
        if (size) { /* a failed realloc: the block stays as it was */
            if (MK_LIVE_SITE(&b) == 0 && shadow_put(b.addr, old_size)) return old_size;
            if (live_insert(&b, &stale) == 1) retire(&stale, bt_now(), 0);
        } else {
            int temporary = rt.last_alloc == b.addr;
            retire(&b, MK_LIVE_SITE(&b) ? bt_now() : 0, temporary);
        }
        return old_size;
    }
    first_in_thread();
    uint64_t sz = size; /* > 0: glibc's realloc(p, 0) returns NULL */
    uint32_t s = MK_LIVE_SITE(&b);
    struct mk__rec_site *st = mk__rec.sites[s];
    uint64_t tsc = clock_tsc(), seq;
    int peak = global_add((int64_t)sz - (int64_t)old_size, 0, tsc, &seq);
    int locked = lock_if(stripe(s));
    st->raw_tb += sz;
    st->raw_tbk++;
    st->raw_reallocs++;
    if (s) {
        uint64_t ob, ok, nb, nk;
        weigh(old_size, &ob, &ok);
        weigh(sz, &nb, &nk);
        save_gb(st, seq);
        st->live += nb - ob;
        st->livek += nk - ok;
        st->birth_sum += birth * (nk - ok);
        st->tb += nb;
        st->tbk += nk;
        st->reallocs += nk;
        if (peak) {
            st->mb = st->live;
            st->mbk = st->livek;
        }
        note_size(st, sz, nk);
        if (nre < 0xFFFF) nre++;
        if (nre > st->max_chain) st->max_chain = nre;
        st->seq = seq;
    } else if (nre < 0xFFFF) {
        nre++;
    }
    unlock_if(stripe(s), locked);
    b.addr = (uintptr_t)newp;
    b.sr = MK_LIVE_SR(sz, nre);
    rt.last_alloc = (uintptr_t)newp;
    if (s == 0 && shadow_put(b.addr, sz)) return old_size;
    if (live_insert(&b, &stale) == 1) retire(&stale, (tsc - mk__rec.tsc0) >> MK_BT_SHIFT, 0);
    return old_size;
}

/* ---- custom allocators (memkit/prof.h) ----
 *
 * A block a custom allocator reports lies inside memory the allocator took from malloc (or mmap),
 * so its address may equal a malloc block's (a pool's first block at its chunk's start) and its
 * chunk header is not glibc's: it never goes to the live table or the shadow. It has a table of
 * its own here, in recorder memory, behind one lock that no malloc or free takes: MK_CUSTOM_CAP
 * blocks live at once, found by address through a chained hash; a block reported in a pool is also
 * on that pool's list, so a reset frees the pool's blocks without a scan. MK_CUSTOM_POOLS pools
 * with live blocks at once. Past either bound a block is counted as allocated and never freed
 * (MK_RAW_TRUNCATED). Its figures are the same as a malloc block's (site by stack, sampling, live
 * totals, the peak, lifetimes); its site is marked MK_FN_CUSTOM. Lock order: this lock, then the
 * site stripes and the peak lock. */

#define MK_CUSTOM_CAP (1u << 20)     /* annotated blocks live at once: 48 MiB of table at most */
#define MK_CUSTOM_BUCKETS (1u << 18) /* hash heads: 1 MiB */
#define MK_CUSTOM_POOLS 4096u        /* pools with live blocks at once: 96 KiB */
#define MK_CUSTOM_SALT 0xC0570A11C0570A11ull

struct mk__custom {
    struct mk__live b;
    const void *pool;
    uint32_t hnext;        /* the next node in its hash chain, or the next free node */
    uint32_t pnext, pprev; /* its pool's list (0: none) */
    uint32_t pad_;
};

struct mk__cpool {
    const void *pool; /* NULL: an empty slot */
    uint32_t head, n;
    uint64_t pad_;
};

static struct {
    int lock, broken; /* broken: the tables could not be mapped */
    uint32_t used;    /* nodes 1..used were handed out at least once (node 0 means none) */
    uint32_t free_head;
    uint32_t npools;
    struct mk__custom *node;
    uint32_t *bucket;
    struct mk__cpool *pools;
} cu;

static int custom_ready(void) {
    if (cu.node) return 1;
    if (cu.broken) return 0;
    /* Reserved, its pages touched as blocks come (as the shadow's). */
    cu.node = mk__sys_map(sizeof *cu.node * ((size_t)MK_CUSTOM_CAP + 1), 1);
    cu.bucket = mk__sys_map(sizeof *cu.bucket * MK_CUSTOM_BUCKETS, 1);
    cu.pools = mk__sys_map(sizeof *cu.pools * MK_CUSTOM_POOLS, 0);
    if (cu.node && cu.bucket && cu.pools) return 1;
    cu.broken = 1;
    cu.node = NULL;
    return 0;
}

uint64_t mk__custom_resident(void) {
    if (!cu.node) return 0;
    return mk__sys_resident(cu.node, sizeof *cu.node * ((size_t)MK_CUSTOM_CAP + 1)) +
           mk__sys_resident(cu.bucket, sizeof *cu.bucket * MK_CUSTOM_BUCKETS);
}

static inline uint32_t *custom_head(uintptr_t a) { return &cu.bucket[(a * 0x9E3779B97F4A7C15ull) >> 46]; }

/* The link that points to a's node (*link == 0: not there). */
static uint32_t *custom_link(uintptr_t a) {
    uint32_t *l = custom_head(a);
    while (*l && cu.node[*l].b.addr != a) l = &cu.node[*l].hnext;
    return l;
}

static inline uint32_t pool_home(const void *pool) {
    return (uint32_t)(((uintptr_t)pool * 0x9E3779B97F4A7C15ull) >> 52) & (MK_CUSTOM_POOLS - 1);
}

/* pool's slot (linear probing), or NULL: absent and not created. create: make it when absent. */
static struct mk__cpool *pool_slot(const void *pool, int create) {
    for (uint32_t i = pool_home(pool);; i = (i + 1) & (MK_CUSTOM_POOLS - 1)) {
        struct mk__cpool *c = &cu.pools[i];
        if (c->pool == pool) return c;
        if (!c->pool) {
            if (!create || cu.npools >= MK_CUSTOM_POOLS / 2) return NULL;
            cu.npools++;
            c->pool = pool;
            c->head = c->n = 0;
            return c;
        }
    }
}

/* Removes an empty pool's slot, moving later entries of its cluster back (no tombstones). */
static void pool_drop(struct mk__cpool *c) {
    uint32_t i = (uint32_t)(c - cu.pools);
    cu.npools--;
    for (uint32_t j = (i + 1) & (MK_CUSTOM_POOLS - 1);; j = (j + 1) & (MK_CUSTOM_POOLS - 1)) {
        struct mk__cpool *e = &cu.pools[j];
        if (!e->pool) break;
        uint32_t h = pool_home(e->pool);
        /* e may move to i when its home is not in (i, j] (cyclically) */
        if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
            cu.pools[i] = *e;
            i = j;
        }
    }
    cu.pools[i].pool = NULL;
}

/* Takes node k out of the hash (through its link) and its pool's list (pc: that pool's slot, kept
 * even when emptied; NULL: looked up), and frees it. */
static void custom_drop(uint32_t *link, uint32_t k, struct mk__cpool *pc) {
    struct mk__custom *n = &cu.node[k];
    *link = n->hnext;
    if (n->pool) {
        int own = !pc; /* looked up here: an emptied pool gives its slot back */
        if (own) pc = pool_slot(n->pool, 0);
        if (pc) {
            if (n->pprev) cu.node[n->pprev].pnext = n->pnext;
            else pc->head = n->pnext;
            if (n->pnext) cu.node[n->pnext].pprev = n->pprev;
            if (!--pc->n && own) pool_drop(pc);
        }
    }
    n->b.addr = 0;
    n->hnext = cu.free_head;
    cu.free_head = k;
}

static int custom_temporary(uintptr_t a) {
    if (rt.last_alloc != a) return 0;
    rt.last_alloc = 0;
    return 1;
}

void mk__on_custom_alloc(const void *pool, const void *p, uint64_t size, const void *frame) {
    first_in_thread();
    uint64_t sz = size ? size : 1, tsc = clock_tsc();
    uint32_t s = 0;
    if (!mk__rec.sample || (rt.countdown -= (int64_t)sz) <= 0) {
        if (mk__rec.sample) rt.countdown = draw_interval();
        s = current_site(frame, MK_CUSTOM_SALT);
    }
    rt.last_alloc = (uintptr_t)p;
    spin_lock(&cu.lock);
    uint32_t *link = custom_ready() ? custom_link((uintptr_t)p) : NULL;
    uint64_t now = (tsc - mk__rec.tsc0) >> MK_BT_SHIFT;
    if (link && *link) { /* reported twice without a free: the earlier block ends here */
        uint32_t k = *link;
        struct mk__live old = cu.node[k].b;
        custom_drop(link, k, NULL);
        retire(&old, now, 0);
        link = custom_link((uintptr_t)p);
    }
    now = site_alloc(sz, MK_FN_CUSTOM, s, tsc);
    uint32_t k = 0;
    struct mk__cpool *pc = NULL;
    if (link && (!pool || (pc = pool_slot(pool, 1)))) {
        if (cu.free_head) {
            k = cu.free_head;
            cu.free_head = cu.node[k].hnext;
        } else if (cu.used < MK_CUSTOM_CAP) {
            k = ++cu.used;
        }
        if (!k && pc && !pc->n) pool_drop(pc);
    }
    if (k) {
        struct mk__custom *n = &cu.node[k];
        n->b = (struct mk__live){(uintptr_t)p, MK_LIVE_SR(sz, 0), MK_LIVE_SB(s, now)};
        n->pool = pool;
        n->hnext = *link;
        *link = k;
        n->pprev = n->pnext = 0;
        if (pc) {
            n->pnext = pc->head;
            if (pc->head) cu.node[pc->head].pprev = k;
            pc->head = k;
            pc->n++;
        }
    } else {
        mk__rec.flags |= MK_RAW_TRUNCATED; /* counted as allocated, never as freed */
    }
    spin_unlock(&cu.lock);
}

uint64_t mk__on_custom_free(const void *p) {
    uint64_t tsc = clock_tsc();
    spin_lock(&cu.lock);
    uint32_t *link = cu.node ? custom_link((uintptr_t)p) : NULL;
    if (!link || !*link) {
        spin_unlock(&cu.lock);
        return 0; /* never reported (or lost): ignored */
    }
    uint32_t k = *link;
    struct mk__live b = cu.node[k].b;
    custom_drop(link, k, NULL);
    retire(&b, (tsc - mk__rec.tsc0) >> MK_BT_SHIFT, custom_temporary((uintptr_t)p));
    spin_unlock(&cu.lock);
    return MK_LIVE_SIZE(&b);
}

uint64_t mk__on_custom_reset(const void *pool, uint64_t *blocks) {
    uint64_t now = (clock_tsc() - mk__rec.tsc0) >> MK_BT_SHIFT, bytes = 0;
    *blocks = 0;
    if (!pool) return 0;
    spin_lock(&cu.lock);
    struct mk__cpool *pc = cu.node ? pool_slot(pool, 0) : NULL;
    while (pc && pc->head) {
        uint32_t k = pc->head;
        struct mk__live b = cu.node[k].b;
        custom_drop(custom_link(b.addr), k, pc);
        retire(&b, now, custom_temporary(b.addr));
        bytes += MK_LIVE_SIZE(&b);
        ++*blocks;
    }
    if (pc) pool_drop(pc);
    spin_unlock(&cu.lock);
    return bytes;
}

/* ---- fork ---- */

static void lock_all(void) {
    spin_lock(&cu.lock);
    spin_lock(&mk__rec.site_lock);
    spin_lock(&mk__rec.peak_lock);
    for (int i = 0; i < MK_NSTRIPES; i++) spin_lock(&mk__rec.stripes[i * 16]);
    for (int i = 0; i < MK_NSHARDS; i++) spin_lock(&mk__rec.shards[i].lock);
}

static void unlock_all(void) {
    for (int i = MK_NSHARDS - 1; i >= 0; i--) spin_unlock(&mk__rec.shards[i].lock);
    for (int i = MK_NSTRIPES - 1; i >= 0; i--) spin_unlock(&mk__rec.stripes[i * 16]);
    spin_unlock(&mk__rec.peak_lock);
    spin_unlock(&mk__rec.site_lock);
    spin_unlock(&cu.lock);
}

static void fork_prepare(void) {
    mk__guard_enter();
    lock_all();
    mk__state_fork_prepare(mk__rec.follow_fork);
}

static void fork_parent(void) {
    mk__state_fork_parent();
    unlock_all();
    mk__guard_leave();
}

/* The child inherits the parent's tables (as valgrind's child inherits DHAT's): with --follow-fork it
 * goes on recording into its own file, otherwise it stops touching them at once. */
static void fork_child(void) {
    /* First: until then the globals are the parent's state file, shared with it. */
    mk__state_fork_child(mk__rec.follow_fork, (uint64_t)syscall(SYS_getpid));
    unlock_all();
    if (mk__rec.follow_fork) {
        mk__rec.ppid = mk__rec.pid;
        mk__rec.pid = (uint64_t)syscall(SYS_getpid);
        mk__rec.flags |= MK_RAW_CHILD;
    } else {
        mk__hooks_set_active(0);
        mk__rec.pid = 0; /* never writes */
    }
    mk__guard_leave();
}

/* ---- exit ---- */

static int finished;

static int libstdcxx_cb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "/libstdc++.so")) *(int *)data = 1;
    return *(int *)data;
}

/* libstdc++'s __gnu_cxx::__freeres, looked up only when libstdc++ is loaded: a failed dlsym leaves
 * glibc's dlerror buffers behind (allocated under the guard, so untracked), which __libc_freeres
 * then frees: two "frees of unknown pointers" on every C program, none of them the program's. */
static void (*cxx_freeres_fn(void))(void) {
    int have = 0;
    dl_iterate_phdr(libstdcxx_cb, &have);
    return have ? (void (*)(void))dlsym(RTLD_DEFAULT, "_ZN9__gnu_cxx9__freeresEv") : NULL;
}

/* Writes the profile once. full: a normal exit, so first let glibc and libstdc++ free what they keep
 * for the life of the process (as valgrind does before its t-end snapshot); not from _exit, where
 * __libc_freeres would flush stdio buffers that _exit must drop. */
static void finish(int full) {
    /* The pid first: a vfork child shares this memory and must not even mark the profile written. */
    if (!recording || !mk__rec.pid || (uint64_t)syscall(SYS_getpid) != mk__rec.pid) return;
    if (__atomic_exchange_n(&finished, 1, __ATOMIC_ACQ_REL)) return;
    mk__guard_enter();
    if (mk__state_on) mk__state_refresh_modules(1);
    else mk__output_modules();
    mk__guard_leave();
    if (full) {
        extern void __libc_freeres(void);
        mk__guard_enter(); /* dlsym may allocate */
        void (*cxx_freeres)(void) = cxx_freeres_fn();
        mk__guard_leave();
        if (cxx_freeres) cxx_freeres();
        __libc_freeres();
    }
    mk__guard_enter();
    mk__hooks_set_active(0);
    uint64_t tsc = __rdtsc();
    lock_all();
    mk__output_write(tsc);
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    mk__state_finish(full ? MK_STATE_EXIT : MK_STATE__EXIT, tsc, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    unlock_all();
    mk__guard_leave();
}

/* A late destructor: exit(), return from main and the last thread's exit all run it, after the
 * program's atexit handlers and static destructors. */
__attribute__((destructor(101))) static void rec_dtor(void) { finish(1); }

/* _exit and _Exit skip destructors (the interposition layer defines them): write the profile here,
 * without __libc_freeres (see finish). A vfork child (another pid in the parent's memory) writes
 * nothing. */
void mk__rec_quick_exit(void) { finish(0); }
