/* record.h - the recorder's state, shared by record.c (the events) and output.c (the raw writer).
 * Internal to libmemkit-prof.so. */
#ifndef MEMKIT_PROF_RECORD_H
#define MEMKIT_PROF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "memkit/arena.h"
#include "../interpose/sysmem.h"
#include "../format/state.h"
#include "../format/limits.h"

#define MK_SITE_SLOTS (1u << 22) /* site hash slots; at most half of them are used */
#define MK_MAX_SITES (MK_SITE_SLOTS / 2)
#define MK_NSTRIPES 256          /* site statistics locks, by site index */
#define MK_NSHARDS 16            /* live-block table shards, by address hash */
#define MK_SHADOW_TOP (1ull << 47) /* user space on x86-64 (4-level paging): the shadow covers it */
#define MK_BT_SHIFT 10           /* block times are stored as (tsc - tsc0) >> MK_BT_SHIFT */

/* One allocation site. Figures are in bytes/blocks (scaled by the sampling weights when sampling),
 * times in "bt" units (tsc >> MK_BT_SHIFT); output.c converts. Guarded by stripe lock idx % 256. */
struct mk__rec_site {
    uint64_t hash;
    uint32_t nframes, kind;
    uint64_t tb, tbk, tl, mb, mbk, gb, gbk, live, livek, birth_sum;
    uint64_t temporary, short_lived, reallocs, max_chain, min_size, max_size, small;
    uint64_t raw_tb, raw_tbk, raw_frees, raw_reallocs; /* unscaled, for the exact totals */
    uint64_t seq; /* the global peak sequence number when this site last changed (see record.c) */
    uintptr_t frames[];
};

/* A live block: 24 bytes. addr 0 marks an empty slot. sr = size (48 bits) | reallocs << 48;
 * sb = site (24 bits) | birth << 24 (40 bits of bt units). Packed by hand, not with bit-fields: the
 * compiler's partial stores then wide loads of bit-fields stall store forwarding on the hot path. */
struct mk__live {
    uint64_t addr, sr, sb;
};
#define MK_LIVE_SIZE(b) ((b)->sr & ((1ull << 48) - 1))
#define MK_LIVE_REALLOCS(b) ((b)->sr >> 48)
#define MK_LIVE_SITE(b) ((uint32_t)((b)->sb & 0xFFFFFF))
#define MK_LIVE_BIRTH(b) ((b)->sb >> 24)
#define MK_LIVE_SR(size, reallocs) ((uint64_t)(size) | (uint64_t)(reallocs) << 48)
#define MK_LIVE_SB(site, birth) ((uint64_t)(site) | (uint64_t)(birth) << 24)

struct mk__shard {
    int lock;
    uint32_t pad_;
    uint64_t cap, count;
    struct mk__live *e;
    uint64_t pad2_[4];
};

/* The recorder's globals. With a state file (state.c) they are the file's first part: the header
 * first, and the whole struct on pages of its own (aligned to a page where it is defined, padded at
 * the end), so state.c can map the file over them and every access stays a plain global one. */
struct mk__rec {
    struct mk__state_hdr hdr;
    /* configuration (on a cache line of its own: the hot figures below keep the line layout they
     * have without the header) */
    _Alignas(64) int depth;
    int follow_fork;
    uint64_t sample;
    uint32_t flags; /* enum mk__raw_flags */
    uint64_t pid, ppid;
    char out_template[4096];
    /* clock */
    uint64_t tsc0, ns0;
    double ticks_per_us;
    uint64_t short_bt; /* MK_RAW_SHORT_LIVED_US in bt units */
    uint64_t dense_ticks; /* record.c's clock: events closer than this reuse a reading */
    /* own code, to drop the recorder's frames from stacks */
    uintptr_t self_lo, self_hi;
    /* global live state (atomic when threads exist) */
    uint64_t live_bytes, live_blocks;
    uint64_t max_bytes, max_blocks, tgmax_tsc, peak_seq;
    int peak_lock;
    uint64_t unknown_frees, threads;
    uint64_t snap_next; /* the next --snapshot-at threshold (UINT64_MAX: none) */
    /* sites: index 0 is the sentinel for blocks without a site (unsampled, or table full) */
    int site_lock;
    uint32_t nsites;
    uint32_t *slots;         /* MK_SITE_SLOTS site indices, 0 = empty */
    struct mk__rec_site **sites;  /* MK_MAX_SITES pointers */
    mk_arena site_arena;
    int stripes[MK_NSTRIPES * 16]; /* one lock per 64-byte line */
    struct mk__shard shards[MK_NSHARDS];
    /* Sampled mode: one byte per 16 bytes of address space (record.c, "unsampled blocks"), or
     * NULL when the reservation failed (then every block goes to the live table). */
    uint8_t *shadow;
    /* The unsampled blocks fast.h counted while the process had one thread (site 0 has the rest). */
    uint64_t uns_tb, uns_tbk, uns_frees;
    char page_pad_[4096]; /* the fields above end before the last page, which state.c leaves private */
};

extern struct mk__rec mk__rec __attribute__((visibility("hidden")));

/* Each thread's recorder state (initial-exec TLS: never a call into the dynamic linker). */
struct mk__rec_tls {
    int seen;             /* this thread allocated: counted in threads */
    uintptr_t last_alloc; /* for "temporary": the last block this thread allocated */
    int64_t countdown;    /* sampling: bytes until the next sampled allocation */
    uint64_t rng;
    uint64_t tsc;         /* the clock as last read by this thread (record.c, clock_tsc) */
    int clock_left;       /* events that may still use tsc before the next read */
    int clock_window;     /* events the last reading covered */
};
extern __thread struct mk__rec_tls mk__rt __attribute__((visibility("hidden"), tls_model("initial-exec")));

/* ---- the state file (state.c; docs/RECORDER-STATE.md) ---- */

/* Creates DIR/state.<pid> for MEMKIT_STATE=DIR and maps it over the globals; 1 when the state is on.
 * Called first in mk__backend_init. Never fails the program: 0 means "no state", as without memkit. */
MK__HIDDEN int mk__state_open(const char *dir);
/* 1 while this process records into a state file. */
MK__HIDDEN extern int mk__state_on;
/* size bytes (page multiple) of state memory, allocated in the file before it is handed out, or
 * NULL (no state, or tmpfs refused: the caller uses private memory). */
MK__HIDDEN void *mk__state_alloc(size_t size);
/* The site pointer array: MK_MAX_SITES pointers reserved in the region, pages allocated on demand. */
MK__HIDDEN void *mk__state_sites(void);
/* 1 when g.sites[s] may be stored (its page is allocated), 0: leave the stack unattributed. */
MK__HIDDEN int mk__state_site_room(uint32_t s);
/* The mk_allocator for the site arena: state memory (NULL when tmpfs refuses: MK_STATE_INCOMPLETE). */
MK__HIDDEN const mk_allocator *mk__state_allocator(void);
/* A new site exists: refresh the module list in the state if the loader's lists changed. */
MK__HIDDEN void mk__state_new_site(void);
/* The clock read tsc >= hdr.tl_next: a timeline point (and maybe a detailed point). */
MK__HIDDEN void mk__state_tick(uint64_t tsc);
/* The global peak passed snap_next (--snapshot-at). */
MK__HIDDEN void mk__state_crossed(uint64_t tsc);
/* Collects the module list into the state: when the loader's lists changed, or always (force). */
MK__HIDDEN void mk__state_refresh_modules(int force);
/* Copies a module list (raw MK_RAW_MODULE records) into the state (from mk__output_modules). */
MK__HIDDEN void mk__state_modules(const void *records, size_t len);
/* The end: calibration and status (enum mk__state_status). */
MK__HIDDEN void mk__state_finish(uint32_t status, uint64_t tsc, uint64_t ns);
/* Bytes of state memory (for recorder_bytes). */
MK__HIDDEN uint64_t mk__state_bytes(void);
/* fork: prepare (all locks held) copies what the child needs; child gives the child its own state
 * (follow 1) or private memory (follow 0); parent frees the copy. */
MK__HIDDEN void mk__state_fork_prepare(int follow);
MK__HIDDEN void mk__state_fork_child(int follow, uint64_t pid);
MK__HIDDEN void mk__state_fork_parent(void);
/* The recorder's events (record.c), called by its backend of the interposition layer (hooks.c)
 * with the guard held. */

/* Once, on the layer's first call or from its constructor. */
MK__HIDDEN void mk__backend_init(void);

/* p (non-NULL) was just returned for a request of size bytes by function fn (enum mk__raw_fn), from
 * the exported function whose frame (__builtin_frame_address(0)) is frame: its return address and
 * saved rbp are where the stack capture starts. */
MK__HIDDEN void mk__on_alloc(void *p, size_t size, unsigned fn, const void *frame);

/* p (non-NULL) is about to be freed. Returns the size the recorder knew for it, 0 if it never saw p. */
MK__HIDDEN size_t mk__on_free(void *p);

/* realloc: mk__realloc_take(old) before the block is handed to glibc, then mk__realloc_done with the
 * result, as backend.h's mk__be_realloc_take/done. done returns the old size (0: unknown). */
struct mk__realloc_tok {
    uint64_t w[3];
    int found;
};
MK__HIDDEN void mk__realloc_take(void *old, struct mk__realloc_tok *t);
MK__HIDDEN size_t mk__realloc_done(struct mk__realloc_tok *t, void *newp, size_t size, const void *frame);

/* A custom allocator's block (memkit/prof.h; record.c, "custom allocators"): p, of size bytes, in
 * pool (or NULL), was handed out; frame as for mk__on_alloc. */
MK__HIDDEN void mk__on_custom_alloc(const void *pool, const void *p, uint64_t size, const void *frame);
/* p was given back: its bytes (0: never reported, nothing changed). */
MK__HIDDEN uint64_t mk__on_custom_free(const void *p);
/* Every block still live in pool was given back: their bytes, and their number in *blocks. */
MK__HIDDEN uint64_t mk__on_custom_reset(const void *pool, uint64_t *blocks);

/* Resident bytes of the custom blocks' reserved tables (for recorder_bytes). */
MK__HIDDEN uint64_t mk__custom_resident(void);

/* _exit or _Exit is ending the process: writes the profile (without __libc_freeres). */
MK__HIDDEN void mk__rec_quick_exit(void);

/* Writes the profile (output.c): modules collected earlier by mk__output_modules. 0 on success. */
MK__HIDDEN int mk__output_write(uint64_t tsc_end);
/* Collects the loaded objects now (before __libc_freeres may tear anything down). */
MK__HIDDEN void mk__output_modules(void);
/* tsc ticks -> microseconds since the recorder started, with the clock calibrated at the end. */
MK__HIDDEN uint64_t mk__ticks_to_us(uint64_t ticks);

#endif
