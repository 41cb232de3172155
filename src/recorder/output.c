/* output.c - writes the raw profile (raw.h) at exit, and the list of loaded objects.
 *
 * Runs after __libc_freeres may have torn down stdio, so it uses raw system calls and its own
 * mmap'ed buffer only: open a temporary name in the target's directory, write, rename over the
 * target. A reader therefore sees either no file or a complete one, never a profile cut short.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../format/raw.h"
#include "record.h"


/* ---- a growable byte buffer in mapped memory ---- */

struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void buf_reserve(struct buf *b, size_t more) {
    if (b->failed || b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    char *p = mk__sys_map(cap, 0);
    if (!p) {
        b->failed = 1;
        return;
    }
    if (b->len) memcpy(p, b->p, b->len);
    if (b->p) mk__sys_unmap(b->p, b->cap);
    b->p = p;
    b->cap = cap;
}

static void buf_put(struct buf *b, const void *d, size_t n) {
    buf_reserve(b, n);
    if (b->failed) return;
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

/* A record: header, then the parts, then zero padding to 8. */
static void put_record(struct buf *b, uint32_t tag, const void *a, size_t alen, const void *c, size_t clen) {
    struct mk__raw_record r = {tag, (uint32_t)(alen + clen)};
    static const char zeros[8];
    buf_put(b, &r, sizeof r);
    if (alen) buf_put(b, a, alen);
    if (clen) buf_put(b, c, clen);
    size_t pad = (8 - (alen + clen) % 8) % 8;
    if (pad) buf_put(b, zeros, pad);
}

static struct buf modules;

/* ---- modules ---- */

static void find_build_id(const struct dl_phdr_info *info, struct mk__raw_module *m) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            size_t namesz = (nh->n_namesz + 3) & ~3u, descsz = (nh->n_descsz + 3) & ~3u;
            const char *name = p + sizeof *nh, *desc = name + namesz;
            if (desc + descsz > end) break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
                uint32_t n = nh->n_descsz < sizeof m->build_id ? nh->n_descsz : (uint32_t)sizeof m->build_id;
                memcpy(m->build_id, desc, n);
                m->build_id_len = n;
                return;
            }
            p = desc + descsz;
        }
    }
}

static int module_cb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size, (void)data;
    struct mk__raw_module m;
    memset(&m, 0, sizeof m);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uint64_t a = info->dlpi_addr + ph->p_vaddr;
        if (a < lo) lo = a;
        if (a + ph->p_memsz > hi) hi = a + ph->p_memsz;
    }
    if (lo >= hi) return 0;
    m.start = lo;
    m.end = hi;
    m.bias = info->dlpi_addr;
    find_build_id(info, &m);
    char exe[4096];
    const char *path = info->dlpi_name;
    if (!path || !*path) {
        long n = syscall(SYS_readlink, "/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        path = exe;
    }
    size_t plen = strlen(path) + 1;
    m.path_len = (uint32_t)plen;
    put_record(&modules, MK_RAW_MODULE, &m, sizeof m, path, plen);
    return 0;
}

void mk__output_modules(void) {
    modules.len = 0;
    dl_iterate_phdr(module_cb, NULL);
    if (!modules.failed) mk__state_modules(modules.p, modules.len);
}

/* ---- time ---- */

static double end_ticks_per_us;

uint64_t mk__ticks_to_us(uint64_t ticks) {
    double r = end_ticks_per_us > 0 ? end_ticks_per_us : mk__rec.ticks_per_us;
    return (uint64_t)((double)ticks / r);
}

static uint64_t bt_to_us(uint64_t bt) { return mk__ticks_to_us(bt << MK_BT_SHIFT); }

/* ---- the file ---- */

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        long w = syscall(SYS_write, fd, p, n);
        if (w < 0) {
            if (w == -1 && errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The target path: the template with %p replaced by the pid (and %% by %). */
static int expand_path(char *out, size_t cap) {
    char pid[24];
    int pl = 0;
    uint64_t v = mk__rec.pid;
    char tmp[24];
    do tmp[pl++] = (char)('0' + v % 10), v /= 10;
    while (v);
    for (int i = 0; i < pl; i++) pid[i] = tmp[pl - 1 - i];
    size_t o = 0;
    for (const char *s = mk__rec.out_template; *s; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            if (o + (size_t)pl >= cap) return -1;
            memcpy(out + o, pid, (size_t)pl);
            o += (size_t)pl;
            s++;
        } else if (s[0] == '%' && s[1] == '%') {
            if (o + 1 >= cap) return -1;
            out[o++] = '%';
            s++;
        } else {
            if (o + 1 >= cap) return -1;
            out[o++] = *s;
        }
    }
    out[o] = 0;
    return 0;
}

static void put_cmd(struct buf *b) {
    struct buf c = {0};
    int fd = (int)syscall(SYS_open, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            buf_reserve(&c, 4096);
            if (c.failed) break;
            long r = syscall(SYS_read, fd, c.p + c.len, c.cap - c.len);
            if (r <= 0) break;
            c.len += (size_t)r;
            if (c.len > (16u << 20)) break;
        }
        syscall(SYS_close, fd);
    }
    if (!c.failed && c.len && c.p[c.len - 1] != 0) buf_put(&c, "", 1);
    if (!c.failed && c.len) put_record(b, MK_RAW_CMD, c.p, c.len, NULL, 0);
    if (c.p) mk__sys_unmap(c.p, c.cap);
}

int mk__output_write(uint64_t tsc_end) {
    int saved = errno;
    /* The figures use the clock calibrated over the whole run. */
    uint64_t ns = 0;
    {
        struct timespec ts;
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
        ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    if (ns > mk__rec.ns0 + 1000000 && tsc_end > mk__rec.tsc0) end_ticks_per_us = (double)(tsc_end - mk__rec.tsc0) * 1000.0 / (double)(ns - mk__rec.ns0);

    struct buf b = {0};
    struct mk__raw_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MK_RAW_MAGIC, 8);
    h.version = MK_RAW_VERSION;
    h.flags = mk__rec.flags;
    h.pid = mk__rec.pid;
    h.ppid = mk__rec.ppid;
    h.sample_bytes = mk__rec.sample;
    h.max_depth = (uint64_t)mk__rec.depth;
    h.t_end = mk__ticks_to_us(tsc_end - mk__rec.tsc0);
    h.t_gmax = mk__rec.tgmax_tsc ? mk__ticks_to_us(mk__rec.tgmax_tsc - mk__rec.tsc0) : 0;
    put_record(&b, MK_RAW_HEADER, &h, sizeof h, NULL, 0);
    put_cmd(&b);
    if (!modules.failed && modules.len) buf_put(&b, modules.p, modules.len);

    struct mk__raw_totals t;
    memset(&t, 0, sizeof t);
    uint64_t end_bt = (tsc_end - mk__rec.tsc0) >> MK_BT_SHIFT;
    for (uint32_t i = 0; i < mk__rec.nsites; i++) {
        struct mk__rec_site *st = mk__rec.sites[i];
        t.tb += st->raw_tb;
        t.tbk += st->raw_tbk;
        t.frees += st->raw_frees;
        t.reallocs += st->raw_reallocs;
        if (i == 0 || !st->tbk) continue;
        struct mk__raw_site s;
        memset(&s, 0, sizeof s);
        s.tb = st->tb;
        s.tbk = st->tbk;
        s.tl = bt_to_us(st->tl + st->livek * end_bt - st->birth_sum);
        s.mb = st->mb;
        s.mbk = st->mbk;
        int at_peak_unsaved = st->seq != mk__rec.peak_seq;
        s.gb = at_peak_unsaved ? st->live : st->gb;
        s.gbk = at_peak_unsaved ? st->livek : st->gbk;
        s.eb = st->live;
        s.ebk = st->livek;
        s.temporary = st->temporary;
        s.short_lived = st->short_lived;
        s.reallocs = st->reallocs;
        s.max_chain = st->max_chain;
        s.min_size = st->min_size == UINT64_MAX ? 0 : st->min_size;
        s.max_size = st->max_size;
        s.small = st->small;
        s.nframes = st->nframes;
        s.kind = st->kind > MK_FN_LAST ? MK_FN_OTHER : st->kind;
        put_record(&b, MK_RAW_SITE, &s, sizeof s, st->frames, sizeof(uint64_t) * st->nframes);
    }
    t.tb += mk__rec.uns_tb;
    t.tbk += mk__rec.uns_tbk;
    t.frees += mk__rec.uns_frees;
    t.gb = mk__rec.max_bytes;
    t.gbk = mk__rec.max_blocks;
    t.eb = mk__rec.live_bytes;
    t.ebk = mk__rec.live_blocks;
    t.unknown_frees = mk__rec.unknown_frees;
    t.threads = mk__rec.threads;
    t.recorder_bytes = mk__sys_mapped() + mk__state_bytes() + mk__sys_resident(mk__rec.slots, sizeof(uint32_t) * MK_SITE_SLOTS) +
                       mk__sys_resident(mk__rec.sites, sizeof(void *) * MK_MAX_SITES) +
                       (mk__rec.shadow ? mk__sys_rss_of(mk__rec.shadow) : 0) + mk__custom_resident();
    put_record(&b, MK_RAW_TOTALS, &t, sizeof t, NULL, 0);
    put_record(&b, MK_RAW_END, NULL, 0, NULL, 0);

    int rc = -1;
    char path[4096], tmp[4096 + 32];
    if (!b.failed && expand_path(path, sizeof path) == 0) {
        size_t pl = strlen(path);
        memcpy(tmp, path, pl);
        memcpy(tmp + pl, ".tmp", 5);
        int fd = (int)syscall(SYS_open, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            int ok = write_all(fd, b.p, b.len) == 0;
            ok = syscall(SYS_close, fd) == 0 && ok;
            if (ok && syscall(SYS_rename, tmp, path) == 0) rc = 0;
            else syscall(SYS_unlink, tmp);
        }
    }
    if (b.p) mk__sys_unmap(b.p, b.cap);
    errno = saved;
    return rc;
}
