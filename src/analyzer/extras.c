/* extras.c - the optional keys of a DHAT file (extras.h), read with a small JSON tree reader.
 *
 * The tree reader keeps numbers as unsigned integers (DHAT writes nothing else; a negative or
 * fractional number reads as its integer part, sign dropped) and strings decoded. It is used only
 * for the top-level keys below, "pps" (for the stacks detailed points refer to) and "ftbl"; every
 * other value is skipped without building nodes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extras.h"

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jt t;
    uint64_t n;        /* J_NUM, J_BOOL */
    char *s;           /* J_STR (decoded, NUL-terminated); J_OBJ keys live in k */
    size_t len;
    struct jv *kids;   /* J_ARR, J_OBJ */
    char **keys;       /* J_OBJ */
    size_t nkids;
};

struct jr {
    const char *s, *e;
    int failed, depth;
};

static void jv_free(struct jv *v) {
    for (size_t i = 0; i < v->nkids; i++) {
        jv_free(&v->kids[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->s);
    memset(v, 0, sizeof *v);
}

static void jws(struct jr *r) {
    while (r->s < r->e && (*r->s == ' ' || *r->s == '\n' || *r->s == '\r' || *r->s == '\t')) r->s++;
}

static int jhex(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string at r->s (after the opening quote is checked); decoded into a malloc'ed buffer when
 * out is not NULL, else only skipped. */
static int jstr(struct jr *r, char **out, size_t *outlen) {
    if (r->s >= r->e || *r->s != '"') return r->failed = 1, -1;
    r->s++;
    const char *b = r->s;
    while (r->s < r->e && *r->s != '"') r->s += *r->s == '\\' ? 2 : 1;
    if (r->s >= r->e) return r->failed = 1, -1;
    const char *end = r->s++;
    if (!out) return 0;
    char *d = malloc((size_t)(end - b) + 1), *w = d;
    if (!d) return r->failed = 1, -1;
    for (const char *c = b; c < end; c++) {
        if (*c != '\\') {
            *w++ = *c;
            continue;
        }
        c++;
        unsigned cp;
        switch (*c) {
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'u':
            if (end - c < 5 || jhex(c + 1, &cp)) {
                free(d);
                return r->failed = 1, -1;
            }
            c += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - c >= 7 && c[1] == '\\' && c[2] == 'u') {
                unsigned lo;
                if (!jhex(c + 3, &lo) && lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00), c += 6;
            }
            /* The escaped form is at least as long as the UTF-8 (6 bytes for up to 3, 12 for 4). */
            if (cp < 0x80) *w++ = (char)cp;
            else if (cp < 0x800) *w++ = (char)(0xc0 | cp >> 6), *w++ = (char)(0x80 | (cp & 0x3f));
            else if (cp < 0x10000)
                *w++ = (char)(0xe0 | cp >> 12), *w++ = (char)(0x80 | ((cp >> 6) & 0x3f)), *w++ = (char)(0x80 | (cp & 0x3f));
            else
                *w++ = (char)(0xf0 | cp >> 18), *w++ = (char)(0x80 | ((cp >> 12) & 0x3f)),
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3f)), *w++ = (char)(0x80 | (cp & 0x3f));
            break;
        default: *w++ = *c; break;
        }
    }
    *w = '\0';
    *out = d;
    *outlen = (size_t)(w - d);
    return 0;
}

/* Parses one value into v (build) or skips it (v NULL). */
static int jval(struct jr *r, struct jv *v) {
    if (v) memset(v, 0, sizeof *v); /* a failed value is freed with its parent: it must be sound */
    jws(r);
    if (r->s >= r->e || ++r->depth > 64) return r->failed = 1, -1;
    int rc = 0;
    char c = *r->s;
    if (c == '"') {
        rc = jstr(r, v ? &v->s : NULL, v ? &v->len : NULL);
        if (v && !rc) v->t = J_STR;
    } else if (c == '[' || c == '{') {
        char close = c == '[' ? ']' : '}';
        size_t cap = 0;
        if (v) v->t = c == '[' ? J_ARR : J_OBJ;
        r->s++;
        jws(r);
        if (r->s < r->e && *r->s == close) {
            r->s++;
        } else {
            for (;;) {
                char *key = NULL;
                size_t klen;
                jws(r);
                if (close == '}') {
                    if (jstr(r, v ? &key : NULL, &klen)) return -1;
                    jws(r);
                    if (r->s >= r->e || *r->s != ':') return free(key), r->failed = 1, -1;
                    r->s++;
                }
                if (v && v->nkids == cap) {
                    cap = cap ? cap * 2 : 8;
                    struct jv *nk = realloc(v->kids, cap * sizeof *nk);
                    char **nks = close == '}' ? realloc(v->keys, cap * sizeof *nks) : NULL;
                    if (nk) v->kids = nk;
                    if (nks) v->keys = nks;
                    if (!nk || (close == '}' && !nks)) return free(key), r->failed = 1, -1;
                }
                if (v && close == '}') v->keys[v->nkids] = key;
                if (jval(r, v ? &v->kids[v->nkids] : NULL)) {
                    if (v) v->nkids++; /* the partial value (and its key) is freed with the rest */
                    return -1;
                }
                if (v) v->nkids++;
                jws(r);
                if (r->s < r->e && *r->s == ',') {
                    r->s++;
                    continue;
                }
                if (r->s < r->e && *r->s == close) {
                    r->s++;
                    break;
                }
                return r->failed = 1, -1;
            }
        }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        uint64_t n = 0;
        if (c == '-') r->s++;
        while (r->s < r->e && *r->s >= '0' && *r->s <= '9') {
            unsigned d = (unsigned)(*r->s++ - '0');
            n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
        }
        while (r->s < r->e && strchr(".eE+-0123456789", *r->s)) r->s++;
        if (v) v->t = J_NUM, v->n = c == '-' ? 0 : n;
    } else if (r->e - r->s >= 4 && !memcmp(r->s, "true", 4)) {
        r->s += 4;
        if (v) v->t = J_BOOL, v->n = 1;
    } else if (r->e - r->s >= 5 && !memcmp(r->s, "false", 5)) {
        r->s += 5;
        if (v) v->t = J_BOOL;
    } else if (r->e - r->s >= 4 && !memcmp(r->s, "null", 4)) {
        r->s += 4;
    } else {
        rc = -1;
        r->failed = 1;
    }
    r->depth--;
    return rc;
}

static const struct jv *jget(const struct jv *o, const char *key) {
    if (!o || o->t != J_OBJ) return NULL;
    for (size_t i = 0; i < o->nkids; i++)
        if (o->keys[i] && !strcmp(o->keys[i], key)) return &o->kids[i];
    return NULL;
}

static int jnum(const struct jv *v, uint64_t *out) {
    if (!v || v->t != J_NUM) return -1;
    *out = v->n;
    return 0;
}

/* Top-level keys kept as trees; every other one is skipped. */
static const char *const kept[] = {"mkEnded", "mkStateBytes", "mkTimeline", "mkDetailed", "pps", "ftbl", "tu"};

struct site_key {
    char *key;
    size_t len, idx;
};

static int cmp_key(const void *a, const void *b) {
    const struct site_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A stack as one byte string: each frame's text followed by a 0 byte. */
static char *stack_key(const char *const *frames, const uint32_t *fs, size_t nfs, size_t nframes, size_t *len) {
    size_t n = 0;
    for (size_t k = 0; k < nfs; k++) {
        if (fs[k] >= nframes) return NULL;
        n += strlen(frames[fs[k]]) + 1;
    }
    char *b = malloc(n + 1), *w = b;
    if (!b) return NULL;
    for (size_t k = 0; k < nfs; k++) {
        size_t l = strlen(frames[fs[k]]) + 1;
        memcpy(w, frames[fs[k]], l);
        w += l;
    }
    *len = n;
    return b;
}

/* Maps each of the file's program points to the model's site with the same stack (or SIZE_MAX). */
static size_t *map_pps(const mk__prof *p, const struct jv *pps, const struct jv *ftbl) {
    if (!pps || pps->t != J_ARR || !ftbl || ftbl->t != J_ARR) return NULL;
    const char **frames = calloc(ftbl->nkids + 1, sizeof *frames);
    struct site_key *keys = calloc(p->nsites + 1, sizeof *keys);
    size_t *map = calloc(pps->nkids + 1, sizeof *map);
    uint32_t *fs = NULL;
    size_t fscap = 0;
    int ok = frames && keys && map;
    for (size_t i = 0; ok && i < ftbl->nkids; i++) frames[i] = ftbl->kids[i].t == J_STR ? ftbl->kids[i].s : "";
    for (size_t i = 0; ok && i < p->nsites; i++) {
        keys[i].idx = i;
        keys[i].key = stack_key(p->ftbl, p->sites[i].fs, p->sites[i].nfs, p->nftbl, &keys[i].len);
        if (!keys[i].key) ok = 0;
    }
    if (ok) qsort(keys, p->nsites, sizeof *keys, cmp_key);
    for (size_t i = 0; ok && i < pps->nkids; i++) {
        map[i] = SIZE_MAX;
        const struct jv *f = jget(&pps->kids[i], "fs");
        if (!f || f->t != J_ARR) continue;
        if (f->nkids > fscap) {
            fscap = f->nkids;
            uint32_t *n = realloc(fs, fscap * sizeof *n);
            if (!n) { ok = 0; break; }
            fs = n;
        }
        int good = 1;
        for (size_t k = 0; k < f->nkids; k++) {
            uint64_t v;
            if (jnum(&f->kids[k], &v) || v >= ftbl->nkids) good = 0;
            else fs[k] = (uint32_t)v;
        }
        if (!good) continue;
        struct site_key want = {0};
        want.key = stack_key(frames, fs, f->nkids, ftbl->nkids, &want.len);
        if (!want.key) continue;
        struct site_key *hit = bsearch(&want, keys, p->nsites, sizeof *keys, cmp_key);
        if (hit) map[i] = hit->idx;
        free(want.key);
    }
    for (size_t i = 0; keys && i < p->nsites; i++) free(keys[i].key);
    free(keys);
    free(frames);
    free(fs);
    if (!ok) {
        free(map);
        return NULL;
    }
    return map;
}

static void read_timeline(mk__prof_extras *x, const struct jv *tl) {
    const struct jv *pts = jget(tl, "points");
    if (!pts || pts->t != J_ARR) {
        snprintf(x->note, sizeof x->note, "mkTimeline has no points array");
        return;
    }
    x->points = calloc(pts->nkids + 1, sizeof *x->points);
    if (!x->points) return;
    uint64_t last = 0;
    for (size_t i = 0; i < pts->nkids; i++) {
        const struct jv *pt = &pts->kids[i];
        struct mk__tl_point q;
        if (pt->t != J_ARR || pt->nkids < 4 || jnum(&pt->kids[0], &q.t) || jnum(&pt->kids[1], &q.live_bytes) ||
            jnum(&pt->kids[2], &q.live_blocks) || jnum(&pt->kids[3], &q.total_bytes) || (i && q.t <= last)) {
            snprintf(x->note, sizeof x->note, "mkTimeline point %zu is not [t, liveBytes, liveBlocks, totalBytes] "
                                              "with t increasing: timeline ignored", i);
            free(x->points);
            x->points = NULL;
            x->npoints = 0;
            return;
        }
        last = q.t;
        x->points[x->npoints++] = q;
    }
}

static void read_detailed(mk__prof_extras *x, const struct jv *d, const size_t *map, size_t npps) {
    if (d->t != J_ARR) return;
    x->detailed = calloc(d->nkids + 1, sizeof *x->detailed);
    if (!x->detailed) return;
    for (size_t i = 0; i < d->nkids; i++) {
        const struct jv *pt = &d->kids[i], *sites = jget(pt, "sites");
        struct mk__detail_point q = {0};
        if (jnum(jget(pt, "t"), &q.t) || !sites || sites->t != J_ARR) continue;
        q.sites = calloc(sites->nkids + 1, sizeof *q.sites);
        if (!q.sites) continue;
        for (size_t k = 0; k < sites->nkids; k++) {
            const struct jv *s = &sites->kids[k];
            uint64_t pp, bytes;
            if (s->t != J_ARR || s->nkids < 2 || jnum(&s->kids[0], &pp) || jnum(&s->kids[1], &bytes)) continue;
            if (!map || pp >= npps || map[pp] == SIZE_MAX) continue;
            q.sites[q.nsites++] = (struct mk__detail_site){map[pp], bytes};
        }
        x->detailed[x->ndetailed++] = q;
    }
}

/* Reads the top-level keys of the JSON object in data: those of kept[] whose bit is in mask into
 * keep[] (J_NULL when absent), skipping every other value without building it. */
static void read_top(const char *data, size_t len, struct jv *keep, unsigned mask) {
    struct jr r = {data, data + len, 0, 0};
    memset(keep, 0, sizeof *keep * (sizeof kept / sizeof kept[0]));
    jws(&r);
    if (r.s < r.e && *r.s == '{') {
        r.s++;
        for (;;) {
            jws(&r);
            char *key = NULL;
            size_t klen;
            if (jstr(&r, &key, &klen)) break;
            jws(&r);
            if (r.s >= r.e || *r.s != ':') {
                free(key);
                break;
            }
            r.s++;
            size_t which = sizeof kept / sizeof kept[0];
            for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
                if (!strcmp(key, kept[i]) && (mask >> i & 1)) which = i;
            free(key);
            if (which < sizeof kept / sizeof kept[0]) {
                jv_free(&keep[which]);
                if (jval(&r, &keep[which])) {
                    jv_free(&keep[which]); /* a value cut short is not used */
                    break;
                }
            } else if (jval(&r, NULL)) {
                break;
            }
            jws(&r);
            if (r.s < r.e && *r.s == ',') {
                r.s++;
                continue;
            }
            break;
        }
    }
}

int mk__extras_load(const char *path, const mk__prof *p, mk__prof_extras *x) {
    memset(x, 0, sizeof *x);
    x->ended_status = x->ended_signal = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        return 0;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *data = malloc(len);
    while (data && got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!data) return -1;
    int rc = mk__extras_parse(data, got, p, x);
    free(data);
    return rc;
}

int mk__extras_parse(const char *data, size_t got, const mk__prof *p, mk__prof_extras *x) {
    memset(x, 0, sizeof *x);
    x->ended_status = x->ended_signal = -1;
    struct jv keep[sizeof kept / sizeof kept[0]];
    read_top(data, got, keep, ~0u);
    const struct jv *ended = &keep[0], *tu = &keep[6];
    if (ended->t == J_OBJ) {
        const struct jv *how = jget(ended, "how"), *name = jget(ended, "name");
        uint64_t v;
        if (how && how->t == J_STR) snprintf(x->ended_how, sizeof x->ended_how, "%s", how->s);
        if (!jnum(jget(ended, "status"), &v)) x->ended_status = (int64_t)(v & 0xffff);
        if (!jnum(jget(ended, "signal"), &v)) x->ended_signal = (int64_t)(v & 0xffff);
        if (name && name->t == J_STR) snprintf(x->ended_name, sizeof x->ended_name, "%s", name->s);
    }
    if (!jnum(&keep[1], &x->state_bytes)) x->have_state = 1;
    x->time_us = tu->t == J_STR && !strcmp(tu->s, "µs");
    if (keep[2].t == J_OBJ) read_timeline(x, &keep[2]);
    int rc = 0;
    if (keep[3].t == J_ARR) {
        size_t *map = map_pps(p, &keep[4], &keep[5]);
        if (!map) snprintf(x->note, sizeof x->note, "mkDetailed could not be matched to the program points");
        read_detailed(x, &keep[3], map, keep[4].t == J_ARR ? keep[4].nkids : 0);
        free(map);
    }
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) jv_free(&keep[i]);
    return rc;
}

void mk__extras_free(mk__prof_extras *x) {

    for (size_t i = 0; i < x->ndetailed; i++) free(x->detailed[i].sites);
    free(x->detailed);
    free(x->points);
    memset(x, 0, sizeof *x);
}

const char *mk__extras_ended(const mk__prof_extras *x, char *buf, size_t cap) {
    if (!strcmp(x->ended_how, "exit")) snprintf(buf, cap, "exit status %lld", (long long)x->ended_status);
    else if (!strcmp(x->ended_how, "_exit")) snprintf(buf, cap, "_exit, status %lld", (long long)x->ended_status);
    else if (!strcmp(x->ended_how, "signal"))
        snprintf(buf, cap, "killed by signal %lld%s%s%s", (long long)x->ended_signal, x->ended_name[0] ? " (" : "",
                 x->ended_name, x->ended_name[0] ? ")" : "");
    else if (!strcmp(x->ended_how, "running")) snprintf(buf, cap, "still running (a snapshot)");
    else if (x->ended_how[0]) snprintf(buf, cap, "%s", x->ended_how);
    else return NULL;
    return buf;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) need = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) need = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) need = 4, min = 0x10000;
    else return 0;
    if (n < need) return 0;
    unsigned cp = c & (0x7f >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return need;
}

void mk__json_str(FILE *o, const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', o);
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') fputc('\\', o), fputc((int)c, o), i++;
        else if (c == '<' || c == '>' || c == '&' || c < 0x20 || c == 0x7f) fprintf(o, "\\u%04x", c), i++;
        else if (c < 0x80) fputc((int)c, o), i++;
        else {
            size_t n = utf8_len(s + i, len - i);
            if (!n) {
                fputs("\\ufffd", o);
                i++;
            } else if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
                fprintf(o, "\\u%04x", s[i + 2] == 0xa8 ? 0x2028 : 0x2029);
                i += 3;
            } else {
                fwrite(s + i, 1, n, o);
                i += n;
            }
        }
    }
    fputc('"', o);
}
