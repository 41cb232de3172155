/* render.c - the text report and the folded stacks, from the model of analyze.h.
 *
 * The text report opens with the totals in DHAT's own words so the two tools read alike; the
 * per-site lines add what only memkit's recorder knows (temporary blocks, realloc chains, sizes).
 * Folded output merges stacks by function name (file:line would split one function's flame).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/str.h"
#include "analyze.h"

const char *mk__fmt_count(char *buf, uint64_t v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    for (int i = 0; i < n; i++) {
        buf[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1) buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

static const char *duration(char *buf, size_t cap, double us) {
    if (us < 1000) snprintf(buf, cap, "%.0f µs", us);
    else if (us < 1e6) snprintf(buf, cap, "%.1f ms", us / 1e3);
    else snprintf(buf, cap, "%.2f s", us / 1e6);
    return buf;
}

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static const char *const sort_words[] = {"total bytes", "total blocks", "bytes at t-gmax", "bytes leaked at exit",
                                          "temporary blocks"};

int mk__report_text(const mk__prof *p, FILE *out, enum mk__sort key, size_t top) {
    char a[32], b[32], c[32], d[32], t[32];
    const struct mk__raw_totals *T = &p->totals;
    fprintf(out, "memkit: heap profile of `%s` (pid %" PRIu64 ")\n", p->cmd, p->pid);
    fprintf(out, "Total:     %s bytes in %s blocks\n", mk__fmt_count(a, T->tb), mk__fmt_count(b, T->tbk));
    fprintf(out, "At t-gmax: %s bytes in %s blocks\n", mk__fmt_count(a, T->gb), mk__fmt_count(b, T->gbk));
    fprintf(out, "At t-end:  %s bytes in %s blocks\n", mk__fmt_count(a, T->eb), mk__fmt_count(b, T->ebk));
    if (p->have_totals)
        fprintf(out, "Frees:     %s, reallocs: %s, frees of unknown pointers: %s, threads that allocated: %s\n", mk__fmt_count(a, T->frees),
                mk__fmt_count(b, T->reallocs), mk__fmt_count(c, T->unknown_frees), mk__fmt_count(d, T->threads));
    if (p->flags & MK_RAW_SAMPLED)
        fprintf(out, "Sampled:   stacks for about one block per %s bytes; per-site figures are estimates, "
                     "totals are exact\n", mk__fmt_count(a, p->sample_bytes));
    /* Blocks a custom allocator reported (memkit/prof.h) are in the totals above, as valgrind and
     * heaptrack count them; the arena's own chunks from malloc are there too. */
    uint64_t cu_b = 0, cu_k = 0;
    for (size_t i = 0; i < p->nsites; i++)
        if (p->sites[i].f.kind == MK_FN_CUSTOM) cu_b += p->sites[i].f.tb, cu_k += p->sites[i].f.tbk;
    if (cu_k)
        fprintf(out, "Custom:    %s custom allocator blocks (%s bytes), also inside the heap blocks of their arenas\n",
                mk__fmt_count(a, cu_k), mk__fmt_count(b, cu_b));
    if (p->flags & MK_RAW_TRUNCATED)
        fprintf(out, "Warning:   the recorder ran out of memory and stopped recording; figures are incomplete\n");
    size_t *order = mk__prof_order(p, key);
    if (!order) return -1;
    size_t n = top && top < p->nsites ? top : p->nsites;
    fprintf(out, "\n%s %zu of %zu sites by %s:\n", n == p->nsites ? "All" : "Top", n, p->nsites, sort_words[key]);
    for (size_t i = 0; i < n; i++) {
        const mk__prof_site *s = &p->sites[order[i]];
        const struct mk__raw_site *f = &s->f;
        double avg = f->tbk ? (double)f->tb / (double)f->tbk : 0;
        fprintf(out, "\n#%zu: %s bytes (%.1f%%) in %s blocks (%.1f%%), avg size %.1f bytes, avg lifetime %s\n", i + 1,
                mk__fmt_count(a, f->tb), pct(f->tb, T->tb), mk__fmt_count(b, f->tbk), pct(f->tbk, T->tbk), avg,
                duration(t, sizeof t, f->tbk ? (double)f->tl / (double)f->tbk : 0));
        /* DHAT's mb/mbk: the site's live figures the last time one of its own allocations reached a
         * global peak. Not the site's own maximum (which can be higher), so not called "peak". */
        fprintf(out, "    at its last global-peak event: %s bytes in %s blocks; at t-gmax: %s bytes in %s blocks (%.1f%%)\n", mk__fmt_count(a, f->mb),
                mk__fmt_count(b, f->mbk), mk__fmt_count(c, f->gb), mk__fmt_count(d, f->gbk), pct(f->gb, T->gb));
        fprintf(out, "    still live at exit: %s bytes in %s blocks\n", mk__fmt_count(a, f->eb), mk__fmt_count(b, f->ebk));
        if (f->kind == MK_FN_CUSTOM) fprintf(out, "    custom allocator: blocks reported through memkit/prof.h\n");
        if (p->extra) {
            fprintf(out, "    temporary: %s blocks (%.1f%%); short-lived (< %d µs): %s; reallocs: %s (at most %s per block)\n",
                    mk__fmt_count(a, f->temporary), pct(f->temporary, f->tbk), MK_RAW_SHORT_LIVED_US, mk__fmt_count(b, f->short_lived),
                    mk__fmt_count(c, f->reallocs), mk__fmt_count(d, f->max_chain));
            fprintf(out, "    sizes: %s to %s bytes; %s blocks of at most 24 bytes\n", mk__fmt_count(a, f->min_size),
                    mk__fmt_count(b, f->max_size), mk__fmt_count(c, f->small));
        }
        if (!s->nfs) fprintf(out, "    (no stack)\n");
        for (uint32_t k = 0; k < s->nfs; k++) fprintf(out, "    %s\n", p->ftbl[s->fs[k]]);
    }
    free(order);
    return ferror(out) ? -1 : 0;
}

struct line {
    const char *s;
    uint64_t bytes;
};

MK_VEC_DEFINE(mk__line_vec, struct line)
MK_VEC_DEFINE(mk__name_vec, mk_str)

static int cmp_lines(const void *a, const void *b) {
    return strcmp(((const struct line *)a)->s, ((const struct line *)b)->s);
}

int mk__report_folded(const mk__prof *p, FILE *out) {
    /* Each frame's function name, cleaned once (';' separates frames in this format). The names
     * and the lines live in one scratch arena, the line being built in a vector. */
    mk_arena scratch;
    mk__name_vec names; /* per frame: its function name, cleaned */
    mk__line_vec lines;
    mk__char_vec buf;
    mk_arena_init(&scratch, NULL);
    mk__name_vec_init(&names, NULL);
    mk__line_vec_init(&lines, NULL);
    mk__char_vec_init(&buf, NULL);
    int rc = mk__name_vec_reserve(&names, p->nftbl) ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < p->nftbl; i++) {
        const char *fn;
        size_t len;
        mk__frame_func(p->ftbl[i], &fn, &len);
        char *name = mk_arena_strndup(&scratch, fn, len);
        if (!name) rc = -1;
        for (size_t j = 0; rc == 0 && j < len; j++) name[j] = fn[j] == ';' ? ':' : fn[j] == '\n' ? ' ' : fn[j];
        if (rc == 0) mk__name_vec_push(&names, mk_str_from_len(name, len)); /* reserved */
    }
    for (size_t i = 0; rc == 0 && i < p->nsites; i++) {
        const mk__prof_site *s = &p->sites[i];
        if (!s->f.tb) continue;
        mk__char_vec_clear(&buf);
        bool ok = s->nfs ? true : mk__char_vec_extend(&buf, "[unknown]", 9);
        for (uint32_t k = s->nfs; ok && k-- > 0;) { /* outermost first */
            mk_str name = names.data[s->fs[k]];
            ok = mk__char_vec_extend(&buf, name.ptr, name.len) && (!k || mk__char_vec_push(&buf, ';'));
        }
        const char *line = ok ? mk_arena_strndup(&scratch, buf.len ? buf.data : "", buf.len) : NULL;
        if (!line || !mk__line_vec_push(&lines, (struct line){line, s->f.tb})) rc = -1;
    }
    if (rc == 0) {
        if (lines.len) qsort(lines.data, lines.len, sizeof *lines.data, cmp_lines); /* qsort(NULL, 0) is undefined */
        for (size_t i = 0; i < lines.len;) {
            uint64_t sum = 0;
            size_t j = i;
            for (; j < lines.len && !strcmp(lines.data[j].s, lines.data[i].s); j++) sum += lines.data[j].bytes;
            fprintf(out, "%s %" PRIu64 "\n", lines.data[i].s, sum);
            i = j;
        }
    }
    mk__char_vec_free(&buf);
    mk__line_vec_free(&lines);
    mk__name_vec_free(&names);
    mk_arena_destroy(&scratch);
    return rc || ferror(out) ? -1 : 0;
}

int mk__formats_parse(const char *list, unsigned *mask) {
    unsigned m = 0;
    const char *s = list;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 4 && !strncmp(s, "dhat", 4)) m |= MK_OUT_DHAT;
        else if (n == 4 && !strncmp(s, "text", 4)) m |= MK_OUT_TEXT;
        else if (n == 6 && !strncmp(s, "folded", 6)) m |= MK_OUT_FOLDED;
        else if (n == 4 && !strncmp(s, "html", 4)) m |= MK_OUT_HTML;
        else if (n == 5 && !strncmp(s, "pprof", 5)) m |= MK_OUT_PPROF;
        else return -1;
        s += n;
        if (*s == ',') s++;
    }
    if (!m) return -1;
    *mask = m;
    return 0;
}

int mk__parse_count(const char *s, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (d > max || v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
