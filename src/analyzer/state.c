/* state.c - reads the recorder's state file into a raw profile (see state.h).
 *
 * The copy: the header, the first part (the recorder's globals) and the region's allocated ranges
 * (holes skipped with SEEK_DATA), retried while the writer's generation counter is odd or moves.
 * Then the state is turned into the byte stream the recorder would have written at exit (raw.h) and
 * parsed by mk__raw_parse, so the module records and everything after get the same validation as a
 * raw file. Every pointer from the writer is translated through the region's recorded address and
 * checked against the copy; a site that fails is skipped and counted.
 */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../format/raw.h"
#include "../format/state.h"

#define MK_REC_MAX (1u << 20)      /* a first part larger than this is not a state we wrote */
#define MK_FRAMES_MAX 1024

static mk_err sv_fail(char *err, size_t errlen, mk_err code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

void mk__state_now(uint64_t *tsc, uint64_t *ns) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    *tsc = __rdtsc();
    *ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sv_read_at(int fd, void *buf, size_t len, off_t off) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Reads [off, off + len) of the file into buf (zeroed beforehand), skipping holes. */
static int sv_read_sparse(int fd, char *buf, size_t len, off_t off) {
    off_t end = off + (off_t)len, pos = off;
    while (pos < end) {
        off_t d = lseek(fd, pos, SEEK_DATA);
        if (d < 0) return errno == ENXIO ? 0 : -1;
        if (d >= end) return 0;
        off_t h = lseek(fd, d, SEEK_HOLE);
        if (h < 0 || h > end) h = end;
        if (sv_read_at(fd, buf + (d - off), (size_t)(h - d), d)) return -1;
        pos = h;
    }
    return 0;
}

struct sv_copy {
    struct mk__state_hdr h;
    char *rec;       /* h.rec_size bytes */
    char *region;    /* rlen bytes */
    uint64_t rlen;
};

/* A global figure from the first part (0 when the field is unusable). */
static uint64_t sv_glob(const struct sv_copy *c, int i) {
    struct mk__state_field f = c->h.global[i];
    if ((uint32_t)i >= c->h.nglobal || (f.size != 4 && f.size != 8) || (uint64_t)f.off + f.size > c->h.rec_size) return 0;
    if (f.size == 4) {
        uint32_t v;
        memcpy(&v, c->rec + f.off, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, c->rec + f.off, 8);
    return v;
}

/* A writer pointer to n bytes in the region, as a pointer into the copy, or NULL. */
static const char *sv_rptr(const struct sv_copy *c, uint64_t p, uint64_t n) {
    if (p < c->h.region_addr) return NULL;
    uint64_t o = p - c->h.region_addr;
    if (o > c->rlen || n > c->rlen - o) return NULL;
    return c->region + o;
}

static uint64_t sv_sfield(const struct sv_copy *c, const char *site, int i) {
    struct mk__state_field f = c->h.site[i];
    uint64_t v = 0;
    if (f.size == 4) {
        uint32_t w;
        memcpy(&w, site + f.off, 4);
        v = w;
    } else if (f.size == 8) {
        memcpy(&v, site + f.off, 8);
    }
    return v;
}

static mk_err sv_check_hdr(const struct mk__state_hdr *h, uint64_t fsize, char *err, size_t errlen) {
    if (memcmp(h->magic, MK_STATE_MAGIC, 8) != 0) return sv_fail(err, errlen, MK_EFORMAT, "not a memkit state file");
    if (h->version > MK_STATE_VERSION)
        return sv_fail(err, errlen, MK_EFORMAT, "state file written by a newer memkit (state version %u; this memkit reads %u)",
                    h->version, MK_STATE_VERSION);
    if (h->version != MK_STATE_VERSION || h->hdr_size < sizeof *h || h->rec_size < sizeof *h || h->rec_size > MK_REC_MAX ||
        h->rec_size % 4096 || h->nglobal > MK_SG_N || h->nsite > MK_SS_N || h->nsite < MK_SS_N ||
        h->site_size > 4096 || h->site_size < 8 || h->region_used > h->region_cap)
        return sv_fail(err, errlen, MK_EFORMAT, "corrupt state file (bad header)");
    if (fsize < h->rec_size + h->region_used)
        return sv_fail(err, errlen, MK_EFORMAT, "truncated state file (%llu bytes, the header says %llu)", (unsigned long long)fsize,
                    (unsigned long long)(h->rec_size + h->region_used));
    if (fsize < h->rec_size) return sv_fail(err, errlen, MK_EFORMAT, "truncated state file (%llu bytes, the header says at least %llu)",
                                        (unsigned long long)fsize, (unsigned long long)h->rec_size);
    for (int i = 0; i < MK_SS_N; i++) {
        struct mk__state_field f = h->site[i];
        if ((f.size != 4 && f.size != 8) || (uint64_t)f.off + f.size > (i == MK_SS_FRAMES ? h->site_size + 8u : h->site_size))
            return sv_fail(err, errlen, MK_EFORMAT, "corrupt state file (bad site layout)");
    }
    return MK_OK;
}

static mk_err sv_take_copy(int fd, uint64_t fsize, struct sv_copy *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    for (int attempt = 0;; attempt++) {
        free(c->rec), free(c->region);
        c->rec = c->region = NULL;
        if (sv_read_at(fd, &c->h, sizeof c->h, 0)) return sv_fail(err, errlen, MK_EFORMAT, "truncated state file (no header)");
        mk_err rc = sv_check_hdr(&c->h, fsize, err, errlen);
        if (rc) return rc;
        uint64_t gen = c->h.gen;
        c->rec = malloc(c->h.rec_size);
        c->rlen = c->h.region_used;
        if (c->rlen > fsize - c->h.rec_size) c->rlen = fsize - c->h.rec_size;
        c->region = calloc(1, c->rlen ? c->rlen : 1);
        if (!c->rec || !c->region) return sv_fail(err, errlen, MK_ENOMEM, "out of memory reading the state");
        if (sv_read_at(fd, c->rec, c->h.rec_size, 0) || sv_read_sparse(fd, c->region, c->rlen, (off_t)c->h.rec_size))
            return sv_fail(err, errlen, MK_EIO, "cannot read the state file: %s", strerror(errno ? errno : EIO));
        memcpy(&c->h, c->rec, sizeof c->h); /* the header as of the copy */
        rc = sv_check_hdr(&c->h, fsize, err, errlen);
        if (rc) return rc;
        struct mk__state_hdr again;
        if (sv_read_at(fd, &again, sizeof again, 0)) return sv_fail(err, errlen, MK_EFORMAT, "truncated state file");
        if ((gen % 2 == 0 && again.gen == gen) || attempt >= 20) return MK_OK;
        usleep(1000); /* the writer is decimating its timeline or writing modules: a moment */
    }
}

/* ---- building the raw stream ---- */

struct sv_out {
    char *p;
    size_t len, cap;
    int failed;
};

static void sv_put(struct sv_out *o, const void *d, size_t n) {
    if (o->failed) return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 65536;
        while (cap < o->len + n) cap *= 2;
        char *q = realloc(o->p, cap);
        if (!q) {
            o->failed = 1;
            return;
        }
        o->p = q, o->cap = cap;
    }
    memcpy(o->p + o->len, d, n);
    o->len += n;
}

static void sv_record(struct sv_out *o, uint32_t tag, const void *a, size_t alen, const void *b, size_t blen) {
    static const char zeros[8];
    struct mk__raw_record r = {tag, (uint32_t)(alen + blen)};
    sv_put(o, &r, sizeof r);
    if (alen) sv_put(o, a, alen);
    if (blen) sv_put(o, b, blen);
    size_t pad = (8 - (alen + blen) % 8) % 8;
    if (pad) sv_put(o, zeros, pad);
}

static uint64_t sv_clamp(uint64_t v, uint64_t max, uint64_t *clamped) {
    if (v <= max) return v;
    ++*clamped;
    return max;
}

mk_err mk__state_load(const char *path, uint64_t now_tsc, uint64_t now_ns, mk__state_view *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sv_fail(err, errlen, mk_err_from_errno(errno), "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sv_fail(err, errlen, MK_EFORMAT, "%s is not a state file", path);
    }
    if (st.st_uid != geteuid()) {
        close(fd);
        return sv_fail(err, errlen, MK_EACCES, "%s belongs to another user", path);
    }
    struct sv_copy c;
    mk_err rc = sv_take_copy(fd, (uint64_t)st.st_size, &c, err, errlen);
    close(fd);
    if (rc) {
        free(c.rec), free(c.region);
        return rc;
    }
    v->status = c.h.status;
    v->state_flags = c.h.state_flags;
    v->state_bytes = (uint64_t)st.st_blocks * 512;
    v->snap_seq = c.h.snap_seq;

    /* The clock: over the whole run, from the end calibration or the reader's own reading (the same
     * TSC: one machine), else the writer's 200 us start calibration. */
    uint64_t tsc0 = sv_glob(&c, MK_SG_TSC0), ns0 = sv_glob(&c, MK_SG_NS0), tpu_bits = sv_glob(&c, MK_SG_TICKS_PER_US);
    double tpu;
    memcpy(&tpu, &tpu_bits, sizeof tpu);
    uint64_t end_tsc = c.h.status != MK_STATE_RUNNING && c.h.end_tsc ? c.h.end_tsc : now_tsc;
    uint64_t end_ns = c.h.status != MK_STATE_RUNNING && c.h.end_ns ? c.h.end_ns : now_ns;
    if (end_ns > ns0 + 1000000 && end_tsc > tsc0) {
        double r = (double)(end_tsc - tsc0) * 1000.0 / (double)(end_ns - ns0);
        if (!(tpu > 0) || (r > tpu * 0.5 && r < tpu * 2)) tpu = r;
    }
    if (!(tpu > 0)) tpu = 1;
    if (end_tsc < tsc0) end_tsc = tsc0;
#define US(ticks) ((uint64_t)((double)(ticks) / tpu))
    uint64_t end_bt = (end_tsc - tsc0) >> 10;

    struct sv_out o = {0};
    struct mk__raw_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MK_RAW_MAGIC, 8);
    h.version = MK_RAW_VERSION;
    h.flags = (uint32_t)sv_glob(&c, MK_SG_FLAGS);
    h.pid = sv_glob(&c, MK_SG_PID);
    h.ppid = sv_glob(&c, MK_SG_PPID);
    h.sample_bytes = sv_glob(&c, MK_SG_SAMPLE);
    h.max_depth = sv_glob(&c, MK_SG_DEPTH);
    h.t_end = US(end_tsc - tsc0);
    uint64_t tg = sv_glob(&c, MK_SG_TGMAX_TSC);
    h.t_gmax = tg > tsc0 ? US(tg - tsc0) : 0;
    if (h.t_gmax > h.t_end) h.t_gmax = h.t_end;
    if (c.h.state_flags & MK_STATE_INCOMPLETE) h.flags |= MK_RAW_TRUNCATED;
    sv_record(&o, MK_RAW_HEADER, &h, sizeof h, NULL, 0);
    const char *cmd = sv_rptr(&c, c.h.cmd_ptr, c.h.cmd_len);
    if (cmd && c.h.cmd_len && c.h.cmd_len < (1u << 24) && cmd[c.h.cmd_len - 1] == 0) sv_record(&o, MK_RAW_CMD, cmd, c.h.cmd_len, NULL, 0);
    const char *mods = sv_rptr(&c, c.h.mods_ptr, c.h.mods_len);
    if (mods && c.h.mods_len % 8 == 0) sv_put(&o, mods, c.h.mods_len); /* already raw records: parsed below */

    struct mk__raw_totals t;
    memset(&t, 0, sizeof t);
    uint64_t nsites = sv_glob(&c, MK_SG_NSITES), sites_ptr = sv_glob(&c, MK_SG_SITES), peak_seq = sv_glob(&c, MK_SG_PEAK_SEQ);
    const char *sites = nsites <= (1u << 22) ? sv_rptr(&c, sites_ptr, nsites * 8) : NULL;
    if (!sites) nsites = 0;
    uint32_t *rawix = calloc(nsites ? nsites : 1, sizeof *rawix); /* recorder site -> raw site + 1 */
    uint32_t nraw = 0;
    if (!rawix) o.failed = 1;
    for (uint64_t i = 0; i < nsites && !o.failed; i++) {
        uint64_t sp;
        memcpy(&sp, sites + i * 8, 8);
        const char *s = sv_rptr(&c, sp, c.h.site_size);
        if (!s) {
            if (sp) v->lost_sites++;
            continue;
        }
        uint64_t nfr = sv_sfield(&c, s, MK_SS_NFRAMES);
        const char *fr = nfr <= MK_FRAMES_MAX ? sv_rptr(&c, sp + c.h.site[MK_SS_FRAMES].off, nfr * 8) : NULL;
        if (!fr) {
            v->lost_sites++;
            continue;
        }
        t.tb += sv_sfield(&c, s, MK_SS_RAW_TB);
        t.tbk += sv_sfield(&c, s, MK_SS_RAW_TBK);
        t.frees += sv_sfield(&c, s, MK_SS_RAW_FREES);
        t.reallocs += sv_sfield(&c, s, MK_SS_RAW_REALLOCS);
        uint64_t tbk = sv_sfield(&c, s, MK_SS_TBK);
        if (i == 0 || !tbk) continue;
        struct mk__raw_site r;
        memset(&r, 0, sizeof r);
        uint64_t clamped = 0;
        r.tb = sv_sfield(&c, s, MK_SS_TB);
        r.tbk = tbk;
        uint64_t live = sv_clamp(sv_sfield(&c, s, MK_SS_LIVE), r.tb, &clamped), livek = sv_clamp(sv_sfield(&c, s, MK_SS_LIVEK), r.tbk, &clamped);
        uint64_t tl = sv_sfield(&c, s, MK_SS_TL) + livek * end_bt, bsum = sv_sfield(&c, s, MK_SS_BIRTH_SUM);
        r.tl = tl > bsum ? US((tl - bsum) << 10) : 0;
        r.mb = sv_clamp(sv_sfield(&c, s, MK_SS_MB), r.tb, &clamped);
        r.mbk = sv_clamp(sv_sfield(&c, s, MK_SS_MBK), r.tbk, &clamped);
        int unsaved = sv_sfield(&c, s, MK_SS_SEQ) != peak_seq;
        r.gb = sv_clamp(unsaved ? live : sv_sfield(&c, s, MK_SS_GB), r.tb, &clamped);
        r.gbk = sv_clamp(unsaved ? livek : sv_sfield(&c, s, MK_SS_GBK), r.tbk, &clamped);
        r.eb = live;
        r.ebk = livek;
        r.temporary = sv_clamp(sv_sfield(&c, s, MK_SS_TEMPORARY), r.tbk, &clamped);
        r.short_lived = sv_clamp(sv_sfield(&c, s, MK_SS_SHORT_LIVED), r.tbk, &clamped);
        r.reallocs = sv_sfield(&c, s, MK_SS_REALLOCS);
        r.max_chain = sv_sfield(&c, s, MK_SS_MAX_CHAIN);
        r.min_size = sv_sfield(&c, s, MK_SS_MIN_SIZE);
        if (r.min_size == UINT64_MAX) r.min_size = 0;
        r.max_size = sv_sfield(&c, s, MK_SS_MAX_SIZE);
        r.small = sv_clamp(sv_sfield(&c, s, MK_SS_SMALL), r.tbk, &clamped);
        r.nframes = (uint32_t)nfr;
        uint64_t kind = sv_sfield(&c, s, MK_SS_KIND);
        r.kind = kind > MK_FN_LAST ? MK_FN_OTHER : (uint32_t)kind;
        if (clamped) v->clamped++;
        sv_record(&o, MK_RAW_SITE, &r, sizeof r, fr, nfr * 8);
        rawix[i] = ++nraw;
    }
    t.tb += sv_glob(&c, MK_SG_UNS_TB);
    t.tbk += sv_glob(&c, MK_SG_UNS_TBK);
    t.frees += sv_glob(&c, MK_SG_UNS_FREES);
    t.gb = sv_clamp(sv_glob(&c, MK_SG_MAX_BYTES), t.tb, &v->clamped);
    t.gbk = sv_clamp(sv_glob(&c, MK_SG_MAX_BLOCKS), t.tbk, &v->clamped);
    t.eb = sv_clamp(sv_glob(&c, MK_SG_LIVE_BYTES), t.gb, &v->clamped);
    t.ebk = sv_clamp(sv_glob(&c, MK_SG_LIVE_BLOCKS), t.tbk, &v->clamped);
    t.unknown_frees = sv_glob(&c, MK_SG_UNKNOWN_FREES);
    t.threads = sv_glob(&c, MK_SG_THREADS);
    t.recorder_bytes = c.h.recorder_bytes;
    v->live_bytes = t.eb;
    v->lost_sites += c.h.lost_sites;
    sv_record(&o, MK_RAW_TOTALS, &t, sizeof t, NULL, 0);
    sv_record(&o, MK_RAW_END, NULL, 0, NULL, 0);

    /* The timeline: times strictly increasing, then a last point at t-end with the end figures. */
    uint64_t ntl = c.h.tl_n <= MK_STATE_TIMELINE ? c.h.tl_n : 0;
    const char *tlp = sv_rptr(&c, c.h.tl_ptr, ntl * sizeof(struct mk__state_point));
    v->points = malloc((ntl + 1) * sizeof *v->points);
    if (!v->points) o.failed = 1;
    uint64_t keep = ntl < MK_STATE_TIMELINE ? ntl : MK_STATE_TIMELINE - 1; /* room for the point at t-end */
    for (uint64_t i = 0; tlp && v->points && i < keep; i++) {
        struct mk__state_point q;
        memcpy(&q, tlp + i * sizeof q, sizeof q);
        if (q.tsc < tsc0 || q.tsc > end_tsc) continue;
        uint64_t us = US(q.tsc - tsc0);
        if (v->npoints && us <= v->points[v->npoints - 1][0]) continue;
        if (us >= h.t_end) break;
        v->points[v->npoints][0] = us;
        v->points[v->npoints][1] = sv_clamp(q.live_bytes, t.tb, &v->clamped);
        v->points[v->npoints][2] = sv_clamp(q.live_blocks, t.tbk, &v->clamped);
        v->points[v->npoints][3] = sv_clamp(q.total_bytes, t.tb, &v->clamped);
        v->npoints++;
    }
    if (v->points) {
        v->points[v->npoints][0] = h.t_end;
        v->points[v->npoints][1] = t.eb;
        v->points[v->npoints][2] = t.ebk;
        v->points[v->npoints][3] = t.tb;
        v->npoints++;
    }
    /* Detailed points: slots whose sequence is even (complete), entries of sites that were written. */
    uint64_t ndt = c.h.dt_n <= MK_STATE_DETAILED ? c.h.dt_n : 0;
    v->detailed = calloc(ndt ? ndt : 1, sizeof *v->detailed);
    if (!v->detailed) o.failed = 1;
    for (uint64_t i = 0; v->detailed && i < ndt && !o.failed; i++) {
        const struct mk__state_detail *d = &c.h.dt[i];
        if (d->seq % 2 || d->n > d->cap || d->n > MK_STATE_DETAIL_MAX || d->tsc < tsc0 || d->tsc > end_tsc) continue;
        const char *e = sv_rptr(&c, d->entries, (uint64_t)d->n * sizeof(struct mk__state_entry));
        if (!e && d->n) continue;
        uint64_t us = US(d->tsc - tsc0);
        if (v->ndetailed && us <= v->detailed[v->ndetailed - 1].t) continue;
        struct mk__state_dview *dv = &v->detailed[v->ndetailed];
        dv->t = us;
        dv->site = malloc((d->n ? d->n : 1) * sizeof *dv->site);
        dv->live = malloc((d->n ? d->n : 1) * sizeof *dv->live);
        if (!dv->site || !dv->live) {
            free(dv->site), free(dv->live);
            o.failed = 1;
            break;
        }
        for (uint32_t k = 0; k < d->n; k++) {
            struct mk__state_entry en;
            memcpy(&en, e + (size_t)k * sizeof en, sizeof en);
            if (en.site >= nsites || !rawix[en.site]) continue;
            dv->site[dv->n] = rawix[en.site] - 1;
            dv->live[dv->n] = en.live;
            dv->n++;
        }
        v->ndetailed++;
    }
#undef US
    free(rawix);
    free(c.rec);
    free(c.region);
    if (o.failed) {
        free(o.p);
        mk__state_free(v);
        return sv_fail(err, errlen, MK_ENOMEM, "out of memory reading the state");
    }
    rc = mk__raw_parse(o.p, o.len, &v->raw, err, errlen);
    if (rc) {
        char why[256];
        snprintf(why, sizeof why, "%s", err ? err : "");
        sv_fail(err, errlen, rc, "corrupt state file (%s)", why);
        memset(&v->raw, 0, sizeof v->raw); /* mk__raw_parse freed it */
        mk__state_free(v);
        return rc;
    }
    return MK_OK;
}

void mk__state_free(mk__state_view *v) {
    if (v->raw.data_ || v->raw.sites) mk__raw_free(&v->raw);
    for (size_t i = 0; i < v->ndetailed; i++) free(v->detailed[i].site), free(v->detailed[i].live);
    free(v->detailed);
    free(v->points);
    memset(v, 0, sizeof *v);
}

int mk__state_peek(const char *path, uint64_t *snap_seq, uint64_t *live_bytes, uint32_t *status) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    struct mk__state_hdr h;
    int rc = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && !sv_read_at(fd, &h, sizeof h, 0) &&
        !sv_check_hdr(&h, (uint64_t)st.st_size, NULL, 0)) {
        struct mk__state_field f = h.global[MK_SG_LIVE_BYTES];
        uint64_t lb = 0;
        if (f.size == 8 && f.off + 8u <= h.rec_size && !sv_read_at(fd, &lb, 8, f.off)) {
            *snap_seq = h.snap_seq;
            *live_bytes = lb;
            *status = h.status;
            rc = 0;
        }
    }
    close(fd);
    return rc;
}
