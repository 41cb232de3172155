/* pprof.c - profile.proto, hand-encoded, gzip-compressed with zlib (pprof.h).
 *
 * Protocol buffers need little here: varints, and length-delimited fields (strings, packed
 * repeated integers, nested messages). A nested message is encoded into a scratch buffer first so
 * its length is known. Strings, functions and locations are interned in hash tables keyed by
 * content, so each appears once however many sites share it.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pprof.h"

struct buf {
    unsigned char *b;
    size_t len, cap;
    int oom;
};

static void put(struct buf *b, const void *p, size_t n) {
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        unsigned char *nb = realloc(b->b, cap);
        if (!nb) {
            b->oom = 1;
            return;
        }
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->len, p, n);
    b->len += n;
}

static void varint(struct buf *b, uint64_t v) {
    unsigned char t[10];
    int n = 0;
    do {
        t[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) t[n] |= 0x80;
        n++;
    } while (v);
    put(b, t, (size_t)n);
}

static void field_int(struct buf *b, unsigned field, uint64_t v) {
    varint(b, (uint64_t)field << 3);
    varint(b, v);
}

static void field_bytes(struct buf *b, unsigned field, const void *p, size_t n) {
    varint(b, (uint64_t)field << 3 | 2);
    varint(b, n);
    put(b, p, n);
}

/* Appends the nested message m as field `field` of b and empties m. */
static void field_msg(struct buf *b, unsigned field, struct buf *m) {
    if (m->oom) b->oom = 1;
    field_bytes(b, field, m->b, m->len);
    m->len = 0;
}

/* ---- interning ---- */

struct tab {
    uint64_t *h;   /* hash per slot */
    uint32_t *id;  /* id + 1 per slot; 0 = empty */
    size_t cap, n;
};

static uint64_t hash(const void *p, size_t n, uint64_t seed) {
    const unsigned char *c = p;
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
    return h ^ (h >> 31);
}

struct pp {
    struct buf out;       /* the Profile message (without the string table) */
    struct buf tmp, tmp2; /* scratch for nested messages */
    struct tab strs;      /* string -> index */
    const char **str;     /* index -> string (borrowed or owned in own) */
    size_t *slen;
    size_t nstr, strcap;
    char **own;
    size_t nown;
    struct tab fns;       /* (name, file) -> function id */
    uint64_t *fn_key;     /* 2 per function: name, file string indices */
    size_t nfn;
    struct tab locs;      /* a group of frames -> location id */
    uint32_t **loc_key;   /* per location: count, then the frame indices */
    size_t nloc;
    int oom;
};

/* Finds key in t (eq compares against candidate id); returns its id, or inserts with new_id. */
static long tab_find(struct tab *t, uint64_t h, int (*eq)(struct pp *, uint32_t, const void *), struct pp *c,
                     const void *key, uint32_t new_id, int *inserted) {
    if (t->n * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        uint64_t *nh = calloc(cap, sizeof *nh);
        uint32_t *ni = calloc(cap, sizeof *ni);
        if (!nh || !ni) {
            free(nh);
            free(ni);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->id[i]) continue;
            size_t j = t->h[i] & (cap - 1);
            while (ni[j]) j = (j + 1) & (cap - 1);
            nh[j] = t->h[i];
            ni[j] = t->id[i];
        }
        free(t->h);
        free(t->id);
        t->h = nh;
        t->id = ni;
        t->cap = cap;
    }
    size_t j = h & (t->cap - 1);
    for (; t->id[j]; j = (j + 1) & (t->cap - 1))
        if (t->h[j] == h && eq(c, t->id[j] - 1, key)) {
            *inserted = 0;
            return t->id[j] - 1;
        }
    t->h[j] = h;
    t->id[j] = new_id + 1;
    t->n++;
    *inserted = 1;
    return new_id;
}

struct skey {
    const char *s;
    size_t n;
};

static int str_eq(struct pp *c, uint32_t id, const void *key) {
    const struct skey *k = key;
    return c->slen[id] == k->n && !memcmp(c->str[id], k->s, k->n);
}

/* The string table index of s[0..n); s must outlive the encoder unless copy is set. */
static uint64_t sid(struct pp *c, const char *s, size_t n, int copy) {
    struct skey k = {s, n};
    int ins;
    if (c->nstr == c->strcap) {
        size_t cap = c->strcap ? c->strcap * 2 : 1024;
        const char **ns = realloc(c->str, cap * sizeof *ns);
        if (ns) c->str = ns;
        size_t *nl = ns ? realloc(c->slen, cap * sizeof *nl) : NULL;
        if (nl) c->slen = nl;
        char **no = nl ? realloc(c->own, cap * sizeof *no) : NULL;
        if (no) c->own = no;
        if (!no) return c->oom = 1, 0;
        c->strcap = cap;
    }
    long id = tab_find(&c->strs, hash(s, n, 0), str_eq, c, &k, (uint32_t)c->nstr, &ins);
    if (id < 0) return c->oom = 1, 0;
    if (ins) {
        if (copy) {
            char *d = malloc(n + 1);
            if (!d) return c->oom = 1, 0;
            memcpy(d, s, n);
            d[n] = '\0';
            c->own[c->nown++] = d;
            s = d;
        }
        c->str[c->nstr] = s;
        c->slen[c->nstr] = n;
        c->nstr++;
    }
    return (uint64_t)id;
}

static uint64_t sidz(struct pp *c, const char *s) { return sid(c, s, strlen(s), 0); }

static int fn_eq(struct pp *c, uint32_t id, const void *key) {
    const uint64_t *k = key;
    return c->fn_key[2 * id] == k[0] && c->fn_key[2 * id + 1] == k[1];
}

/* A frame string split: address, function, file and line (or the object path). */
struct frame {
    uint64_t addr;
    const char *fn, *file;
    size_t fnlen, filelen;
    int64_t line;
};

static void split(const char *s, struct frame *f) {
    memset(f, 0, sizeof *f);
    if (s[0] == '0' && s[1] == 'x') f->addr = strtoull(s + 2, NULL, 16);
    mk__frame_func(s, &f->fn, &f->fnlen);
    const char *loc = f->fn + f->fnlen;
    if (strncmp(loc, " (", 2)) return;
    loc += 2;
    size_t n = strlen(loc);
    if (n && loc[n - 1] == ')') n--;
    if (n > 3 && !strncmp(loc, "in ", 3)) {
        f->file = loc + 3; /* the object: no source file */
        f->filelen = n - 3;
        f->line = -1;
        return;
    }
    size_t colon = n;
    while (colon > 0 && loc[colon - 1] >= '0' && loc[colon - 1] <= '9') colon--;
    if (colon > 0 && colon < n && loc[colon - 1] == ':') {
        f->file = loc;
        f->filelen = colon - 1;
        f->line = strtoll(loc + colon, NULL, 10);
    } else {
        f->file = loc;
        f->filelen = n;
    }
}

static uint64_t function_id(struct pp *c, const struct frame *f) {
    uint64_t key[2];
    key[0] = f->fnlen ? sid(c, f->fn, f->fnlen, 1) : sidz(c, "??");
    key[1] = f->file && f->line >= 0 ? sid(c, f->file, f->filelen, 1) : 0;
    if (c->nfn % 1024 == 0) {
        uint64_t *n = realloc(c->fn_key, (c->nfn + 1024) * 2 * sizeof *n);
        if (!n) return c->oom = 1, 0;
        c->fn_key = n;
    }
    int ins;
    long id = tab_find(&c->fns, hash(key, sizeof key, 1), fn_eq, c, key, (uint32_t)c->nfn, &ins);
    if (id < 0) return c->oom = 1, 0;
    if (ins) {
        c->fn_key[2 * c->nfn] = key[0];
        c->fn_key[2 * c->nfn + 1] = key[1];
        c->nfn++;
        /* Function: id 1, name 2, system_name 3, filename 4. */
        field_int(&c->tmp, 1, (uint64_t)id + 1);
        field_int(&c->tmp, 2, key[0]);
        field_int(&c->tmp, 3, key[0]);
        if (key[1]) field_int(&c->tmp, 4, key[1]);
        field_msg(&c->out, 5, &c->tmp);
    }
    return (uint64_t)id + 1;
}

static int loc_eq(struct pp *c, uint32_t id, const void *key) {
    const uint32_t *k = key, *m = c->loc_key[id];
    return k[0] == m[0] && !memcmp(k + 1, m + 1, k[0] * sizeof *k);
}

static uint64_t mapping_of(const mk__prof_module *mods, size_t nmods, uint64_t addr) {
    for (size_t i = 0; i < nmods; i++)
        if (addr >= mods[i].start && addr < mods[i].end) return i + 1;
    return nmods ? 0 : 1;
}

/* The location of frames fs[0..n) (one address: the innermost is an inlined call, the last the
 * function it was inlined into). */
static uint64_t location_id(struct pp *c, const mk__prof *p, const uint32_t *fs, uint32_t n,
                            const mk__prof_module *mods, size_t nmods) {
    uint32_t *key = malloc((n + 1) * sizeof *key);
    if (!key) return c->oom = 1, 0;
    key[0] = n;
    memcpy(key + 1, fs, n * sizeof *fs);
    if (c->nloc % 1024 == 0) {
        uint32_t **nk = realloc(c->loc_key, (c->nloc + 1024) * sizeof *nk);
        if (!nk) return free(key), c->oom = 1, 0;
        c->loc_key = nk;
    }
    int ins;
    long id = tab_find(&c->locs, hash(key, (n + 1) * sizeof *key, 2), loc_eq, c, key, (uint32_t)c->nloc, &ins);
    if (id < 0) return free(key), c->oom = 1, 0;
    if (!ins) {
        free(key);
        return (uint64_t)id + 1;
    }
    c->loc_key[c->nloc++] = key;
    struct frame f;
    split(p->ftbl[fs[0]], &f);
    /* Location: id 1, mapping_id 2, address 3, line 4 (Line: function_id 1, line 2). */
    struct buf loc = {0};
    field_int(&loc, 1, (uint64_t)id + 1);
    uint64_t m = mapping_of(mods, nmods, f.addr);
    if (m) field_int(&loc, 2, m);
    if (f.addr) field_int(&loc, 3, f.addr);
    int known = 0;
    for (uint32_t k = 0; k < n; k++) {
        split(p->ftbl[fs[k]], &f);
        if (!f.fnlen || (f.fnlen == 3 && !memcmp(f.fn, "???", 3))) continue;
        known = 1;
        field_int(&c->tmp2, 1, function_id(c, &f));
        if (f.line > 0) field_int(&c->tmp2, 2, (uint64_t)f.line);
        field_msg(&loc, 4, &c->tmp2);
    }
    (void)known;
    if (loc.oom) c->oom = 1;
    field_bytes(&c->out, 4, loc.b, loc.len);
    free(loc.b);
    return (uint64_t)id + 1;
}

static void value_type(struct pp *c, unsigned field, const char *type, const char *unit) {
    field_int(&c->tmp, 1, sidz(c, type));
    field_int(&c->tmp, 2, sidz(c, unit));
    field_msg(&c->out, field, &c->tmp);
}

static int gzip_out(const unsigned char *data, size_t len, FILE *o) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    unsigned char chunk[65536];
    z.next_in = (unsigned char *)data;
    int rc = 0, zr;
    size_t left = len;
    do {
        uInt step = left > (1u << 30) ? 1u << 30 : (uInt)left;
        z.avail_in = step;
        left -= step;
        int flush = left ? Z_NO_FLUSH : Z_FINISH;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            zr = deflate(&z, flush);
            if (zr == Z_STREAM_ERROR) rc = -1;
            size_t have = sizeof chunk - z.avail_out;
            if (have && fwrite(chunk, 1, have, o) != have) rc = -1;
        } while (z.avail_out == 0 && rc == 0);
    } while (left && rc == 0);
    deflateEnd(&z);
    return rc || ferror(o) ? -1 : 0;
}

int mk__report_pprof(const mk__prof *p, const mk__prof_module *mods, size_t nmods, FILE *o) {
    struct pp c;
    memset(&c, 0, sizeof c);
    sidz(&c, ""); /* string 0 is "" */
    /* sample_type 1; period_type 11, period 12; default_sample_type 14. */
    value_type(&c, 1, "alloc_objects", "count");
    value_type(&c, 1, "alloc_space", "bytes");
    value_type(&c, 1, "inuse_objects", "count");
    value_type(&c, 1, "inuse_space", "bytes");
    /* Mapping: id 1, memory_start 2, memory_limit 3, file_offset 4, filename 5, build_id 6,
     * has_functions 7, has_filenames 8, has_line_numbers 9, has_inline_frames 10. */
    char prog[4096];
    size_t nprog = strcspn(p->cmd ? p->cmd : "", " ");
    snprintf(prog, sizeof prog, "%.*s", (int)(nprog < 4000 ? nprog : 4000), p->cmd ? p->cmd : "");
    for (size_t i = 0; i < (nmods ? nmods : 1); i++) {
        field_int(&c.tmp, 1, i + 1);
        if (nmods) {
            field_int(&c.tmp, 2, mods[i].start);
            field_int(&c.tmp, 3, mods[i].end);
            field_int(&c.tmp, 5, sid(&c, mods[i].path, strlen(mods[i].path), 1));
            if (mods[i].build_id[0]) field_int(&c.tmp, 6, sid(&c, mods[i].build_id, strlen(mods[i].build_id), 1));
        } else {
            field_int(&c.tmp, 5, sid(&c, prog, strlen(prog), 1));
        }
        for (unsigned f = 7; f <= 10; f++) field_int(&c.tmp, f, 1);
        field_msg(&c.out, 3, &c.tmp);
    }
    /* Sample: location_id 1 (packed, leaf first), value 2 (packed). */
    uint64_t *ids = NULL;
    size_t idcap = 0;
    for (size_t i = 0; i < p->nsites && !c.oom; i++) {
        const mk__prof_site *s = &p->sites[i];
        if (s->nfs > idcap) {
            idcap = s->nfs;
            uint64_t *n = realloc(ids, idcap * sizeof *n);
            if (!n) { c.oom = 1; break; }
            ids = n;
        }
        size_t nids = 0;
        for (uint32_t k = 0; k < s->nfs;) {
            if (s->fs[k] == 0) { k++; continue; } /* [root] */
            struct frame f0, f;
            split(p->ftbl[s->fs[k]], &f0);
            uint32_t e = k + 1;
            while (f0.addr && e < s->nfs && (split(p->ftbl[s->fs[e]], &f), f.addr == f0.addr)) e++;
            ids[nids++] = location_id(&c, p, s->fs + k, e - k, mods, nmods);
            k = e;
        }
        struct buf packed = {0};
        for (size_t k = 0; k < nids; k++) varint(&packed, ids[k]);
        field_bytes(&c.tmp, 1, packed.b, packed.len);
        packed.len = 0;
        const uint64_t v[4] = {s->f.tbk, s->f.tb, s->f.ebk, s->f.eb};
        for (int k = 0; k < 4; k++) varint(&packed, v[k]);
        field_bytes(&c.tmp, 2, packed.b, packed.len);
        if (packed.oom) c.oom = 1;
        free(packed.b);
        field_msg(&c.out, 2, &c.tmp);
    }
    free(ids);
    if (p->te && p->have_totals) field_int(&c.out, 10, p->te * 1000); /* duration_nanos: te is in µs */
    field_int(&c.tmp, 1, sidz(&c, "space"));
    field_int(&c.tmp, 2, sidz(&c, "bytes"));
    field_msg(&c.out, 11, &c.tmp);
    field_int(&c.out, 12, p->flags & MK_RAW_SAMPLED ? p->sample_bytes : 1);
    char comment[128];
    snprintf(comment, sizeof comment, "memkit heap profile of pid %" PRIu64, p->pid);
    field_int(&c.out, 13, sid(&c, comment, strlen(comment), 1));
    field_int(&c.out, 14, sidz(&c, "alloc_space"));
    for (size_t i = 0; i < c.nstr; i++) field_bytes(&c.out, 6, c.str[i], c.slen[i]);
    int rc = c.oom || c.out.oom || c.tmp.oom || c.tmp2.oom ? -1 : gzip_out(c.out.b, c.out.len, o);
    free(c.out.b);
    free(c.tmp.b);
    free(c.tmp2.b);
    for (size_t i = 0; i < c.nown; i++) free(c.own[i]);
    free(c.own);
    free(c.str);
    free(c.slen);
    free(c.strs.h);
    free(c.strs.id);
    free(c.fns.h);
    free(c.fns.id);
    free(c.fn_key);
    free(c.locs.h);
    free(c.locs.id);
    for (size_t i = 0; i < c.nloc; i++) free(c.loc_key[i]);
    free(c.loc_key);
    return rc;
}
