/* state.c - the recorder's state file: its globals and site tables in a file-backed shared mapping
 * on tmpfs, so that memkit can read them while the program runs and after it died
 * (src/format/state.h, docs/RECORDER-STATE.md).
 *
 * The one rule: no page of the file is touched before fallocate allocated it. A shared page first
 * touched when tmpfs is full would kill the program with SIGBUS; an allocation that tmpfs refuses
 * comes from private memory instead (the state is then flagged incomplete). No descriptor is kept
 * (the program may close or reuse any): the file is reopened by path for each allocation, which is
 * rare (arena chunks, site-array pages, detailed points).
 *
 * The timeline is fed from the clock reading record.c already takes: a point when the reading
 * passes tl_next, decimated by half when full, so the cost is O(1) amortized per event and the
 * memory fixed. With several threads whoever wins a trylock takes the point; nobody waits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record.h"
#include "../lib/count_iface.h"
#include "../format/raw.h"


#define MK_REGION_CAP (4ull << 30)          /* address space reserved for the region */
#define MK_SITES_BYTES ((uint64_t)MK_MAX_SITES * sizeof(void *)) /* the site array at its start */
#define MK_COMMIT_STEP (1u << 20)           /* fallocate at least this much at a time */

int mk__state_on;
static char path[4200];           /* DIR/state.<pid> */
static char *region;              /* the region's address here */
static uint64_t rec_size;         /* bytes of the first part */
static uint64_t bump;             /* next free byte of the region (page aligned) */
static uint64_t committed;        /* bytes from MK_SITES_BYTES that fallocate allocated */
static uint64_t sites_committed;  /* bytes of the site array allocated */
static int lock_word;             /* allocation; taken with a spin (allocations are rare and short) */
static int tick_word;             /* the timeline: trylock only */
static int mods_word;             /* the module list: trylock only */
static char *fork_rec;            /* fork: a copy of the first part (rec_size bytes, mapped at open) */
static char *fork_region;         /* fork with --follow-fork: a copy of the region's allocated ranges */
static uint64_t fork_region_len;
static uint64_t dl_adds = (uint64_t)-1, dl_subs;
static uint64_t mods_buf[2], mods_cap[2];

static void lock(int *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static int trylock(int *l) { return !__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); }
static void unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* 1 when a file may grow to end bytes: past RLIMIT_FSIZE the kernel would send the program SIGXFSZ. */
static int size_allowed(uint64_t end) {
    struct rlimit rl;
    return syscall(SYS_getrlimit, RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || end <= rl.rlim_cur;
}

/* fallocate [off, off + len) of the file (offsets in the file); 0 on success. */
static int falloc(uint64_t off, uint64_t len) {
    if (!size_allowed(off + len)) return -1;
    int fd = (int)syscall(SYS_open, path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    long r = syscall(SYS_fallocate, fd, 0, (long)off, (long)len);
    syscall(SYS_close, fd);
    return r == 0 ? 0 : -1;
}

static void gen_begin(void) { __atomic_store_n(&mk__rec.hdr.gen, mk__rec.hdr.gen + 1, __ATOMIC_RELEASE); }
static void gen_end(void) { __atomic_store_n(&mk__rec.hdr.gen, mk__rec.hdr.gen + 1, __ATOMIC_RELEASE); }

void *mk__state_alloc(size_t size) {
    if (!mk__state_on || !size) return NULL;
    int saved = errno;
    uint64_t len = ((uint64_t)size + 4095) & ~(uint64_t)4095;
    void *p = NULL;
    lock(&lock_word);
    if (bump + len <= MK_REGION_CAP && bump + len >= bump) {
        uint64_t need = bump + len;
        if (need > MK_SITES_BYTES + committed) {
            uint64_t upto = need - MK_SITES_BYTES;
            if (upto < committed + MK_COMMIT_STEP) upto = committed + MK_COMMIT_STEP;
            if (MK_SITES_BYTES + upto > MK_REGION_CAP) upto = MK_REGION_CAP - MK_SITES_BYTES;
            if (falloc(rec_size + MK_SITES_BYTES + committed, upto - committed) == 0) committed = upto;
            else if (falloc(rec_size + MK_SITES_BYTES + committed, need - MK_SITES_BYTES - committed) == 0)
                committed = need - MK_SITES_BYTES;
        }
        if (need <= MK_SITES_BYTES + committed) {
            p = region + bump;
            bump = need;
            __atomic_store_n(&mk__rec.hdr.region_used, bump, __ATOMIC_RELEASE);
        }
    }
    unlock(&lock_word);
    errno = saved;
    return p;
}

void *mk__state_sites(void) { return mk__state_on ? region : NULL; }

int mk__state_site_room(uint32_t s) {
    uint64_t end = ((uint64_t)s + 1) * sizeof(void *);
    if (end <= __atomic_load_n(&sites_committed, __ATOMIC_ACQUIRE)) return 1;
    int saved = errno, ok = 0;
    lock(&lock_word);
    if (end <= sites_committed) ok = 1;
    else if (falloc(rec_size + sites_committed, 65536) == 0) {
        __atomic_store_n(&sites_committed, sites_committed + 65536, __ATOMIC_RELEASE);
        ok = end <= sites_committed;
    }
    unlock(&lock_word);
    errno = saved;
    return ok;
}

uint64_t mk__state_bytes(void) {
    return mk__state_on ? rec_size + sites_committed + committed : 0;
}

/* ---- the site arena's backing: state memory ---- */

/* When tmpfs refuses, the arena fails: new stacks then go unattributed (site 0, which is in the
 * state), exactly as when the recorder runs out of memory, so the totals stay exact in the state
 * and in the raw file alike, and the state is flagged incomplete. */
static void *st_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (align > 4096) return NULL;
    void *p = mk__state_alloc(size ? size : 1);
    if (!p) __atomic_or_fetch(&mk__rec.hdr.state_flags, MK_STATE_INCOMPLETE, __ATOMIC_RELAXED);
    return p;
}

static int in_region(const void *p) {
    return region && (const char *)p >= region && (const char *)p < region + MK_REGION_CAP;
}

static void st_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx, (void)align;
    if (p && !in_region(p)) mk__sys_unmap(p, size ? size : 1); /* state memory stays with the file */
}

static void *st_resize(void *ctx, void *p, size_t old_size, size_t new_size, size_t align) {
    if (((new_size + 4095) & ~(size_t)4095) == ((old_size + 4095) & ~(size_t)4095) && p) return p;
    void *q = st_alloc(ctx, new_size, align);
    if (!q) return NULL;
    if (p) {
        memcpy(q, p, old_size < new_size ? old_size : new_size);
        st_free(ctx, p, old_size, align);
    }
    return q;
}

static const mk_allocator st_allocator = {st_alloc, st_resize, st_free, NULL};

const mk_allocator *mk__state_allocator(void) { return mk__state_on ? &st_allocator : mk__sys_allocator(); }

/* ---- opening ---- */

static void describe(void) {
    struct mk__state_hdr *h = &mk__rec.hdr;
#define GF(i, f) (h->global[i] = (struct mk__state_field){(uint32_t)offsetof(struct mk__rec, f), (uint32_t)sizeof mk__rec.f})
    GF(MK_SG_FLAGS, flags); GF(MK_SG_DEPTH, depth); GF(MK_SG_SAMPLE, sample); GF(MK_SG_PID, pid);
    GF(MK_SG_PPID, ppid); GF(MK_SG_TSC0, tsc0); GF(MK_SG_NS0, ns0); GF(MK_SG_TICKS_PER_US, ticks_per_us);
    GF(MK_SG_LIVE_BYTES, live_bytes); GF(MK_SG_LIVE_BLOCKS, live_blocks); GF(MK_SG_MAX_BYTES, max_bytes);
    GF(MK_SG_MAX_BLOCKS, max_blocks); GF(MK_SG_TGMAX_TSC, tgmax_tsc); GF(MK_SG_PEAK_SEQ, peak_seq);
    GF(MK_SG_UNKNOWN_FREES, unknown_frees); GF(MK_SG_THREADS, threads); GF(MK_SG_NSITES, nsites);
    GF(MK_SG_SITES, sites); GF(MK_SG_UNS_TB, uns_tb); GF(MK_SG_UNS_TBK, uns_tbk); GF(MK_SG_UNS_FREES, uns_frees);
#undef GF
    struct mk__rec_site *s = NULL;
    (void)s;
#define SF(i, f) (h->site[i] = (struct mk__state_field){(uint32_t)offsetof(struct mk__rec_site, f), (uint32_t)sizeof s->f})
    SF(MK_SS_TB, tb); SF(MK_SS_TBK, tbk); SF(MK_SS_TL, tl); SF(MK_SS_MB, mb); SF(MK_SS_MBK, mbk);
    SF(MK_SS_GB, gb); SF(MK_SS_GBK, gbk); SF(MK_SS_LIVE, live); SF(MK_SS_LIVEK, livek);
    SF(MK_SS_BIRTH_SUM, birth_sum); SF(MK_SS_TEMPORARY, temporary); SF(MK_SS_SHORT_LIVED, short_lived);
    SF(MK_SS_REALLOCS, reallocs); SF(MK_SS_MAX_CHAIN, max_chain); SF(MK_SS_MIN_SIZE, min_size);
    SF(MK_SS_MAX_SIZE, max_size); SF(MK_SS_SMALL, small); SF(MK_SS_RAW_TB, raw_tb); SF(MK_SS_RAW_TBK, raw_tbk);
    SF(MK_SS_RAW_FREES, raw_frees); SF(MK_SS_RAW_REALLOCS, raw_reallocs); SF(MK_SS_SEQ, seq);
    SF(MK_SS_NFRAMES, nframes); SF(MK_SS_KIND, kind);
#undef SF
    h->site[MK_SS_FRAMES] = (struct mk__state_field){(uint32_t)offsetof(struct mk__rec_site, frames), 8};
    h->site_size = (uint32_t)sizeof(struct mk__rec_site);
    h->nglobal = MK_SG_N;
    h->nsite = MK_SS_N;
}

static void put_u64(char *p, uint64_t v) {
    char t[24];
    int n = 0;
    do t[n++] = (char)('0' + v % 10), v /= 10;
    while (v);
    while (n) *p++ = t[--n];
    *p = 0;
}

/* Reads /proc/self/cmdline into state memory. */
static void save_cmd(void) {
    char *buf = mk__state_alloc(65536);
    if (!buf) return;
    int fd = (int)syscall(SYS_open, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    if (fd >= 0) {
        long r;
        while (len < 65535 && (r = syscall(SYS_read, fd, buf + len, 65535 - len)) > 0) len += (size_t)r;
        syscall(SYS_close, fd);
    }
    if (len && buf[len - 1]) buf[len++] = 0;
    mk__rec.hdr.cmd_ptr = (uint64_t)(uintptr_t)buf;
    __atomic_store_n(&mk__rec.hdr.cmd_len, (uint64_t)len, __ATOMIC_RELEASE);
}

static uint64_t parse_list_item(const char **s, int *ok) {
    uint64_t v = 0;
    *ok = 0;
    while (**s >= '0' && **s <= '9') v = v * 10 + (uint64_t)(*(*s)++ - '0'), *ok = 1;
    return v;
}

int mk__state_open(const char *dir) {
    mk__rec.hdr.tl_next = UINT64_MAX;
    mk__rec.snap_next = UINT64_MAX;
    if (!dir || dir[0] != '/') return 0;
    size_t dl = strlen(dir);
    if (dl + 32 > sizeof path) return 0;
    memcpy(path, dir, dl);
    memcpy(path + dl, "/state.", 8);
    put_u64(path + dl + 7, mk__rec.pid);
    int saved = errno;
    rec_size = (sizeof(struct mk__rec) / 4096) * 4096;
    /* An exec'd image of this pid replaces the state of the image before it (which cannot write
     * any more): the same as its raw file. */
    syscall(SYS_unlink, path);
    int fd = (int)syscall(SYS_open, path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) goto fail;
    memcpy(mk__rec.hdr.magic, MK_STATE_MAGIC, 8);
    mk__rec.hdr.version = MK_STATE_VERSION;
    mk__rec.hdr.hdr_size = (uint32_t)sizeof(struct mk__state_hdr);
    mk__rec.hdr.rec_size = rec_size;
    mk__rec.hdr.rec_addr = (uint64_t)(uintptr_t)&mk__rec;
    mk__rec.hdr.region_cap = MK_REGION_CAP;
    describe();
    fork_rec = mk__sys_map(rec_size, 0);
    if (!fork_rec) goto fail_fd;
    /* The first part: its current bytes into the file (this allocates it), then the file over it. */
    if (!size_allowed(rec_size + MK_SITES_BYTES) || syscall(SYS_fallocate, fd, 0, 0L, (long)(rec_size + 65536)) != 0 ||
        syscall(SYS_ftruncate, fd, (long)(rec_size + MK_SITES_BYTES)) != 0) /* the site array's holes: no memory */
        goto fail_fd;
    region = mmap(NULL, MK_REGION_CAP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, (off_t)rec_size);
    if (region == MAP_FAILED) {
        region = NULL;
        goto fail_fd;
    }
    mk__rec.hdr.region_addr = (uint64_t)(uintptr_t)region;
    sites_committed = 65536;
    bump = MK_SITES_BYTES;
    mk__rec.hdr.region_used = bump;
    if (syscall(SYS_pwrite64, fd, (const char *)&mk__rec, (long)rec_size, 0L) != (long)rec_size) goto fail_map;
    if (mmap(&mk__rec, rec_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) goto fail_map;
    syscall(SYS_close, fd);
    mk__state_on = 1;
    /* The timeline: every 50 us at first (in ticks), detailed points every 32 intervals. */
    struct mk__state_point *tl = mk__state_alloc(sizeof(struct mk__state_point) * MK_STATE_TIMELINE);
    uint64_t iv = (uint64_t)(50 * mk__rec.ticks_per_us);
    if (iv < 1024) iv = 1024;
    if (tl) {
        mk__rec.hdr.tl_ptr = (uint64_t)(uintptr_t)tl;
        mk__rec.hdr.tl_interval = iv;
        mk__rec.hdr.dt_interval = iv * 32;
        mk__rec.hdr.dt_next = mk__rec.tsc0 + iv * 32;
        mk__rec.hdr.tl_next = mk__rec.tsc0;
    }
    const char *at = getenv("MEMKIT_SNAPSHOT_AT");
    for (int ok = 1; at && *at && mk__rec.hdr.nsnap_at < MK_STATE_SNAP_AT;) {
        uint64_t v = parse_list_item(&at, &ok);
        if (!ok) break;
        mk__rec.hdr.snap_at[mk__rec.hdr.nsnap_at++] = v;
        if (*at != ',') break;
        at++;
    }
    if (mk__rec.hdr.nsnap_at) mk__rec.snap_next = mk__rec.hdr.snap_at[0];
    save_cmd();
    errno = saved;
    return 1;
fail_map:
    munmap(region, MK_REGION_CAP);
    region = NULL;
fail_fd:
    syscall(SYS_close, fd);
    syscall(SYS_unlink, path);
fail:
    errno = saved;
    return 0;
}

/* ---- modules ---- */

static int adds_cb(struct dl_phdr_info *info, size_t size, void *data) {
    uint64_t *v = data;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        v[0] = info->dlpi_adds;
        v[1] = info->dlpi_subs;
    }
    return 1;
}

/* Collects the module list again (output.c, which hands it to mk__state_modules) when the loader's
 * lists changed since the last time, or always with force. Without force it never waits: a thread
 * already refreshing may be waiting for the loader's lock held by this one. */
void mk__state_refresh_modules(int force) {
    uint64_t v[2] = {0, 0};
    if (force) lock(&mods_word);
    else if (!trylock(&mods_word)) return;
    dl_iterate_phdr(adds_cb, v);
    if (force || v[0] != dl_adds || v[1] != dl_subs) {
        dl_adds = v[0];
        dl_subs = v[1];
        mk__output_modules();
    }
    unlock(&mods_word);
}

void mk__state_new_site(void) {
    if (mk__state_on) mk__state_refresh_modules(0);
}

/* Called by mk__output_modules, under mods_word when the state is on. */
void mk__state_modules(const void *records, size_t len) {
    if (!mk__state_on) return;
    int k = mk__rec.hdr.mods_ptr == mods_buf[0] ? 1 : 0; /* the buffer not published */
    if (mods_cap[k] < len) {
        size_t cap = (len * 2 + 4095) & ~(size_t)4095;
        void *p = mk__state_alloc(cap);
        if (p) mods_buf[k] = (uint64_t)(uintptr_t)p, mods_cap[k] = cap;
    }
    if (mods_cap[k] >= len) {
        memcpy((void *)(uintptr_t)mods_buf[k], records, len);
        gen_begin();
        mk__rec.hdr.mods_ptr = mods_buf[k];
        mk__rec.hdr.mods_len = len;
        gen_end();
    }
}

/* ---- timeline and detailed points ---- */

static uint64_t total_bytes(void) {
    const struct mk__count_iface *ci = mk__count_iface();
    uint64_t c[MK__C_N] = {0}, peak;
    ci->process_counts(c, &peak);
    return c[MK__C_BYTES_ALLOC];
}

static void detail(uint64_t tsc) {
    struct mk__state_hdr *h = &mk__rec.hdr;
    uint32_t ns = __atomic_load_n(&mk__rec.nsites, __ATOMIC_ACQUIRE), n = 0;
    /* Which sites: all with live bytes, or the largest MK_STATE_DETAIL_MAX by a log2 histogram. */
    uint32_t hist[65] = {0};
    for (uint32_t i = 1; i < ns; i++) {
        uint64_t v = __atomic_load_n(&mk__rec.sites[i]->live, __ATOMIC_RELAXED);
        if (v) hist[64 - __builtin_clzll(v)]++, n++;
    }
    int lo = 1;
    uint32_t keep = n, in_lo = 0;
    if (n > MK_STATE_DETAIL_MAX) {
        keep = 0;
        for (lo = 64; lo > 1 && keep + hist[lo] <= MK_STATE_DETAIL_MAX; lo--) keep += hist[lo];
        in_lo = MK_STATE_DETAIL_MAX - keep; /* room for this many of bucket lo */
        keep = MK_STATE_DETAIL_MAX;
    }
    if (h->dt_n == MK_STATE_DETAILED) { /* keep every other point (the later of each pair) */
        gen_begin();
        for (uint32_t i = 0; i < MK_STATE_DETAILED / 2; i++) {
            struct mk__state_detail t = h->dt[i];
            h->dt[i] = h->dt[2 * i + 1];
            h->dt[2 * i + 1] = t;
        }
        h->dt_n = MK_STATE_DETAILED / 2;
        h->dt_interval *= 2;
        gen_end();
    }
    struct mk__state_detail *d = &h->dt[h->dt_n];
    if (d->cap < keep) {
        uint32_t cap = keep + keep / 2 + 64;
        if (cap > MK_STATE_DETAIL_MAX) cap = MK_STATE_DETAIL_MAX;
        void *p = mk__state_alloc(sizeof(struct mk__state_entry) * cap);
        if (!p) return;
        __atomic_store_n(&d->seq, d->seq | 1, __ATOMIC_RELEASE);
        d->entries = (uint64_t)(uintptr_t)p;
        d->cap = cap;
    }
    __atomic_store_n(&d->seq, d->seq | 1, __ATOMIC_RELEASE);
    struct mk__state_entry *e = (struct mk__state_entry *)(uintptr_t)d->entries;
    uint32_t k = 0;
    for (uint32_t i = 1; i < ns && k < keep; i++) {
        uint64_t v = __atomic_load_n(&mk__rec.sites[i]->live, __ATOMIC_RELAXED);
        if (!v) continue;
        int b = 64 - __builtin_clzll(v);
        if (b < lo) continue;
        if (b == lo && n > MK_STATE_DETAIL_MAX) {
            if (!in_lo) continue;
            in_lo--;
        }
        e[k].site = i;
        e[k].pad_ = 0;
        e[k].live = v;
        k++;
    }
    d->n = k;
    d->tsc = tsc;
    d->live_bytes = mk__rec.live_bytes;
    __atomic_store_n(&d->seq, d->seq + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&h->dt_n, h->dt_n + 1, __ATOMIC_RELEASE);
}

static void point(uint64_t tsc) {
    struct mk__state_hdr *h = &mk__rec.hdr;
    struct mk__state_point *p = (struct mk__state_point *)(uintptr_t)h->tl_ptr;
    if (h->tl_n == MK_STATE_TIMELINE) { /* keep every other point (the later of each pair) */
        gen_begin();
        for (uint32_t i = 0; i < MK_STATE_TIMELINE / 2; i++) p[i] = p[2 * i + 1];
        h->tl_n = MK_STATE_TIMELINE / 2;
        h->tl_interval *= 2;
        gen_end();
    }
    if (h->tl_n && p[h->tl_n - 1].tsc >= tsc) return; /* another thread's clock ran ahead */
    struct mk__state_point *q = &p[h->tl_n];
    q->tsc = tsc;
    q->live_bytes = __atomic_load_n(&mk__rec.live_bytes, __ATOMIC_RELAXED);
    q->live_blocks = __atomic_load_n(&mk__rec.live_blocks, __ATOMIC_RELAXED);
    q->total_bytes = total_bytes();
    __atomic_store_n(&h->tl_n, h->tl_n + 1, __ATOMIC_RELEASE);
}

void mk__state_tick(uint64_t tsc) {
    struct mk__state_hdr *h = &mk__rec.hdr;
    if (!mk__state_on || !h->tl_ptr || !trylock(&tick_word)) return;
    if (tsc >= h->tl_next) {
        int saved = errno;
        point(tsc);
        h->tl_next = tsc + h->tl_interval;
        if (tsc >= h->dt_next) {
            detail(tsc);
            h->dt_next = tsc + h->dt_interval;
        }
        h->recorder_bytes = mk__sys_mapped() + mk__state_bytes();
        errno = saved;
    }
    unlock(&tick_word);
}

void mk__state_crossed(uint64_t tsc) {
    struct mk__state_hdr *h = &mk__rec.hdr;
    uint64_t peak = mk__rec.max_bytes;
    while (h->snap_hit < h->nsnap_at && h->snap_at[h->snap_hit] <= peak) h->snap_hit++;
    mk__rec.snap_next = h->snap_hit < h->nsnap_at ? h->snap_at[h->snap_hit] : UINT64_MAX;
    if (mk__state_on && h->tl_ptr && trylock(&tick_word)) {
        int saved = errno;
        point(tsc);
        detail(tsc);
        errno = saved;
        unlock(&tick_word);
    }
    __atomic_store_n(&h->snap_seq, h->snap_seq + 1, __ATOMIC_RELEASE);
}

void mk__state_finish(uint32_t status, uint64_t tsc, uint64_t ns) {
    if (!mk__state_on) return;
    mk__rec.hdr.end_tsc = tsc;
    mk__rec.hdr.end_ns = ns;
    mk__rec.hdr.recorder_bytes = mk__sys_mapped() + mk__state_bytes();
    __atomic_store_n(&mk__rec.hdr.status, status, __ATOMIC_RELEASE);
}

/* ---- fork ---- */

void mk__state_fork_prepare(int follow) {
    if (!mk__state_on) return;
    memcpy(fork_rec, &mk__rec, rec_size);
    if (!follow) return;
    fork_region_len = sites_committed + committed;
    fork_region = mk__sys_map(fork_region_len, 0);
    if (!fork_region) return;
    memcpy(fork_region, region, sites_committed);
    memcpy(fork_region + sites_committed, region + MK_SITES_BYTES, committed);
}

void mk__state_fork_parent(void) {
    if (fork_region) mk__sys_unmap(fork_region, fork_region_len);
    fork_region = NULL;
}

/* Private memory with the contents the parent had at fork: the child stops sharing the file. */
static void go_private(int with_region) {
    mmap(&mk__rec, rec_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memcpy(&mk__rec, fork_rec, rec_size);
    if (with_region && fork_region) {
        mmap(region, MK_REGION_CAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        memcpy(region, fork_region, sites_committed);
        memcpy(region + MK_SITES_BYTES, fork_region + sites_committed, committed);
    }
    mk__state_on = 0;
}

void mk__state_fork_child(int follow, uint64_t pid) {
    if (!mk__state_on) return;
    if (!follow || !fork_region) {
        go_private(0);
        mk__state_fork_parent();
        return;
    }
    /* --follow-fork: a state file of the child's own, with the parent's contents at fork. */
    char *slash = strrchr(path, '/');
    put_u64(slash + 7, pid);
    syscall(SYS_unlink, path);
    int fd = (int)syscall(SYS_open, path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    uint64_t total = rec_size + MK_SITES_BYTES + committed;
    int ok = fd >= 0 && size_allowed(total) && syscall(SYS_fallocate, fd, 0, 0L, (long)rec_size) == 0 &&
             syscall(SYS_fallocate, fd, 0, (long)rec_size, (long)sites_committed) == 0 &&
             (!committed || syscall(SYS_fallocate, fd, 0, (long)(rec_size + MK_SITES_BYTES), (long)committed) == 0) &&
             syscall(SYS_ftruncate, fd, (long)total) == 0 &&
             syscall(SYS_pwrite64, fd, fork_rec, (long)rec_size, 0L) == (long)rec_size &&
             syscall(SYS_pwrite64, fd, fork_region, (long)sites_committed, (long)rec_size) == (long)sites_committed &&
             syscall(SYS_pwrite64, fd, fork_region + sites_committed, (long)committed, (long)(rec_size + MK_SITES_BYTES)) ==
                 (long)committed;
    if (ok && mmap(region, MK_REGION_CAP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, (off_t)rec_size) == MAP_FAILED)
        ok = 0;
    if (ok && mmap(&mk__rec, rec_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) ok = 0;
    if (fd >= 0) syscall(SYS_close, fd);
    if (!ok) {
        if (fd >= 0) syscall(SYS_unlink, path);
        go_private(1);
    }
    mk__state_fork_parent();
}
