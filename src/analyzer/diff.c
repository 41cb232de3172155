/* diff.c - two profiles side by side (diff.h).
 *
 * Stacks are compared as the tools agree on them: without addresses and compiler clone suffixes,
 * without the allocator's entry frames at the inner end and the frames below main at the outer end
 * (valgrind keeps the first and cuts the second, memkit the other way round).
 *
 * Frames are reduced to their text without the address and interned; each site becomes the
 * sequence of those indices, and both profiles' sites are sorted by it and merged in one pass, so
 * matching is O(n log n) in the number of sites.
 *
 * Sites left in one run only then go through two looser passes, each a sort by a key and a pairing
 * within equal keys: the stack's function names (the same calls, lines moved: a rebuilt or edited
 * source), then the job, the two outermost functions (count_word called by main: the same work
 * done another way). Within a key the k-th largest gone site (total bytes, then blocks, then stack
 * order) pairs with the k-th largest new one, so a site is matched at most once and the result does
 * not depend on the input order.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* A frame's text without "0xADDR: " and without a compiler clone's suffix on the function
 * (make_zeroed.constprop.0 is make_zeroed), into buf. */
static const char *strip(const char *f, char *buf, size_t cap) {
    if (f[0] == '0' && f[1] == 'x') {
        const char *c = strstr(f, ": ");
        if (c) f = c + 2;
    }
    const char *fn;
    size_t len;
    mk__frame_func(f, &fn, &len);
    static const char *const clones[] = {".constprop.", ".isra.", ".part.", ".cold", ".lto_priv.", ".llvm."};
    size_t cut = len;
    for (size_t i = 0; i < sizeof clones / sizeof clones[0]; i++) {
        const char *c = memmem(fn, len, clones[i], strlen(clones[i]));
        if (c && (size_t)(c - fn) < cut) cut = (size_t)(c - fn);
    }
    if (cut == len || strlen(f) - (len - cut) >= cap) return f;
    size_t head = (size_t)(fn - f) + cut;
    memcpy(buf, f, head);
    strcpy(buf + head, fn + len);
    return buf;
}

/* Frames that differ between tools rather than between runs: the allocator's entry point (valgrind
 * keeps its own malloc frame, memkit drops it) and the frames below main (valgrind stops at main). */
enum { F_ALLOC = 1, F_BELOW_MAIN = 2 };

static int frame_kind(const char *text) {
    static const char *const alloc[] = {"malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign",
                                        "aligned_alloc", "valloc", "pvalloc", "operator new", "operator new[]",
                                        "__libc_malloc", "__libc_calloc", "__libc_realloc"};
    static const char *const below[] = {"__libc_start_call_main", "__libc_start_main_impl", "__libc_start_main",
                                        "_start", "(below main)"};
    const char *fn;
    size_t len;
    mk__frame_func(text, &fn, &len);
    for (size_t i = 0; i < sizeof alloc / sizeof alloc[0]; i++) {
        size_t n = strlen(alloc[i]);
        if (len >= n && !strncmp(fn, alloc[i], n) && (len == n || fn[n] == '(')) return F_ALLOC;
    }
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
        if (len == strlen(below[i]) && !strncmp(fn, below[i], len)) return F_BELOW_MAIN;
    return 0;
}

struct ftab {
    uint64_t *h;
    uint32_t *id; /* +1 */
    size_t cap, n;
};

static uint64_t hstr(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* The interned index of text s in d->frames, or -1 when out of memory. */
static long intern(mk__diff *d, struct ftab *t, const char *s) {
    if (t->n * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        uint64_t *nh = calloc(cap, sizeof *nh);
        uint32_t *ni = calloc(cap, sizeof *ni);
        if (!nh || !ni) return free(nh), free(ni), -1;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->id[i]) continue;
            size_t j = t->h[i] & (cap - 1);
            while (ni[j]) j = (j + 1) & (cap - 1);
            nh[j] = t->h[i], ni[j] = t->id[i];
        }
        free(t->h), free(t->id);
        t->h = nh, t->id = ni, t->cap = cap;
    }
    uint64_t h = hstr(s);
    size_t j = h & (t->cap - 1);
    for (; t->id[j]; j = (j + 1) & (t->cap - 1))
        if (t->h[j] == h && !strcmp(d->frames[t->id[j] - 1], s)) return t->id[j] - 1;
    if (d->nframes % 1024 == 0) {
        char **n = realloc(d->frames, (d->nframes + 1024) * sizeof *n);
        if (!n) return -1;
        d->frames = n;
    }
    char *c = strdup(s);
    if (!c) return -1;
    d->frames[d->nframes] = c;
    t->h[j] = h, t->id[j] = (uint32_t)d->nframes + 1, t->n++;
    return (long)d->nframes++;
}

struct ent {
    uint32_t *fs;
    uint32_t nfs;
    int side; /* 0 before, 1 after */
    uint64_t v[MK_DV_N];
};

static int cmp_ent(const void *x, const void *y) {
    const struct ent *a = x, *b = y;
    uint32_t n = a->nfs < b->nfs ? a->nfs : b->nfs;
    for (uint32_t k = 0; k < n; k++)
        if (a->fs[k] != b->fs[k]) return a->fs[k] < b->fs[k] ? -1 : 1;
    return (a->nfs > b->nfs) - (a->nfs < b->nfs);
}

/* Frame texts x and y of d compared by their function names only. */
static int cmp_func(const mk__diff *d, uint32_t x, uint32_t y) {
    if (x == y) return 0;
    const char *a, *b;
    size_t na, nb;
    mk__frame_func(d->frames[x], &a, &na);
    mk__frame_func(d->frames[y], &b, &nb);
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static int is_func(const mk__diff *d, uint32_t f, const char *name) {
    const char *a;
    size_t n;
    mk__frame_func(d->frames[f], &a, &n);
    return n == strlen(name) && !memcmp(a, name, n);
}

/* A site not yet matched, with the frames [lo, hi) of its stack that a loose pass compares. */
struct cand {
    mk__diff_site *s;
    const mk__diff *d;
    uint32_t lo, hi;
    int side; /* 0 gone (before only), 1 new (after only) */
};

static int cmp_key(const struct cand *a, const struct cand *b) {
    uint32_t na = a->hi - a->lo, nb = b->hi - b->lo, n = na < nb ? na : nb;
    for (uint32_t k = 0; k < n; k++) {
        int c = cmp_func(a->d, a->s->fs[a->lo + k], b->s->fs[b->lo + k]);
        if (c) return c;
    }
    return (na > nb) - (na < nb);
}

/* Equal keys together, gone before new, each the largest first; the stack's order last. */
static int cmp_cand(const void *x, const void *y) {
    const struct cand *a = x, *b = y;
    int c = cmp_key(a, b);
    if (c) return c;
    if (a->side != b->side) return a->side - b->side;
    const uint64_t *va = a->side ? a->s->a : a->s->b, *vb = b->side ? b->s->a : b->s->b;
    if (va[MK_DV_TB] != vb[MK_DV_TB]) return va[MK_DV_TB] < vb[MK_DV_TB] ? 1 : -1;
    if (va[MK_DV_TBK] != vb[MK_DV_TBK]) return va[MK_DV_TBK] < vb[MK_DV_TBK] ? 1 : -1;
    return cmp_ent(&(struct ent){.fs = a->s->fs, .nfs = a->s->nfs}, &(struct ent){.fs = b->s->fs, .nfs = b->s->nfs});
}

/* One loose pass (MK_DM_FUNCS or MK_DM_JOB) over the sites only one run has: pairs them, moves the
 * new site's figures and stack into the gone one and drops the new one. Returns MK_OK or MK_ENOMEM. */
static mk_err loose_pass(mk__diff *d, int how) {
    struct cand *c = calloc(d->nsites + 1, sizeof *c);
    if (!c) return MK_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < d->nsites; i++) {
        mk__diff_site *s = &d->sites[i];
        if (s->how != MK_DM_NONE || !s->nfs) continue;
        uint32_t lo = 0, hi = s->nfs;
        if (how == MK_DM_JOB) {
            /* a thread's sites all start in its entry frames: the job is the function they call */
            while (hi > 1 && (is_func(d, s->fs[hi - 1], "clone3") || is_func(d, s->fs[hi - 1], "clone") ||
                              is_func(d, s->fs[hi - 1], "start_thread")))
                hi--;
            lo = hi > 2 ? hi - 2 : 0;
        }
        c[n++] = (struct cand){s, d, lo, hi, s->b[MK_DV_TB] || s->b[MK_DV_TBK] ? 0 : 1};
    }
    qsort(c, n, sizeof *c, cmp_cand);
    for (size_t i = 0; i < n;) {
        size_t j = i, g;
        while (j < n && !cmp_key(&c[i], &c[j])) j++;
        for (g = i; g < j && !c[g].side; g++) {}
        for (size_t k = 0; i + k < g && g + k < j; k++) {
            mk__diff_site *b = c[i + k].s, *a = c[g + k].s;
            memcpy(b->a, a->a, sizeof b->a);
            b->fs_a = a->fs, b->nfs_a = a->nfs, b->how = how;
            a->fs = NULL, a->nfs = 0, a->how = -1;
            d->gone--, d->added--;
            if (how == MK_DM_FUNCS) d->matched_funcs++;
            else d->matched_job++;
        }
        i = j;
    }
    free(c);
    size_t o = 0;
    for (size_t i = 0; i < d->nsites; i++)
        if (d->sites[i].how >= 0) d->sites[o++] = d->sites[i];
    d->nsites = o;
    return MK_OK;
}

mk_err mk__diff_build(mk__diff *d, const mk__prof *before, const char *path_b, const mk__prof *after,
                      const char *path_a) {
    memset(d, 0, sizeof *d);
    d->before = before, d->after = after, d->path_b = path_b, d->path_a = path_a;
    struct ftab t = {0};
    size_t n = before->nsites + after->nsites, ne = 0;
    struct ent *e = calloc(n + 1, sizeof *e);
    mk_err rc = e ? MK_OK : MK_ENOMEM;
    for (int side = 0; side < 2 && !rc; side++) {
        const mk__prof *p = side ? after : before;
        long *map = calloc(p->nftbl + 1, sizeof *map);
        unsigned char *kind = calloc(p->nftbl + 1, 1);
        char buf[4096];
        if (!map || !kind) { free(map); free(kind); rc = MK_ENOMEM; break; }
        for (size_t i = 0; i < p->nftbl && !rc; i++) {
            if ((map[i] = intern(d, &t, strip(p->ftbl[i], buf, sizeof buf))) < 0) rc = MK_ENOMEM;
            kind[i] = (unsigned char)frame_kind(p->ftbl[i]);
        }
        for (size_t i = 0; i < p->nsites && !rc; i++) {
            const mk__prof_site *s = &p->sites[i];
            struct ent *x = &e[ne++];
            uint32_t lo = 0, hi = s->nfs;
            while (lo + 1 < hi && kind[s->fs[lo]] == F_ALLOC) lo++;
            while (hi > lo + 1 && kind[s->fs[hi - 1]] == F_BELOW_MAIN) hi--;
            x->side = side;
            x->nfs = hi - lo;
            if (!(x->fs = malloc((s->nfs + 1) * sizeof *x->fs))) { rc = MK_ENOMEM; break; }
            for (uint32_t k = lo; k < hi; k++) x->fs[k - lo] = (uint32_t)map[s->fs[k]];
            const uint64_t v[MK_DV_N] = {s->f.tb, s->f.tbk, s->f.gb, s->f.eb, s->f.temporary};
            memcpy(x->v, v, sizeof v);
        }
        free(map);
        free(kind);
    }
    if (!rc) qsort(e, ne, sizeof *e, cmp_ent);
    if (!rc && !(d->sites = calloc(ne + 1, sizeof *d->sites))) rc = MK_ENOMEM;
    for (size_t i = 0; i < ne && !rc;) {
        size_t j = i;
        mk__diff_site *s = &d->sites[d->nsites++];
        for (; j < ne && !cmp_ent(&e[i], &e[j]); j++)
            for (int k = 0; k < MK_DV_N; k++) (e[j].side ? s->a : s->b)[k] += e[j].v[k];
        s->fs = e[i].fs, s->nfs = e[i].nfs;
        e[i].fs = NULL; /* owned by the site now */
        int had_b = 0, had_a = 0;
        for (size_t k = i; k < j; k++) *(e[k].side ? &had_a : &had_b) = 1;
        if (had_a && had_b) d->matched++, s->how = MK_DM_STACK;
        else if (had_a) d->added++;
        else d->gone++;
        i = j;
    }
    if (!rc) rc = loose_pass(d, MK_DM_FUNCS);
    if (!rc) rc = loose_pass(d, MK_DM_JOB);
    for (size_t i = 0; e && i < ne; i++) free(e[i].fs);
    free(e);
    free(t.h);
    free(t.id);
    if (rc) mk__diff_free(d);
    return rc;
}

void mk__diff_free(mk__diff *d) {
    for (size_t i = 0; i < d->nsites; i++) free(d->sites[i].fs), free(d->sites[i].fs_a);
    free(d->sites);
    for (size_t i = 0; i < d->nframes; i++) free(d->frames[i]);
    free(d->frames);
    d->sites = NULL, d->frames = NULL, d->nsites = d->nframes = 0;
}

/* "+1,234 (+5.0%)", "-1,234 (-100.0%)", "+1,234 (new)", "no change". */
static const char *change(char *buf, size_t cap, uint64_t b, uint64_t a) {
    char n[32];
    if (a == b) snprintf(buf, cap, "no change");
    else if (!b) snprintf(buf, cap, "+%s (new)", mk__fmt_count(n, a));
    else snprintf(buf, cap, "%c%s (%c%.1f%%)", a > b ? '+' : '-', mk__fmt_count(n, a > b ? a - b : b - a), a > b ? '+' : '-',
                  100.0 * (double)(a > b ? a - b : b - a) / (double)b);
    return buf;
}

static const char *dur(char *buf, size_t cap, uint64_t us) {
    if (us < 1000) snprintf(buf, cap, "%" PRIu64 " µs", us);
    else if (us < 1000000) snprintf(buf, cap, "%.1f ms", (double)us / 1e3);
    else snprintf(buf, cap, "%.2f s", (double)us / 1e6);
    return buf;
}

static uint64_t absdiff(const mk__diff_site *s) { return s->a[0] > s->b[0] ? s->a[0] - s->b[0] : s->b[0] - s->a[0]; }

static int cmp_change(const void *x, const void *y) {
    const mk__diff_site *a = *(const mk__diff_site *const *)x, *b = *(const mk__diff_site *const *)y;
    uint64_t da = absdiff(a), db = absdiff(b);
    if (da != db) return da < db ? 1 : -1;
    uint64_t ta = a->a[1] > a->b[1] ? a->a[1] - a->b[1] : a->b[1] - a->a[1], tb = b->a[1] > b->b[1] ? b->a[1] - b->b[1] : b->b[1] - b->a[1];
    if (ta != tb) return ta < tb ? 1 : -1;
    return cmp_ent(&(struct ent){.fs = a->fs, .nfs = a->nfs}, &(struct ent){.fs = b->fs, .nfs = b->nfs});
}

/* " [~~ same job: count_word <- main]": the functions a job match compared, innermost first. */
static void job_name(const mk__diff *d, const mk__diff_site *s, char *buf, size_t cap) {
    uint32_t hi = s->nfs;
    while (hi > 1 && (is_func(d, s->fs[hi - 1], "clone3") || is_func(d, s->fs[hi - 1], "clone") ||
                      is_func(d, s->fs[hi - 1], "start_thread")))
        hi--;
    size_t o = (size_t)snprintf(buf, cap, " [~~ same job: ");
    uint32_t lo = hi > 2 ? hi - 2 : 0;
    for (uint32_t k = lo; k < hi && o < cap; k++) {
        const char *f;
        size_t n;
        mk__frame_func(d->frames[s->fs[k]], &f, &n);
        o += (size_t)snprintf(buf + o, cap - o, "%s%.*s", k == lo ? "" : " <- ", (int)(n > 60 ? 60 : n), f);
    }
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

/* A frame whose function matched but whose location moved: "f (naive.c:52 -> wordfreq.c:70)". */
static void print_moved(FILE *o, const char *b, const char *a) {
    const char *fb, *fa;
    size_t nb, na;
    mk__frame_func(b, &fb, &nb);
    mk__frame_func(a, &fa, &na);
    const char *lb = fb + nb, *la = fa + na;
    size_t lbn = strlen(lb);
    if (!strncmp(lb, " (", 2) && lbn > 3 && lb[lbn - 1] == ')' && !strncmp(la, " (", 2))
        fprintf(o, "    %.*s -> %s\n", (int)(lb + lbn - 1 - b), b, la + 2);
    else fprintf(o, "    %s -> %s\n", b, a);
}

int mk__diff_text(const mk__diff *d, FILE *o, size_t top) {
    const struct mk__raw_totals *B = &d->before->totals, *A = &d->after->totals;
    char x[32], y[32], c[64];
    fprintf(o, "memkit diff: %s -> %s\n", d->path_b, d->path_a);
    fprintf(o, "Before: `%s` (pid %" PRIu64 ")\nAfter:  `%s` (pid %" PRIu64 ")\n\n", d->before->cmd, d->before->pid,
            d->after->cmd, d->after->pid);
    fprintf(o, "%-18s %20s %20s   %s\n", "", "before", "after", "change");
    const struct { const char *label; uint64_t b, a; } rows[] = {
        {"Total bytes:", B->tb, A->tb}, {"Total blocks:", B->tbk, A->tbk}, {"At t-gmax bytes:", B->gb, A->gb},
        {"At t-gmax blocks:", B->gbk, A->gbk}, {"At t-end bytes:", B->eb, A->eb}, {"At t-end blocks:", B->ebk, A->ebk},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(o, "%-18s %20s %20s   %s\n", rows[i].label, mk__fmt_count(x, rows[i].b), mk__fmt_count(y, rows[i].a),
                change(c, sizeof c, rows[i].b, rows[i].a));
    if (d->before->time_us && d->after->time_us) {
        uint64_t b = d->before->te, a = d->after->te;
        char z[32];
        snprintf(c, sizeof c, "%c%s", a >= b ? '+' : '-', dur(z, sizeof z, a >= b ? a - b : b - a));
        if (b) snprintf(c + strlen(c), sizeof c - strlen(c), " (%c%.1f%%)", a >= b ? '+' : '-', 100.0 * (double)(a >= b ? a - b : b - a) / (double)b);
        fprintf(o, "%-18s %20s %20s   %s\n", "Wall time:", dur(x, sizeof x, b), dur(y, sizeof y, a), c);
    }
    fprintf(o, "\nSites: %zu before, %zu after; %zu matched by stack, ", d->before->nsites, d->after->nsites, d->matched);
    if (d->matched_funcs) fprintf(o, "%zu by function names (~), ", d->matched_funcs);
    if (d->matched_job) fprintf(o, "%zu by job (~~), ", d->matched_job);
    fprintf(o, "%zu gone, %zu new.\n", d->gone, d->added);
    const mk__diff_site **order = malloc((d->nsites + 1) * sizeof *order);
    if (!order) return -1;
    size_t n = 0;
    for (size_t i = 0; i < d->nsites; i++)
        if (d->sites[i].a[0] != d->sites[i].b[0] || d->sites[i].a[1] != d->sites[i].b[1]) order[n++] = &d->sites[i];
    qsort(order, n, sizeof *order, cmp_change);
    size_t shown = top && top < n ? top : n;
    if (!n) fprintf(o, "No site changed its total bytes or blocks.\n");
    else fprintf(o, "\n%s %zu of %zu changed sites, by the change in total bytes:\n", shown == n ? "All" : "Top", shown, n);
    for (size_t i = 0; i < shown; i++) {
        const mk__diff_site *s = order[i];
        char what[160] = "";
        if (s->how == MK_DM_FUNCS) snprintf(what, sizeof what, " [~ same functions]");
        else if (s->how == MK_DM_JOB) job_name(d, s, what, sizeof what);
        else if (s->how == MK_DM_NONE) snprintf(what, sizeof what, !s->b[0] && !s->b[1] ? " [new]" : " [gone]");
        char pc[32] = "";
        if (s->b[0] && s->a[0] != s->b[0])
            snprintf(pc, sizeof pc, " (%c%.1f%%)", s->a[0] > s->b[0] ? '+' : '-', 100.0 * (double)absdiff(s) / (double)s->b[0]);
        fprintf(o, "\n#%zu: %c%s bytes%s%s\n", i + 1, s->a[0] >= s->b[0] ? '+' : '-', mk__fmt_count(c, absdiff(s)), pc, what);
        fprintf(o, "    total: %s -> %s bytes, %s -> ", mk__fmt_count(x, s->b[0]), mk__fmt_count(y, s->a[0]), mk__fmt_count(c, s->b[1]));
        fprintf(o, "%s blocks\n", mk__fmt_count(x, s->a[1]));
        fprintf(o, "    at t-gmax: %s -> %s bytes; at exit: %s -> ", mk__fmt_count(x, s->b[2]), mk__fmt_count(y, s->a[2]), mk__fmt_count(c, s->b[3]));
        fprintf(o, "%s bytes\n", mk__fmt_count(x, s->a[3]));
        if (!s->nfs) fprintf(o, "    (no stack)\n");
        for (uint32_t k = 0; k < s->nfs; k++) {
            if (s->how == MK_DM_FUNCS && s->fs_a[k] != s->fs[k]) print_moved(o, d->frames[s->fs[k]], d->frames[s->fs_a[k]]);
            else fprintf(o, "    %s\n", d->frames[s->fs[k]]);
        }
        if (s->how == MK_DM_JOB) {
            fprintf(o, "    after:\n");
            for (uint32_t k = 0; k < s->nfs_a; k++) fprintf(o, "      %s\n", d->frames[s->fs_a[k]]);
        }
    }
    free(order);
    return ferror(o) ? -1 : 0;
}

struct fline {
    char *s;
    uint64_t b, a;
};

static int cmp_fline(const void *x, const void *y) { return strcmp(((const struct fline *)x)->s, ((const struct fline *)y)->s); }

int mk__diff_folded(const mk__diff *d, FILE *o) {
    struct fline *l = calloc(2 * d->nsites + 1, sizeof *l);
    if (!l) return -1;
    size_t n = 0;
    int rc = 0;
    /* a job match keeps each run's bytes at its own stack: the two stacks differ inside the job */
    for (size_t i = 0; i < d->nsites && !rc; i++) {
        const mk__diff_site *s = &d->sites[i];
        int split = s->how == MK_DM_JOB;
        for (int side = 0; side <= split && !rc; side++) {
            const uint32_t *fs = side ? s->fs_a : s->fs;
            uint32_t nfs = side ? s->nfs_a : s->nfs;
            char *buf = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&buf, &len);
            if (!m) { rc = -1; break; }
            if (!nfs) fputs("[unknown]", m);
            for (uint32_t k = nfs; k-- > 0;) {
                const char *fn;
                size_t fl;
                mk__frame_func(d->frames[fs[k]], &fn, &fl);
                for (size_t j = 0; j < fl; j++) fputc(fn[j] == ';' ? ':' : fn[j] == '\n' ? ' ' : fn[j], m);
                if (k) fputc(';', m);
            }
            if (fclose(m) != 0) { free(buf); rc = -1; break; }
            l[n++] = (struct fline){buf, split && side ? 0 : s->b[0], split && !side ? 0 : s->a[0]};
        }
    }
    if (!rc) qsort(l, n, sizeof *l, cmp_fline);
    for (size_t i = 0; !rc && i < n;) {
        uint64_t b = 0, a = 0;
        size_t j = i;
        for (; j < n && !strcmp(l[j].s, l[i].s); j++) b += l[j].b, a += l[j].a;
        if (b || a) fprintf(o, "%s %" PRIu64 " %" PRIu64 "\n", l[i].s, b, a);
        i = j;
    }
    for (size_t i = 0; i < n; i++) free(l[i].s);
    free(l);
    return rc || ferror(o) ? -1 : 0;
}

static int diff_data(FILE *o, void *ctx) {
    const mk__diff *d = ctx;
    fputs("{\"kind\":\"diff\",\"beforePath\":", o);
    mk__json_str(o, d->path_b, strlen(d->path_b));
    fputs(",\"afterPath\":", o);
    mk__json_str(o, d->path_a, strlen(d->path_a));
    fputs(",\"before\":{\"x\":0", o);
    mk__html_profile_head(o, d->before);
    fputs("},\"after\":{\"x\":0", o);
    mk__html_profile_head(o, d->after);
    fputs("},\"frames\":[", o);
    for (size_t i = 0; i < d->nframes; i++) {
        if (i) fputc(',', o);
        mk__json_str(o, d->frames[i], strlen(d->frames[i]));
    }
    fputs("],\"sites\":[", o);
    static const uint64_t none[MK_DV_N];
    for (size_t i = 0; i < d->nsites; i++) {
        const mk__diff_site *s = &d->sites[i];
        /* a job match is drawn at each run's own stack (its frames differ inside the job) */
        int split = s->how == MK_DM_JOB;
        for (int side = 0; side <= split; side++) {
            const uint32_t *fs = side ? s->fs_a : s->fs;
            uint32_t nfs = side ? s->nfs_a : s->nfs;
            const uint64_t *b = split && side ? none : s->b, *a = split && !side ? none : s->a;
            fputs(i || side ? ",[[" : "[[", o);
            for (uint32_t k = 0; k < nfs; k++) fprintf(o, k ? ",%u" : "%u", fs[k]);
            fputs("],[", o);
            for (int k = 0; k < MK_DV_N; k++) fprintf(o, k ? ",%" PRIu64 : "%" PRIu64, b[k]);
            fputs("],[", o);
            for (int k = 0; k < MK_DV_N; k++) fprintf(o, k ? ",%" PRIu64 : "%" PRIu64, a[k]);
            fputs("]]", o);
        }
    }
    fputs("]}", o);
    return ferror(o) ? -1 : 0;
}

int mk__diff_html(const mk__diff *d, FILE *o) { return mk__html_page(o, "memkit diff", diff_data, (void *)d); }
