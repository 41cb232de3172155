/* dhat.c - DHAT JSON out and in.
 *
 * The reader is a small recursive-descent parser for the JSON subset DHAT files use (objects,
 * arrays, strings, integers, true/false/null; unknown keys are skipped at any depth). Program
 * points reference the frame table by index and come before it in the file, so they are kept
 * aside (their frame indices in one vector) until the table is read; the table's strings are
 * interned into the model as they are read, and the program points are then added through the
 * model: duplicate frame strings or repeated stacks in a foreign file are merged rather than
 * trusted. Every number the reader takes is an integer of at most MK__DHAT_MAX_COUNT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhat.h"
#include "timeline.h"

static uint64_t safe(uint64_t v) { return v > MK__DHAT_MAX_COUNT ? MK__DHAT_MAX_COUNT : v; }

static void put_str(FILE *o, const char *s) {
    fputc('"', o);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fputc('\\', o), fputc(*c, o);
        else if (*c == '\n') fputs("\\n", o);
        else if (*c == '\t') fputs("\\t", o);
        else if (*c < 0x20 || *c == 0x7f) fprintf(o, "\\u%04x", *c);
        else fputc(*c, o);
    }
    fputc('"', o);
}

int mk__dhat_write(const mk__prof *p, FILE *o) {
    const struct mk__raw_totals *t = &p->totals;
    fputs("{\"dhatFileVersion\":2\n,\"mode\":\"heap\",\"verb\":\"Allocated\",\"bklt\":true,\"bkacc\":false\n"
          ",\"tu\":\"µs\",\"Mtu\":\"s\",\"tuth\":" , o);
    fprintf(o, "%d\n,\"cmd\":", MK_RAW_SHORT_LIVED_US);
    put_str(o, p->cmd);
    fprintf(o, "\n,\"pid\":%" PRIu64 "\n,\"te\":%" PRIu64 ",\"tg\":%" PRIu64 "\n", safe(p->pid), safe(p->te), safe(p->tg));
    fprintf(o, ",\"mkVersion\":1,\"mkPpid\":%" PRIu64 ",\"mkFlags\":%u,\"mkSample\":%" PRIu64 ",\"mkDepth\":%" PRIu64
               ",\"mkExtra\":%s\n", safe(p->ppid), p->flags, safe(p->sample_bytes), safe(p->max_depth),
            p->extra ? "true" : "false");
    if (p->have_totals)
        fprintf(o, ",\"mkTotals\":{\"tb\":%" PRIu64 ",\"tbk\":%" PRIu64 ",\"gb\":%" PRIu64 ",\"gbk\":%" PRIu64
                   ",\"eb\":%" PRIu64 ",\"ebk\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"unknownFrees\":%" PRIu64
                   ",\"reallocs\":%" PRIu64 ",\"threads\":%" PRIu64 ",\"recorderBytes\":%" PRIu64 "}\n",
                safe(t->tb), safe(t->tbk), safe(t->gb), safe(t->gbk), safe(t->eb), safe(t->ebk), safe(t->frees),
                safe(t->unknown_frees), safe(t->reallocs), safe(t->threads), safe(t->recorder_bytes));
    if (p->nmodules) {
        fputs(",\"mkModules\":[", o);
        for (size_t i = 0; i < p->nmodules; i++) {
            const mk__prof_module *m = &p->modules[i];
            fputs(i ? "\n,{\"path\":" : "\n{\"path\":", o);
            put_str(o, m->path);
            fprintf(o, ",\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"buildId\":\"%s\"}", safe(m->start), safe(m->end), m->build_id);
        }
        fputs("]\n", o);
    }
    fputs(",\"pps\":\n[", o);
    size_t *order = mk__prof_order(p, MK_SORT_BYTES);
    if (!order) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < p->nsites; i++) {
        const mk__prof_site *s = &p->sites[order[i]];
        const struct mk__raw_site *f = &s->f;
        fprintf(o, "%s{\"tb\":%" PRIu64 ",\"tbk\":%" PRIu64 ",\"tl\":%" PRIu64 ",\"mb\":%" PRIu64 ",\"mbk\":%" PRIu64
                   ",\"gb\":%" PRIu64 ",\"gbk\":%" PRIu64 ",\"eb\":%" PRIu64 ",\"ebk\":%" PRIu64,
                i ? "\n," : "", safe(f->tb), safe(f->tbk), safe(f->tl), safe(f->mb), safe(f->mbk), safe(f->gb),
                safe(f->gbk), safe(f->eb), safe(f->ebk));
        if (p->extra)
            fprintf(o, ",\"mkTmp\":%" PRIu64 ",\"mkShort\":%" PRIu64 ",\"mkRe\":%" PRIu64 ",\"mkChain\":%" PRIu64
                       ",\"mkMin\":%" PRIu64 ",\"mkMax\":%" PRIu64 ",\"mkSmall\":%" PRIu64 ",\"mkFn\":%u",
                    safe(f->temporary), safe(f->short_lived), safe(f->reallocs), safe(f->max_chain),
                    safe(f->min_size), safe(f->max_size), safe(f->small), f->kind);
        fputs(",\"fs\":[", o);
        for (uint32_t k = 0; k < s->nfs; k++) fprintf(o, k ? ",%u" : "%u", s->fs[k]);
        fputs("]}", o);
    }
    fputs("\n]\n", o);
    if (mk__dhat_write_time(p, o, order)) {
        free(order);
        return -1;
    }
    free(order);
    fputs(",\"ftbl\":\n[", o);
    for (size_t i = 0; i < p->nftbl; i++) {
        if (i) fputs("\n,", o);
        put_str(o, p->ftbl[i]);
    }
    fputs("\n]\n}\n", o);
    return ferror(o) ? -1 : 0;
}

/* ---- reading ---- */

struct pp {
    struct mk__raw_site f;
    size_t fs_at; /* its frame indices are rd.fs[fs_at .. fs_at + nfs) */
    uint32_t nfs;
};

MK_VEC_DEFINE(mk__pp_vec, struct pp)

struct rd {
    const char *s, *e, *start;
    char *err;
    size_t errlen;
    int failed, nomem;
    mk__char_vec buf;   /* the last string read, decoded and NUL-terminated (the NUL not counted) */
    mk__pp_vec pps;
    mk__u32_vec fs;     /* the frame indices of every program point, as in the file */
    mk__u32_vec ftbl;   /* the file's frame index -> the model's */
    int depth;
};

static void bad(struct rd *r, const char *fmt, ...) {
    if (r->failed) return;
    r->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    char msg[160];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s (at byte %zu)", msg, (size_t)(r->s - r->start));
}

static void ws(struct rd *r) {
    while (r->s < r->e && (*r->s == ' ' || *r->s == '\n' || *r->s == '\r' || *r->s == '\t')) r->s++;
}

static int eat(struct rd *r, char c) {
    ws(r);
    if (r->s < r->e && *r->s == c) {
        r->s++;
        return 1;
    }
    return 0;
}

static void oom(struct rd *r) {
    r->nomem = 1;
    bad(r, "out of memory");
}

static int sput(struct rd *r, char c) {
    if (mk__char_vec_push(&r->buf, c)) return 0;
    oom(r);
    return -1;
}

static void put_utf8(struct rd *r, unsigned cp) {
    if (cp < 0x80) sput(r, (char)cp);
    else if (cp < 0x800) sput(r, (char)(0xc0 | cp >> 6)), sput(r, (char)(0x80 | (cp & 0x3f)));
    else if (cp < 0x10000)
        sput(r, (char)(0xe0 | cp >> 12)), sput(r, (char)(0x80 | ((cp >> 6) & 0x3f))), sput(r, (char)(0x80 | (cp & 0x3f)));
    else
        sput(r, (char)(0xf0 | cp >> 18)), sput(r, (char)(0x80 | ((cp >> 12) & 0x3f))),
            sput(r, (char)(0x80 | ((cp >> 6) & 0x3f))), sput(r, (char)(0x80 | (cp & 0x3f)));
}

static int hex4(struct rd *r, unsigned *out) {
    if (r->e - r->s < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    r->s += 4;
    *out = v;
    return 0;
}

/* Reads a string into r->buf. */
static int str(struct rd *r) {
    mk__char_vec_clear(&r->buf);
    if (!eat(r, '"')) {
        bad(r, "expected a string");
        return -1;
    }
    while (r->s < r->e && *r->s != '"') {
        unsigned char c = (unsigned char)*r->s++;
        if (c < 0x20) {
            bad(r, "control character in a string");
            return -1;
        }
        if (c != '\\') {
            if (sput(r, (char)c)) return -1;
            continue;
        }
        if (r->s >= r->e) break;
        char esc = *r->s++;
        unsigned cp;
        switch (esc) {
        case '"': case '\\': case '/': sput(r, esc); break;
        case 'b': sput(r, '\b'); break;
        case 'f': sput(r, '\f'); break;
        case 'n': sput(r, '\n'); break;
        case 'r': sput(r, '\r'); break;
        case 't': sput(r, '\t'); break;
        case 'u':
            if (hex4(r, &cp)) {
                bad(r, "bad \\u escape");
                return -1;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && r->e - r->s >= 6 && r->s[0] == '\\' && r->s[1] == 'u') {
                unsigned lo;
                r->s += 2;
                if (hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff) {
                    bad(r, "bad surrogate pair");
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(r, cp);
            break;
        default:
            bad(r, "bad escape \\%c", esc);
            return -1;
        }
        if (r->failed) return -1;
    }
    if (r->s >= r->e) {
        bad(r, "unterminated string");
        return -1;
    }
    r->s++;
    size_t len = r->buf.len;
    if (sput(r, '\0')) return -1;
    mk__char_vec_truncate(&r->buf, len); /* the NUL stays in place after the last byte */
    return 0;
}

/* The last string read, NUL-terminated. */
static const char *sbuf(const struct rd *r) { return r->buf.data; }

/* The length of the number at p (digits, sign, point, exponent), at most 40 for an error message. */
static int number_len(const char *p, const char *e) {
    int n = 0;
    while (p + n < e && n < 40 && strchr("0123456789.eE+-", p[n]) && p[n]) n++;
    return n;
}

/* A count: a non-negative integer (DHAT writes nothing else) of at most MK__DHAT_MAX_COUNT. A
 * fraction or an exponent is an error, not truncated: 1.5 bytes is no count. what names the field. */
static int read_uint(struct rd *r, const char *what, uint64_t *out) {
    ws(r);
    const char *b = r->s;
    uint64_t v = 0;
    int big = 0;
    while (r->s < r->e && *r->s >= '0' && *r->s <= '9') {
        unsigned d = (unsigned)(*r->s++ - '0');
        if (v > (MK__DHAT_MAX_COUNT - d) / 10) big = 1;
        else v = v * 10 + d;
    }
    if (r->s == b || (r->s < r->e && (*r->s == '.' || *r->s == 'e' || *r->s == 'E'))) {
        r->s = b; /* the error points at the number */
        if (b < r->e && number_len(b, r->e))
            bad(r, "\"%s\" must be a non-negative integer, not %.*s", what, number_len(b, r->e), b);
        else
            bad(r, "\"%s\" must be a non-negative integer", what);
        return -1;
    }
    if (big) {
        r->s = b;
        bad(r, "\"%s\" is %.*s, more than a profile can hold (at most %" PRIu64 ")", what, number_len(b, r->e), b,
            (uint64_t)MK__DHAT_MAX_COUNT);
        return -1;
    }
    *out = v;
    return 0;
}

static int skip(struct rd *r);

static int skip_container(struct rd *r, char close) {
    if (++r->depth > 64) {
        bad(r, "nested too deeply");
        return -1;
    }
    if (eat(r, close)) {
        r->depth--;
        return 0;
    }
    do {
        if (close == '}') {
            if (str(r) || (!eat(r, ':') && (bad(r, "expected ':'"), 1))) return -1;
        }
        if (skip(r)) return -1;
    } while (eat(r, ','));
    if (!eat(r, close)) {
        bad(r, "expected '%c'", close);
        return -1;
    }
    r->depth--;
    return 0;
}

static int skip(struct rd *r) {
    ws(r);
    if (r->s >= r->e) {
        bad(r, "unexpected end of file");
        return -1;
    }
    char c = *r->s;
    if (c == '"') return str(r);
    if (c == '{') return r->s++, skip_container(r, '}');
    if (c == '[') return r->s++, skip_container(r, ']');
    if (c == '-' || (c >= '0' && c <= '9')) {
        r->s++;
        while (r->s < r->e && strchr("0123456789.eE+-", *r->s)) r->s++;
        return 0;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(r->e - r->s) >= n && !memcmp(r->s, words[i], n)) {
            r->s += n;
            return 0;
        }
    }
    bad(r, "unexpected character '%c'", c);
    return -1;
}

static int boolean(struct rd *r, int *out) {
    ws(r);
    if (r->e - r->s >= 4 && !memcmp(r->s, "true", 4)) return r->s += 4, *out = 1, 0;
    if (r->e - r->s >= 5 && !memcmp(r->s, "false", 5)) return r->s += 5, *out = 0, 0;
    bad(r, "expected true or false");
    return -1;
}

struct field {
    const char *name;
    size_t off;
};

#define SF(n, m) {n, offsetof(struct mk__raw_site, m)}
static const struct field site_fields[] = {
    SF("tb", tb), SF("tbk", tbk), SF("tl", tl), SF("mb", mb), SF("mbk", mbk), SF("gb", gb), SF("gbk", gbk),
    SF("eb", eb), SF("ebk", ebk), SF("mkTmp", temporary), SF("mkShort", short_lived), SF("mkRe", reallocs),
    SF("mkChain", max_chain), SF("mkMin", min_size), SF("mkMax", max_size), SF("mkSmall", small),
};
#define TF(n, m) {n, offsetof(struct mk__raw_totals, m)}
static const struct field total_fields[] = {
    TF("tb", tb), TF("tbk", tbk), TF("gb", gb), TF("gbk", gbk), TF("eb", eb), TF("ebk", ebk), TF("frees", frees),
    TF("unknownFrees", unknown_frees), TF("reallocs", reallocs), TF("threads", threads),
    TF("recorderBytes", recorder_bytes),
};

static int set_field(struct rd *r, const struct field *fl, size_t n, void *base) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sbuf(r), fl[i].name)) continue;
        return read_uint(r, fl[i].name, (uint64_t *)((char *)base + fl[i].off));
    }
    return skip(r);
}

/* A count that the model keeps in 32 bits. */
static int read_u32(struct rd *r, const char *what, uint32_t *out) {
    uint64_t v;
    if (read_uint(r, what, &v)) return -1;
    if (v > UINT32_MAX) return bad(r, "\"%s\" out of range", what), -1;
    *out = (uint32_t)v;
    return 0;
}

static int read_pp(struct rd *r) {
    struct pp pp = {.fs_at = r->fs.len};
    int have_fs = 0, have_tb = 0;
    if (!eat(r, '{')) return bad(r, "expected a program point object"), -1;
    if (!eat(r, '}')) {
        do {
            if (str(r)) return -1;
            if (!eat(r, ':')) return bad(r, "expected ':'"), -1;
            if (!strcmp(sbuf(r), "fs")) {
                have_fs = 1;
                if (!eat(r, '[')) return bad(r, "expected the fs array"), -1;
                mk__u32_vec_truncate(&r->fs, pp.fs_at); /* a repeated "fs" replaces the first */
                if (!eat(r, ']')) {
                    do {
                        uint32_t v;
                        if (read_u32(r, "fs", &v)) return -1;
                        if (!mk__u32_vec_push(&r->fs, v)) return oom(r), -1;
                    } while (eat(r, ','));
                    if (!eat(r, ']')) return bad(r, "expected ']' after fs"), -1;
                }
                if (r->fs.len - pp.fs_at > UINT32_MAX) return bad(r, "fs too long"), -1;
                pp.nfs = (uint32_t)(r->fs.len - pp.fs_at);
            } else if (!strcmp(sbuf(r), "mkFn")) {
                if (read_u32(r, "mkFn", &pp.f.kind)) return -1;
            } else {
                have_tb |= !strcmp(sbuf(r), "tb");
                if (set_field(r, site_fields, sizeof site_fields / sizeof site_fields[0], &pp.f)) return -1;
            }
        } while (eat(r, ','));
        if (!eat(r, '}')) return bad(r, "expected '}' after a program point"), -1;
    }
    if (!have_fs || !have_tb) return bad(r, "a program point lacks %s", have_fs ? "tb" : "fs"), -1;
    if (!mk__pp_vec_push(&r->pps, pp)) return oom(r), -1;
    return 0;
}

/* mkModules: [{"path": "...", "start": N, "end": N, "buildId": "hex"}, ...] into p (paths in its
 * arena). Unknown keys are skipped; a module without a path is dropped. */
static int read_modules(struct rd *r, mk__prof *p) {
    mk__prof_module *mods = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    if (!eat(r, '[')) return bad(r, "expected the mkModules array"), -1;
    if (eat(r, ']')) return 0;
    do {
        mk__prof_module m = {0};
        if (!eat(r, '{')) {
            bad(r, "expected a module object");
            goto out;
        }
        if (!eat(r, '}')) {
            do {
                if (str(r) || !eat(r, ':')) {
                    bad(r, "expected a key");
                    goto out;
                }
                char k[8];
                snprintf(k, sizeof k, "%s", sbuf(r));
                if (!strcmp(k, "path") || !strcmp(k, "buildId")) {
                    if (str(r)) goto out;
                    if (k[0] == 'p') {
                        if (!(m.path = mk_arena_strndup(&p->arena, sbuf(r), r->buf.len))) {
                            oom(r);
                            goto out;
                        }
                    } else if (r->buf.len < sizeof m.build_id && strspn(sbuf(r), "0123456789abcdef") == r->buf.len) {
                        memcpy(m.build_id, sbuf(r), r->buf.len + 1);
                    }
                } else if (!strcmp(k, "start") || !strcmp(k, "end")) {
                    if (read_uint(r, k, k[0] == 's' ? &m.start : &m.end)) goto out;
                } else if (skip(r)) {
                    goto out;
                }
            } while (eat(r, ','));
            if (!eat(r, '}')) {
                bad(r, "expected '}' after a module");
                goto out;
            }
        }
        if (!m.path) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            mk__prof_module *nm = realloc(mods, cap * sizeof *nm);
            if (!nm) {
                oom(r);
                goto out;
            }
            mods = nm;
        }
        mods[n++] = m;
    } while (eat(r, ','));
    if (!eat(r, ']')) {
        bad(r, "expected ']' after mkModules");
        goto out;
    }
    if (n && !(p->modules = mk_arena_alloc_array(&p->arena, n, sizeof *mods, _Alignof(mk__prof_module)))) {
        oom(r);
        goto out;
    }
    if (n) memcpy(p->modules, mods, n * sizeof *mods);
    p->nmodules = n;
    rc = 0;
out:
    free(mods);
    return rc;
}

/* Interns each frame string into p as it is read, remembering its index there. */
static int read_ftbl(struct rd *r, mk__prof *p) {
    if (!eat(r, '[')) return bad(r, "expected the ftbl array"), -1;
    if (eat(r, ']')) return 0;
    do {
        if (str(r)) return -1;
        long idx = mk__prof_frame(p, sbuf(r), strlen(sbuf(r)));
        if (idx < 0 || !mk__u32_vec_push(&r->ftbl, (uint32_t)idx)) return oom(r), -1;
    } while (eat(r, ','));
    if (!eat(r, ']')) return bad(r, "expected ']' after ftbl"), -1;
    return 0;
}

/* ---- memkit's time keys: mkEnded, mkStateBytes, mkTimeline, mkDetailed (timeline.h) ---- */

struct tkeys {
    uint64_t (*pts)[4];
    size_t npts;
    struct tdet {
        uint64_t t;
        size_t n;
        uint64_t (*e)[2]; /* pps index, live bytes */
    } *det;
    size_t ndet;
};

#define TK_MAX_POINTS (1u << 20)
#define TK_MAX_DETAILED 4096

/* [a, b, ...] of up to n unsigned integers into v; returns how many, or -1. */
static int uint_tuple(struct rd *r, uint64_t *v, int n) {
    int k = 0;
    if (!eat(r, '[')) return bad(r, "expected '['"), -1;
    if (eat(r, ']')) return 0;
    do {
        uint64_t x;
        if (read_uint(r, "a number list", &x)) return -1;
        if (k < n) v[k] = x;
        k++;
    } while (eat(r, ','));
    if (!eat(r, ']')) return bad(r, "expected ']'"), -1;
    return k;
}

static int read_time_key(struct rd *r, const char *key, mk__prof *p, struct tkeys *tk) {
    if (!strcmp(key, "mkStateBytes")) return read_uint(r, key, &p->state_bytes);
    if (!strcmp(key, "mkEnded")) {
        if (!eat(r, '{')) return bad(r, "expected the mkEnded object"), -1;
        int how = MK_ENDED_UNKNOWN;
        uint64_t code = 0;
        if (!eat(r, '}')) {
            do {
                if (str(r) || !eat(r, ':')) return bad(r, "expected a key"), -1;
                if (!strcmp(sbuf(r), "how")) {
                    if (str(r)) return -1;
                    how = !strcmp(sbuf(r), "exit") ? MK_ENDED_EXIT : !strcmp(sbuf(r), "_exit") ? MK_ENDED__EXIT
                        : !strcmp(sbuf(r), "signal") ? MK_ENDED_SIGNAL : !strcmp(sbuf(r), "running") ? MK_ENDED_RUNNING
                        : MK_ENDED_UNKNOWN;
                } else if (!strcmp(sbuf(r), "status") || !strcmp(sbuf(r), "signal")) {
                    if (read_uint(r, key, &code)) return -1;
                } else if (skip(r)) {
                    return -1;
                }
            } while (eat(r, ','));
            if (!eat(r, '}')) return bad(r, "expected '}' after mkEnded"), -1;
        }
        p->ended = how;
        p->ended_code = code > 255 ? 255 : (int)code;
        return 0;
    }
    if (!strcmp(key, "mkTimeline")) {
        if (!eat(r, '{')) return bad(r, "expected the mkTimeline object"), -1;
        if (eat(r, '}')) return 0;
        do {
            if (str(r) || !eat(r, ':')) return bad(r, "expected a key"), -1;
            if (strcmp(sbuf(r), "points")) {
                if (skip(r)) return -1;
                continue;
            }
            if (!eat(r, '[')) return bad(r, "expected the points array"), -1;
            if (eat(r, ']')) continue;
            do {
                uint64_t v[4] = {0};
                if (uint_tuple(r, v, 4) != 4) return r->failed ? -1 : (bad(r, "a timeline point has 4 numbers"), -1);
                if (tk->npts >= TK_MAX_POINTS) continue;
                if (tk->npts && v[0] <= tk->pts[tk->npts - 1][0]) return bad(r, "timeline times must increase"), -1;
                if (!(tk->npts & (tk->npts - 1)) || !tk->npts) {
                    void *q = realloc(tk->pts, (tk->npts ? tk->npts * 2 : 16) * sizeof *tk->pts);
                    if (!q) return oom(r), -1;
                    tk->pts = q;
                }
                memcpy(tk->pts[tk->npts++], v, sizeof v);
            } while (eat(r, ','));
            if (!eat(r, ']')) return bad(r, "expected ']' after the points"), -1;
        } while (eat(r, ','));
        if (!eat(r, '}')) return bad(r, "expected '}' after mkTimeline"), -1;
        return 0;
    }
    /* mkDetailed */
    if (!eat(r, '[')) return bad(r, "expected the mkDetailed array"), -1;
    if (eat(r, ']')) return 0;
    do {
        if (!eat(r, '{')) return bad(r, "expected a detailed point"), -1;
        struct tdet d = {0, 0, NULL};
        size_t cap = 0;
        if (!eat(r, '}')) {
            do {
                if (str(r) || !eat(r, ':')) return free(d.e), bad(r, "expected a key"), -1;
                if (!strcmp(sbuf(r), "t")) {
                    if (read_uint(r, key, &d.t)) return free(d.e), -1;
                } else if (!strcmp(sbuf(r), "sites")) {
                    if (!eat(r, '[')) return free(d.e), bad(r, "expected the sites array"), -1;
                    if (eat(r, ']')) continue;
                    do {
                        uint64_t v[2];
                        if (uint_tuple(r, v, 2) != 2) return free(d.e), r->failed ? -1 : (bad(r, "a detailed site is [pp, bytes]"), -1);
                        if (d.n == cap) {
                            cap = cap ? cap * 2 : 16;
                            void *q = realloc(d.e, cap * sizeof *d.e);
                            if (!q) return free(d.e), oom(r), -1;
                            d.e = q;
                        }
                        d.e[d.n][0] = v[0], d.e[d.n][1] = v[1];
                        d.n++;
                    } while (eat(r, ','));
                    if (!eat(r, ']')) return free(d.e), bad(r, "expected ']' after the sites"), -1;
                } else if (skip(r)) {
                    return free(d.e), -1;
                }
            } while (eat(r, ','));
            if (!eat(r, '}')) return free(d.e), bad(r, "expected '}' after a detailed point"), -1;
        }
        if (tk->ndet >= TK_MAX_DETAILED) {
            free(d.e);
            continue;
        }
        if (!(tk->ndet & (tk->ndet - 1)) || !tk->ndet) {
            void *q = realloc(tk->det, (tk->ndet ? tk->ndet * 2 : 16) * sizeof *tk->det);
            if (!q) return free(d.e), oom(r), -1;
            tk->det = q;
        }
        tk->det[tk->ndet++] = d;
    } while (eat(r, ','));
    if (!eat(r, ']')) return bad(r, "expected ']' after mkDetailed"), -1;
    return 0;
}

/* Moves the time keys into p; pp_site[i] is the site pps[i] became. */
static int resolve_time_keys(struct tkeys *tk, mk__prof *p, const uint32_t *pp_site, size_t npps) {
    if (tk->npts) {
        p->timeline = mk_arena_alloc_array(&p->arena, tk->npts, sizeof *p->timeline, _Alignof(uint64_t));
        if (!p->timeline) return -1;
        memcpy(p->timeline, tk->pts, tk->npts * sizeof *p->timeline);
        p->ntimeline = tk->npts;
    }
    if (tk->ndet) {
        p->detailed = mk_arena_alloc_array(&p->arena, tk->ndet, sizeof *p->detailed, _Alignof(uint64_t));
        if (!p->detailed) return -1;
        for (size_t i = 0; i < tk->ndet; i++) {
            struct mk__prof_detail *d = &p->detailed[i];
            d->t = tk->det[i].t;
            d->n = 0;
            d->site = mk_arena_alloc_array(&p->arena, tk->det[i].n ? tk->det[i].n : 1, sizeof *d->site, _Alignof(uint32_t));
            d->live = mk_arena_alloc_array(&p->arena, tk->det[i].n ? tk->det[i].n : 1, sizeof *d->live, _Alignof(uint64_t));
            if (!d->site || !d->live) return -1;
            for (size_t k = 0; k < tk->det[i].n; k++) {
                if (tk->det[i].e[k][0] >= npps) continue; /* a pps index the file does not have */
                d->site[d->n] = pp_site[tk->det[i].e[k][0]];
                d->live[d->n++] = tk->det[i].e[k][1];
            }
        }
        p->ndetailed = tk->ndet;
    }
    return 0;
}

static void free_time_keys(struct tkeys *tk) {
    free(tk->pts);
    for (size_t i = 0; i < tk->ndet; i++) free(tk->det[i].e);
    free(tk->det);
}

mk_err mk__dhat_parse(const char *data, size_t len, mk__prof *p, char *err, size_t errlen) {
    struct rd r = {.s = data, .e = data + len, .start = data, .err = err, .errlen = errlen};
    char dummy[8];
    if (!err || !errlen) r.err = dummy, r.errlen = sizeof dummy;
    mk__char_vec_init(&r.buf, NULL);
    mk__pp_vec_init(&r.pps, NULL);
    mk__u32_vec_init(&r.fs, NULL);
    mk__u32_vec_init(&r.ftbl, NULL);
    mk_err rc = mk__prof_init(p);
    if (rc) {
        mk__prof_free(p);
        snprintf(r.err, r.errlen, "out of memory");
        return rc;
    }
    uint64_t version = 0;
    int have_pps = 0, have_ftbl = 0, have_version = 0;
    struct tkeys tk = {0};
    uint32_t *pp_site = NULL;
    if (!eat(&r, '{')) bad(&r, "not a JSON object");
    else if (!eat(&r, '}')) {
        do {
            if (str(&r) || !eat(&r, ':')) {
                bad(&r, "expected a key");
                break;
            }
            char k[16]; /* the key, kept while its value is read into r.buf */
            snprintf(k, sizeof k, "%s", sbuf(&r));
            if (strlen(sbuf(&r)) >= sizeof k) { /* no key of ours is that long */
                skip(&r);
            } else if (!strcmp(k, "dhatFileVersion")) {
                if (read_uint(&r, k, &version)) break;
                have_version = 1;
            } else if (!strcmp(k, "tu")) {
                if (str(&r)) break;
                p->time_us = !strcmp(sbuf(&r), "\xc2\xb5s"); /* "µs": memkit's; valgrind counts instructions */
            } else if (!strcmp(k, "cmd")) {
                if (str(&r)) break;
                const char *c = mk_arena_strndup(&p->arena, sbuf(&r), r.buf.len);
                if (!c) oom(&r);
                else p->cmd = c;
            } else if (!strcmp(k, "pid") || !strcmp(k, "te") || !strcmp(k, "tg") || !strcmp(k, "mkPpid") ||
                       !strcmp(k, "mkSample") || !strcmp(k, "mkDepth")) {
                uint64_t v;
                if (read_uint(&r, k, &v)) break;
                if (!strcmp(k, "pid")) p->pid = v;
                else if (!strcmp(k, "te")) p->te = v;
                else if (!strcmp(k, "tg")) p->tg = v;
                else if (!strcmp(k, "mkPpid")) p->ppid = v;
                else if (!strcmp(k, "mkSample")) p->sample_bytes = v;
                else p->max_depth = v;
            } else if (!strcmp(k, "mkFlags")) {
                if (read_u32(&r, k, &p->flags)) break;
            } else if (!strcmp(k, "mkExtra")) {
                if (boolean(&r, &p->extra)) break;
            } else if (!strcmp(k, "mkTotals")) {
                if (!eat(&r, '{')) {
                    bad(&r, "expected the mkTotals object");
                    break;
                }
                if (!eat(&r, '}')) {
                    do {
                        if (str(&r) || !eat(&r, ':')) {
                            bad(&r, "expected a key");
                            break;
                        }
                        if (set_field(&r, total_fields, sizeof total_fields / sizeof total_fields[0], &p->totals)) break;
                    } while (eat(&r, ','));
                    if (!r.failed && !eat(&r, '}')) bad(&r, "expected '}' after mkTotals");
                }
                p->have_totals = 1;
            } else if (!strcmp(k, "pps")) {
                have_pps = 1;
                if (!eat(&r, '[')) {
                    bad(&r, "expected the pps array");
                    break;
                }
                if (!eat(&r, ']')) {
                    do
                        if (read_pp(&r)) break;
                    while (eat(&r, ','));
                    if (!r.failed && !eat(&r, ']')) bad(&r, "expected ']' after pps");
                }
            } else if (!strcmp(k, "mkModules")) {
                read_modules(&r, p);
            } else if (!strcmp(k, "ftbl")) {
                have_ftbl = 1;
                read_ftbl(&r, p);
            } else if (!strcmp(k, "mkEnded") || !strcmp(k, "mkStateBytes") || !strcmp(k, "mkTimeline") || !strcmp(k, "mkDetailed")) {
                if (read_time_key(&r, k, p, &tk)) break;
            } else {
                skip(&r);
            }
        } while (!r.failed && eat(&r, ','));
        if (!r.failed && !eat(&r, '}')) bad(&r, "expected '}' at the end");
    }
    if (!r.failed) {
        ws(&r);
        if (r.s != r.e) bad(&r, "data after the end of the JSON object");
    }
    if (!r.failed && (!have_version || !have_pps || !have_ftbl))
        bad(&r, "a JSON file but not a DHAT profile (no %s)", !have_version ? "dhatFileVersion" : !have_pps ? "pps" : "ftbl");
    if (!r.failed && version != 2) bad(&r, "DHAT file version %" PRIu64 ", memkit reads version 2", version);
    if (!r.failed && r.ftbl.len == 0) bad(&r, "empty frame table");
    if (!r.failed && !(pp_site = malloc((r.pps.len ? r.pps.len : 1) * sizeof *pp_site))) oom(&r);
    for (size_t i = 0; !r.failed && i < r.pps.len; i++) {
        struct pp *pp = &r.pps.data[i];
        uint32_t *fs = r.fs.data + pp->fs_at;
        for (uint32_t k = 0; k < pp->nfs && !r.failed; k++) {
            if (fs[k] >= r.ftbl.len) bad(&r, "program point %zu refers to frame %u of %zu", i, fs[k], r.ftbl.len);
            else fs[k] = r.ftbl.data[fs[k]];
        }
        if (!r.failed && mk__prof_add_site(p, fs, pp->nfs, &pp->f)) oom(&r);
        if (!r.failed) pp_site[i] = (uint32_t)p->last_site_;
    }
    if (!r.failed && resolve_time_keys(&tk, p, pp_site, r.pps.len)) oom(&r);
    free_time_keys(&tk);
    free(pp_site);
    mk__char_vec_free(&r.buf);
    mk__pp_vec_free(&r.pps);
    mk__u32_vec_free(&r.fs);
    mk__u32_vec_free(&r.ftbl);
    if (r.failed) {
        mk__prof_free(p);
        return r.nomem ? MK_ENOMEM : MK_EFORMAT;
    }
    mk__prof_finish(p);
    return MK_OK;
}

mk_err mk__profile_load(const char *path, mk__prof *p, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return mk_err_from_errno(e);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        snprintf(err, errlen, "%s: %s", path, dir ? "is a directory, not a profile" : "not a regular file");
        return dir ? MK_EISDIR : MK_EINVAL;
    }
    if (st.st_size == 0) {
        close(fd);
        snprintf(err, errlen, "%s: the file is empty, not a profile", path);
        return MK_EFORMAT;
    }
    size_t len = (size_t)st.st_size;
    char *data = malloc(len);
    size_t got = 0;
    while (data && got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            free(data);
            close(fd);
            snprintf(err, errlen, "%s: read failed: %s", path, strerror(e));
            return mk_err_from_errno(e);
        }
        got += (size_t)n;
    }
    close(fd);
    if (!data) {
        snprintf(err, errlen, "%s: out of memory", path);
        return MK_ENOMEM;
    }
    char inner[256] = "";
    mk_err rc;
    if (len >= 16 && !memcmp(data + 8, MK_RAW_MAGIC, 6)) {
        mk__raw_profile raw;
        rc = mk__raw_parse(data, len, &raw, inner, sizeof inner); /* takes data */
        if (!rc) {
            rc = mk__prof_from_raw(&raw, p, inner, sizeof inner);
            mk__raw_free(&raw);
        }
    } else {
        const char *c = data;
        while (c < data + len && (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t')) c++;
        if (c == data + len || *c != '{') {
            snprintf(inner, sizeof inner, "not a memkit or DHAT profile (neither JSON nor a raw profile)");
            rc = MK_EFORMAT;
        } else {
            rc = mk__dhat_parse(data, len, p, inner, sizeof inner);
        }
        free(data);
    }
    if (rc) snprintf(err, errlen, "%s: %s", path, inner);
    return rc;
}
