/* analyze.c - builds the analyzer's model (analyze.h): symbolization, frame interning, site merging.
 *
 * Frame strings and stacks are interned in open-addressing tables keyed by hash, so building is
 * linear in the input. Merged sites add their figures, except the site's own maximum (mb/mbk):
 * the maximum of a union is not known from the parts, so the merged value is the best lower bound,
 * max(largest part, live bytes at t-gmax, live bytes at exit), which keeps tb >= mb.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "symbolize.h"

struct slot {
    uint64_t hash;
    uint32_t idx; /* +1; 0 = empty */
};

struct table {
    struct slot *s;
    size_t cap, used;
};

struct ix {
    struct table frames, stacks;
    size_t ftbl_cap, sites_cap;
};

static uint64_t hash_bytes(const void *p, size_t n) {
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static int table_grow(struct table *t) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct slot *n = calloc(cap, sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->s[i].idx) continue;
        size_t j = t->s[i].hash & (cap - 1);
        while (n[j].idx) j = (j + 1) & (cap - 1);
        n[j] = t->s[i];
    }
    free(t->s);
    t->s = n;
    t->cap = cap;
    return 0;
}

mk_err mk__prof_init(mk__prof *p) {
    memset(p, 0, sizeof *p);
    mk_err rc = mk_arena_init(&p->arena, NULL);
    if (rc) return rc;
    struct ix *ix = calloc(1, sizeof *ix);
    if (!ix) return MK_ENOMEM;
    p->ix_ = ix;
    p->cmd = "";
    if (mk__prof_frame(p, "[root]", 6) != 0) return MK_ENOMEM;
    return MK_OK;
}

static void ix_free(mk__prof *p) {
    struct ix *ix = p->ix_;
    if (!ix) return;
    free(ix->frames.s);
    free(ix->stacks.s);
    free(ix);
    p->ix_ = NULL;
}

void mk__prof_free(mk__prof *p) {
    ix_free(p);
    free(p->ftbl);
    free(p->sites);
    mk_arena_destroy(&p->arena);
    memset(p, 0, sizeof *p);
}

long mk__prof_frame(mk__prof *p, const char *s, size_t len) {
    struct ix *ix = p->ix_;
    struct table *t = &ix->frames;
    if ((t->used + 1) * 2 > t->cap && table_grow(t)) return -1;
    uint64_t h = hash_bytes(s, len);
    size_t j = h & (t->cap - 1);
    for (; t->s[j].idx; j = (j + 1) & (t->cap - 1)) {
        const char *f = p->ftbl[t->s[j].idx - 1];
        if (t->s[j].hash == h && strlen(f) == len && memcmp(f, s, len) == 0) return (long)t->s[j].idx - 1;
    }
    if (p->nftbl == ix->ftbl_cap) {
        size_t cap = ix->ftbl_cap ? ix->ftbl_cap * 2 : 1024;
        const char **n = realloc(p->ftbl, cap * sizeof *n);
        if (!n) return -1;
        p->ftbl = n;
        ix->ftbl_cap = cap;
    }
    char *copy = mk_arena_strndup(&p->arena, s, len);
    if (!copy || p->nftbl >= UINT32_MAX - 1) return -1;
    p->ftbl[p->nftbl] = copy;
    t->s[j] = (struct slot){h, (uint32_t)++p->nftbl};
    t->used++;
    return (long)p->nftbl - 1;
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static void merge(struct mk__raw_site *a, const struct mk__raw_site *b) {
    uint64_t amin = a->tbk ? a->min_size : UINT64_MAX, bmin = b->tbk ? b->min_size : UINT64_MAX;
    uint64_t mb = max64(max64(a->mb, b->mb), max64(a->gb + b->gb, a->eb + b->eb));
    uint64_t mbk = a->mb >= b->mb ? a->mbk : b->mbk;
    if (mb == a->gb + b->gb && mb > max64(a->mb, b->mb)) mbk = a->gbk + b->gbk;
    else if (mb == a->eb + b->eb && mb > max64(a->mb, b->mb)) mbk = a->ebk + b->ebk;
    a->tb += b->tb, a->tbk += b->tbk, a->tl += b->tl;
    a->mb = mb, a->mbk = mbk;
    a->gb += b->gb, a->gbk += b->gbk, a->eb += b->eb, a->ebk += b->ebk;
    a->temporary += b->temporary, a->short_lived += b->short_lived, a->reallocs += b->reallocs;
    a->max_chain = max64(a->max_chain, b->max_chain);
    a->min_size = amin < bmin ? amin : bmin;
    if (a->min_size == UINT64_MAX) a->min_size = 0;
    a->max_size = max64(a->max_size, b->max_size);
    a->small += b->small;
}

mk_err mk__prof_add_site(mk__prof *p, const uint32_t *fs, uint32_t nfs, const struct mk__raw_site *fig) {
    struct ix *ix = p->ix_;
    struct table *t = &ix->stacks;
    if ((t->used + 1) * 2 > t->cap && table_grow(t)) return MK_ENOMEM;
    uint64_t h = hash_bytes(fs, nfs * sizeof *fs);
    size_t j = h & (t->cap - 1);
    for (; t->s[j].idx; j = (j + 1) & (t->cap - 1)) {
        mk__prof_site *s = &p->sites[t->s[j].idx - 1];
        if (t->s[j].hash == h && s->nfs == nfs && memcmp(s->fs, fs, nfs * sizeof *fs) == 0) {
            merge(&s->f, fig);
            p->last_site_ = (size_t)t->s[j].idx - 1;
            return MK_OK;
        }
    }
    if (p->nsites == ix->sites_cap) {
        size_t cap = ix->sites_cap ? ix->sites_cap * 2 : 1024;
        mk__prof_site *n = realloc(p->sites, cap * sizeof *n);
        if (!n) return MK_ENOMEM;
        p->sites = n;
        ix->sites_cap = cap;
    }
    mk__prof_site *s = &p->sites[p->nsites];
    s->f = *fig;
    s->nfs = nfs;
    s->fs = mk_arena_alloc_array(&p->arena, nfs ? nfs : 1, sizeof *fs, _Alignof(uint32_t));
    if (!s->fs || p->nsites >= UINT32_MAX - 1) return MK_ENOMEM;
    if (nfs) memcpy(s->fs, fs, nfs * sizeof *fs);
    p->last_site_ = p->nsites;
    t->s[j] = (struct slot){h, (uint32_t)++p->nsites};
    t->used++;
    return MK_OK;
}

void mk__prof_finish(mk__prof *p) {
    ix_free(p);
    if (p->have_totals) return;
    struct mk__raw_totals t = {0};
    for (size_t i = 0; i < p->nsites; i++) {
        const struct mk__raw_site *f = &p->sites[i].f;
        t.tb += f->tb, t.tbk += f->tbk, t.gb += f->gb, t.gbk += f->gbk, t.eb += f->eb, t.ebk += f->ebk;
        t.reallocs += f->reallocs;
    }
    p->totals = t;
}

/* Shows the call instruction (return address - 1), as valgrind does, so the two tools' frames read
 * alike. */
static int frame_string(char *buf, size_t cap, const mk__symtab_frame *f) {
    uint64_t a = f->addr ? f->addr - 1 : 0;
    if (f->func && f->file)
        return snprintf(buf, cap, "0x%" PRIX64 ": %s (%s:%u)", a, f->func, f->file, f->line);
    if (f->module)
        return snprintf(buf, cap, "0x%" PRIX64 ": %s (in %s)", a, f->func ? f->func : "???", f->module);
    return snprintf(buf, cap, "0x%" PRIX64 ": %s", a, f->func ? f->func : "???");
}

mk_err mk__prof_from_raw(const mk__raw_profile *raw, mk__prof *p, char *err, size_t errlen) {
    mk_err rc = mk__prof_init(p);
    mk__symtab *sym = NULL;
    uint32_t *fs = NULL;
    size_t fs_cap = 0;
    if (rc) goto fail;
    const struct mk__raw_header *h = &raw->header;
    p->pid = h->pid, p->ppid = h->ppid, p->te = h->t_end, p->tg = h->t_gmax;
    p->sample_bytes = h->sample_bytes, p->max_depth = h->max_depth, p->flags = h->flags;
    p->extra = 1;
    p->have_totals = 1;
    p->totals = raw->totals;
    size_t cmdlen = 0;
    for (size_t i = 0; i < raw->argc; i++) cmdlen += strlen(raw->argv[i]) + 1;
    char *cmd = mk_arena_alloc(&p->arena, cmdlen + 1, 1);
    if (!cmd) goto nomem;
    cmd[0] = '\0';
    for (size_t i = 0, at = 0; i < raw->argc; i++) {
        size_t n = strlen(raw->argv[i]);
        if (i) cmd[at++] = ' ';
        memcpy(cmd + at, raw->argv[i], n + 1);
        at += n;
    }
    p->cmd = cmd;
    sym = mk__symtab_new(raw);
    if (!sym) goto nomem;
    p->raw_site_map = mk_arena_alloc_array(&p->arena, raw->nsites ? raw->nsites : 1, sizeof *p->raw_site_map, _Alignof(uint32_t));
    if (!p->raw_site_map) goto nomem;
    char buf[4096];
    for (size_t i = 0; i < raw->nsites; i++) {
        const mk__raw_site_rec *r = &raw->sites[i];
        size_t n = 0;
        int kept_alloc = 0, in_prog = 0;
        for (uint32_t k = 0; k < r->s.nframes; k++) {
            mk__symtab_frame *fr;
            size_t nfr;
            mk__symtab_lookup(sym, r->frames[k], &fr, &nfr);
            for (size_t m = 0; m < nfr; m++) {
                if (fr[m].recorder) continue;
                if (!in_prog && fr[m].alloc) {
                    if (kept_alloc++) continue;
                } else {
                    in_prog = 1;
                }
                long idx = fr[m].user; /* the frame's ftbl index, once interned */
                if (idx < 0) {
                    int len = frame_string(buf, sizeof buf, &fr[m]);
                    if (len < 0) continue;
                    if ((size_t)len >= sizeof buf) len = sizeof buf - 1;
                    idx = mk__prof_frame(p, buf, (size_t)len);
                    if (idx < 0) goto nomem;
                    fr[m].user = idx;
                }
                if (n == fs_cap) {
                    size_t cap = fs_cap ? fs_cap * 2 : 64;
                    uint32_t *nf = realloc(fs, cap * sizeof *nf);
                    if (!nf) goto nomem;
                    fs = nf;
                    fs_cap = cap;
                }
                fs[n++] = (uint32_t)idx;
            }
        }
        if (mk__prof_add_site(p, fs, (uint32_t)n, &r->s)) goto nomem;
        p->raw_site_map[i] = (uint32_t)p->last_site_;
    }
    free(fs);
    mk__symtab_free(sym);
    mk__prof_finish(p);
    return MK_OK;
nomem:
    rc = MK_ENOMEM;
fail:
    if (err && errlen) snprintf(err, errlen, "out of memory while analyzing the profile");
    free(fs);
    mk__symtab_free(sym);
    mk__prof_free(p);
    return rc;
}

int mk__sort_parse(const char *name) {
    static const char *const names[] = {"bytes", "blocks", "peak", "leaks", "temporary"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

static uint64_t key_of(const mk__prof_site *s, enum mk__sort key) {
    switch (key) {
    case MK_SORT_BLOCKS: return s->f.tbk;
    case MK_SORT_PEAK: return s->f.gb;
    case MK_SORT_LEAKS: return s->f.eb;
    case MK_SORT_TEMPORARY: return s->f.temporary;
    default: return s->f.tb;
    }
}

static const mk__prof *sort_prof;
static enum mk__sort sort_key;

static int cmp_sites(const void *a, const void *b) {
    const mk__prof_site *x = &sort_prof->sites[*(const size_t *)a], *y = &sort_prof->sites[*(const size_t *)b];
    uint64_t kx = key_of(x, sort_key), ky = key_of(y, sort_key);
    if (kx != ky) return kx < ky ? 1 : -1;
    if (x->f.tb != y->f.tb) return x->f.tb < y->f.tb ? 1 : -1;
    uint32_t n = x->nfs < y->nfs ? x->nfs : y->nfs;
    for (uint32_t i = 0; i < n; i++) {
        int c = strcmp(sort_prof->ftbl[x->fs[i]], sort_prof->ftbl[y->fs[i]]);
        if (c) return c;
    }
    return (x->nfs > y->nfs) - (x->nfs < y->nfs);
}

size_t *mk__prof_order(const mk__prof *p, enum mk__sort key) {
    size_t *o = malloc((p->nsites ? p->nsites : 1) * sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < p->nsites; i++) o[i] = i;
    sort_prof = p; /* qsort has no context argument; the analyzer is single-threaded */
    sort_key = key;
    qsort(o, p->nsites, sizeof *o, cmp_sites);
    return o;
}

void mk__frame_func(const char *frame, const char **start, size_t *len) {
    const char *s = frame;
    if (s[0] == '0' && s[1] == 'x') {
        const char *c = strstr(s, ": ");
        if (c) s = c + 2;
    }
    /* The location is the last " (...)": a C++ name may hold " (" itself (void (*)(int)). */
    const char *e = NULL;
    size_t n = strlen(s);
    if (n && s[n - 1] == ')')
        for (const char *q = strstr(s, " ("); q; q = strstr(q + 1, " (")) e = q;
    *start = s;
    *len = e ? (size_t)(e - s) : n;
}
