/* analyze.c - builds the analyzer's model (analyze.h): symbolization, frame interning, site merging.
 *
 * Frame strings go into the model's mk_interner, which gives each distinct string one stable copy
 * and a symbol; a frame's ftbl index is found from its symbol in an index table. Stacks are
 * indexed by their hash in a second index table, a candidate confirmed by comparing frame indices,
 * so building is linear in the input. Merged sites add their figures, except the site's own mb/mbk:
 * the value of a union is not known from the parts, so the merged value is the best lower bound,
 * max(largest part, live bytes at t-gmax, live bytes at exit), which keeps tb >= mb. Sums saturate
 * at UINT64_MAX instead of wrapping (the DHAT writer caps every number at MK__DHAT_MAX_COUNT).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/search.h"
#include "memkit/str.h"
#include "analyze.h"
#include "symbolize.h"

/* An index table: a 64-bit key's hash -> a dense index (into ftbl or sites), open addressing with
 * linear probing at most half full. It stores no keys: the caller confirms a candidate index. */
struct ix_slot {
    uint64_t hash;
    uint32_t idx; /* +1; 0 = empty */
};

struct ix_table {
    struct ix_slot *s;
    size_t cap, used;
};

struct ix {
    struct ix_table frames; /* hash of the interner's symbol -> ftbl index */
    struct ix_table stacks; /* hash of fs -> site index */
};

static uint64_t ix_mix(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* Makes room for one more entry; false when out of memory (the table is unchanged then). */
static bool ix_reserve(struct ix_table *t) {
    if ((t->used + 1) * 2 <= t->cap) return true;
    size_t cap;
    if (!mk_mul_size(t->cap ? t->cap : 512, 2, &cap)) return false;
    struct ix_slot *n = calloc(cap, sizeof *n);
    if (!n) return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->s[i].idx) continue;
        size_t j = t->s[i].hash & (cap - 1);
        while (n[j].idx) j = (j + 1) & (cap - 1);
        n[j] = t->s[i];
    }
    free(t->s);
    t->s = n;
    t->cap = cap;
    return true;
}

mk_err mk__prof_init(mk__prof *p) {
    memset(p, 0, sizeof *p);
    p->cmd = "";
    mk__cstr_vec_init(&p->frames_, NULL);
    mk__site_vec_init(&p->sites_, NULL);
    mk_err rc = mk_arena_init(&p->arena, NULL);
    if (!rc) rc = mk_interner_init(&p->strings_, NULL);
    if (rc) return rc;
    struct ix *ix = calloc(1, sizeof *ix);
    if (!ix) return MK_ENOMEM;
    p->ix_ = ix;
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
    mk__cstr_vec_free(&p->frames_);
    mk__site_vec_free(&p->sites_);
    mk_interner_destroy(&p->strings_);
    mk_arena_destroy(&p->arena);
    memset(p, 0, sizeof *p);
}

long mk__prof_frame(mk__prof *p, const char *s, size_t len) {
    struct ix *ix = p->ix_;
    struct ix_table *t = &ix->frames;
    if (!ix_reserve(t) || p->frames_.len >= UINT32_MAX - 1) return -1;
    size_t before = mk_interner_len(&p->strings_);
    mk_sym sym = mk_intern(&p->strings_, s, len);
    if (!sym) return -1;
    const char *copy = mk_interner_str(&p->strings_, sym, NULL);
    uint64_t h = ix_mix(sym);
    size_t j = h & (t->cap - 1);
    if (mk_interner_len(&p->strings_) == before) { /* seen before: find its index */
        for (; t->s[j].idx; j = (j + 1) & (t->cap - 1))
            if (t->s[j].hash == h && p->frames_.data[t->s[j].idx - 1] == copy) return (long)t->s[j].idx - 1;
        return -1; /* interned, then a push failed: the build has already failed */
    }
    if (!mk__cstr_vec_push(&p->frames_, copy)) return -1; /* the string stays interned, unused */
    p->ftbl = p->frames_.data;
    p->nftbl = p->frames_.len;
    while (t->s[j].idx) j = (j + 1) & (t->cap - 1);
    t->s[j] = (struct ix_slot){h, (uint32_t)p->nftbl};
    t->used++;
    return (long)p->nftbl - 1;
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* a + b, or UINT64_MAX when the sum does not fit. */
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static void merge(struct mk__raw_site *a, const struct mk__raw_site *b) {
    uint64_t amin = a->tbk ? a->min_size : UINT64_MAX, bmin = b->tbk ? b->min_size : UINT64_MAX;
    uint64_t gb = sat_add(a->gb, b->gb), eb = sat_add(a->eb, b->eb);
    uint64_t mb = max64(max64(a->mb, b->mb), max64(gb, eb));
    uint64_t mbk = a->mb >= b->mb ? a->mbk : b->mbk;
    if (mb == gb && mb > max64(a->mb, b->mb)) mbk = sat_add(a->gbk, b->gbk);
    else if (mb == eb && mb > max64(a->mb, b->mb)) mbk = sat_add(a->ebk, b->ebk);
    a->tb = sat_add(a->tb, b->tb), a->tbk = sat_add(a->tbk, b->tbk), a->tl = sat_add(a->tl, b->tl);
    a->mb = mb, a->mbk = mbk;
    a->gb = gb, a->gbk = sat_add(a->gbk, b->gbk), a->eb = eb, a->ebk = sat_add(a->ebk, b->ebk);
    a->temporary = sat_add(a->temporary, b->temporary), a->short_lived = sat_add(a->short_lived, b->short_lived);
    a->reallocs = sat_add(a->reallocs, b->reallocs);
    a->max_chain = max64(a->max_chain, b->max_chain);
    a->min_size = amin < bmin ? amin : bmin;
    if (a->min_size == UINT64_MAX) a->min_size = 0;
    a->max_size = max64(a->max_size, b->max_size);
    a->small = sat_add(a->small, b->small);
}

mk_err mk__prof_add_site(mk__prof *p, const uint32_t *fs, uint32_t nfs, const struct mk__raw_site *fig) {
    struct ix *ix = p->ix_;
    struct ix_table *t = &ix->stacks;
    size_t bytes;
    if (!mk_mul_size(nfs, sizeof *fs, &bytes) || !ix_reserve(t) || p->sites_.len >= UINT32_MAX - 1) return MK_ENOMEM;
    uint64_t h = ix_mix(mk_str_hash(mk_str_from_len((const char *)fs, bytes)));
    size_t j = h & (t->cap - 1);
    for (; t->s[j].idx; j = (j + 1) & (t->cap - 1)) {
        mk__prof_site *s = &p->sites_.data[t->s[j].idx - 1];
        if (t->s[j].hash == h && s->nfs == nfs && (!nfs || memcmp(s->fs, fs, bytes) == 0)) {
            merge(&s->f, fig);
            p->last_site_ = (size_t)t->s[j].idx - 1;
            return MK_OK;
        }
    }
    mk__prof_site site = {*fig, MK_ARENA_NEW_ARRAY(&p->arena, uint32_t, nfs ? nfs : 1), nfs};
    if (!site.fs || !mk__site_vec_push(&p->sites_, site)) return MK_ENOMEM;
    if (nfs) memcpy(site.fs, fs, bytes);
    p->sites = p->sites_.data;
    p->nsites = p->sites_.len;
    p->last_site_ = p->nsites - 1;
    t->s[j] = (struct ix_slot){h, (uint32_t)p->nsites};
    t->used++;
    return MK_OK;
}

void mk__prof_finish(mk__prof *p) {
    ix_free(p);
    if (p->have_totals) return;
    struct mk__raw_totals t = {0};
    for (size_t i = 0; i < p->nsites; i++) {
        const struct mk__raw_site *f = &p->sites[i].f;
        t.tb = sat_add(t.tb, f->tb), t.tbk = sat_add(t.tbk, f->tbk), t.gb = sat_add(t.gb, f->gb);
        t.gbk = sat_add(t.gbk, f->gbk), t.eb = sat_add(t.eb, f->eb), t.ebk = sat_add(t.ebk, f->ebk);
        t.reallocs = sat_add(t.reallocs, f->reallocs);
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

mk_err mk__prof_set_modules(mk__prof *p, const mk__raw_profile *raw) {
    if (!raw->nmodules) return MK_OK;
    p->modules = mk_arena_alloc_array(&p->arena, raw->nmodules, sizeof *p->modules, _Alignof(mk__prof_module));
    if (!p->modules) return MK_ENOMEM;
    for (size_t i = 0; i < raw->nmodules; i++) {
        const mk__raw_module_rec *r = &raw->modules[i];
        mk__prof_module *m = &p->modules[i];
        memset(m, 0, sizeof *m);
        if (!(m->path = mk_arena_strdup(&p->arena, r->path))) return MK_ENOMEM;
        m->start = r->m.start;
        m->end = r->m.end;
        size_t n = r->m.build_id_len < 40 ? r->m.build_id_len : 40;
        for (size_t k = 0; k < n; k++) snprintf(m->build_id + 2 * k, 3, "%02x", r->m.build_id[k]);
    }
    p->nmodules = raw->nmodules;
    return MK_OK;
}

mk_err mk__prof_from_raw(const mk__raw_profile *raw, mk__prof *p, char *err, size_t errlen) {
    mk_err rc = mk__prof_init(p);
    mk__symtab *sym = NULL;
    mk__u32_vec fs;
    mk__char_vec cmd;
    mk__u32_vec_init(&fs, NULL);
    mk__char_vec_init(&cmd, NULL);
    if (rc) goto fail;
    const struct mk__raw_header *h = &raw->header;
    p->pid = h->pid, p->ppid = h->ppid, p->te = h->t_end, p->tg = h->t_gmax;
    p->sample_bytes = h->sample_bytes, p->max_depth = h->max_depth, p->flags = h->flags;
    p->extra = 1;
    p->have_totals = 1;
    p->time_us = 1;
    p->totals = raw->totals;
    if (mk__prof_set_modules(p, raw)) goto nomem;
    for (size_t i = 0; i < raw->argc; i++)
        if ((i && !mk__char_vec_push(&cmd, ' ')) || !mk__char_vec_extend(&cmd, raw->argv[i], strlen(raw->argv[i])))
            goto nomem;
    if (!(p->cmd = mk_arena_strndup(&p->arena, cmd.len ? cmd.data : "", cmd.len))) goto nomem;
    sym = mk__symtab_new(raw);
    if (!sym) goto nomem;
    p->raw_site_map = mk_arena_alloc_array(&p->arena, raw->nsites ? raw->nsites : 1, sizeof *p->raw_site_map, _Alignof(uint32_t));
    if (!p->raw_site_map) goto nomem;
    char buf[4096];
    for (size_t i = 0; i < raw->nsites; i++) {
        const mk__raw_site_rec *r = &raw->sites[i];
        int kept_alloc = 0, in_prog = 0;
        mk__u32_vec_clear(&fs);
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
                if (!mk__u32_vec_push(&fs, (uint32_t)idx)) goto nomem;
            }
        }
        if (fs.len > UINT32_MAX || mk__prof_add_site(p, fs.data, (uint32_t)fs.len, &r->s)) goto nomem;
        p->raw_site_map[i] = (uint32_t)p->last_site_;
    }
    mk__u32_vec_free(&fs);
    mk__char_vec_free(&cmd);
    mk__symtab_free(sym);
    mk__prof_finish(p);
    return MK_OK;
nomem:
    rc = MK_ENOMEM;
fail:
    if (err && errlen) snprintf(err, errlen, "out of memory while analyzing the profile");
    mk__u32_vec_free(&fs);
    mk__char_vec_free(&cmd);
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
    size_t *o = reallocarray(NULL, p->nsites ? p->nsites : 1, sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < p->nsites; i++) o[i] = i;
    sort_prof = p; /* qsort has no context argument; the analyzer is single-threaded */
    sort_key = key;
    qsort(o, p->nsites, sizeof *o, cmp_sites);
    return o;
}

void mk__frame_func(const char *frame, const char **start, size_t *len) {
    const char *s = frame;
    size_t n = strlen(s), at;
    mk_finder colon, paren; /* two-byte needles: preparing them costs less than a strlen */
    mk_finder_init(&colon, ": ", 2);
    mk_finder_init(&paren, " (", 2);
    if (n >= 2 && s[0] == '0' && s[1] == 'x' && (at = mk_finder_find(&colon, s, n)) != MK_NOT_FOUND)
        s += at + 2, n -= at + 2;
    /* The location is the last " (...)": a C++ name may hold " (" itself (void (*)(int)). */
    at = n && s[n - 1] == ')' ? mk_finder_rfind(&paren, s, n) : MK_NOT_FOUND;
    *start = s;
    *len = at != MK_NOT_FOUND ? at : n;
}
