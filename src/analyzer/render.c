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

#include "analyze.h"

/* 1234567 -> "1,234,567" (DHAT's style). */
static const char *num(char *buf, uint64_t v) {
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
    fprintf(out, "Total:     %s bytes in %s blocks\n", num(a, T->tb), num(b, T->tbk));
    fprintf(out, "At t-gmax: %s bytes in %s blocks\n", num(a, T->gb), num(b, T->gbk));
    fprintf(out, "At t-end:  %s bytes in %s blocks\n", num(a, T->eb), num(b, T->ebk));
    if (p->have_totals)
        fprintf(out, "Frees:     %s, reallocs: %s, frees of unknown pointers: %s, threads: %s\n", num(a, T->frees),
                num(b, T->reallocs), num(c, T->unknown_frees), num(d, T->threads));
    if (p->flags & MK_RAW_SAMPLED)
        fprintf(out, "Sampled:   stacks for about one block per %s bytes; per-site figures are estimates, "
                     "totals are exact\n", num(a, p->sample_bytes));
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
                num(a, f->tb), pct(f->tb, T->tb), num(b, f->tbk), pct(f->tbk, T->tbk), avg,
                duration(t, sizeof t, f->tbk ? (double)f->tl / (double)f->tbk : 0));
        fprintf(out, "    peak: %s bytes in %s blocks; at t-gmax: %s bytes in %s blocks (%.1f%%)\n", num(a, f->mb),
                num(b, f->mbk), num(c, f->gb), num(d, f->gbk), pct(f->gb, T->gb));
        fprintf(out, "    still live at exit: %s bytes in %s blocks\n", num(a, f->eb), num(b, f->ebk));
        if (p->extra) {
            fprintf(out, "    temporary: %s blocks (%.1f%%); short-lived (< %d µs): %s; reallocs: %s (at most %s per block)\n",
                    num(a, f->temporary), pct(f->temporary, f->tbk), MK_RAW_SHORT_LIVED_US, num(b, f->short_lived),
                    num(c, f->reallocs), num(d, f->max_chain));
            fprintf(out, "    sizes: %s to %s bytes; %s blocks of at most 24 bytes\n", num(a, f->min_size),
                    num(b, f->max_size), num(c, f->small));
        }
        if (!s->nfs) fprintf(out, "    (no stack)\n");
        for (uint32_t k = 0; k < s->nfs; k++) fprintf(out, "    %s\n", p->ftbl[s->fs[k]]);
    }
    free(order);
    return ferror(out) ? -1 : 0;
}

struct line {
    char *s;
    uint64_t bytes;
};

static int cmp_lines(const void *a, const void *b) {
    return strcmp(((const struct line *)a)->s, ((const struct line *)b)->s);
}

int mk__report_folded(const mk__prof *p, FILE *out) {
    /* Each frame's function name, cleaned once (';' separates frames in this format). */
    char **names = calloc(p->nftbl ? p->nftbl : 1, sizeof *names);
    size_t *lens = calloc(p->nftbl ? p->nftbl : 1, sizeof *lens);
    struct line *lines = calloc(p->nsites ? p->nsites : 1, sizeof *lines);
    size_t n = 0;
    int rc = names && lens && lines ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < p->nftbl; i++) {
        const char *fn;
        mk__frame_func(p->ftbl[i], &fn, &lens[i]);
        if (!(names[i] = malloc(lens[i] + 1))) rc = -1;
        for (size_t j = 0; rc == 0 && j < lens[i]; j++) names[i][j] = fn[j] == ';' ? ':' : fn[j] == '\n' ? ' ' : fn[j];
    }
    for (size_t i = 0; rc == 0 && i < p->nsites; i++) {
        const mk__prof_site *s = &p->sites[i];
        if (!s->f.tb) continue;
        size_t len = s->nfs ? 0 : 9;
        for (uint32_t k = 0; k < s->nfs; k++) len += lens[s->fs[k]] + 1;
        char *buf = malloc(len + 1), *w = buf;
        if (!buf) { rc = -1; break; }
        if (!s->nfs) memcpy(buf, "[unknown]", 9), w = buf + 9;
        for (uint32_t k = s->nfs; k-- > 0;) { /* outermost first */
            memcpy(w, names[s->fs[k]], lens[s->fs[k]]);
            w += lens[s->fs[k]];
            if (k) *w++ = ';';
        }
        *w = '\0';
        lines[n++] = (struct line){buf, s->f.tb};
    }
    if (rc == 0) {
        qsort(lines, n, sizeof *lines, cmp_lines);
        for (size_t i = 0; i < n;) {
            uint64_t sum = 0;
            size_t j = i;
            for (; j < n && !strcmp(lines[j].s, lines[i].s); j++) sum += lines[j].bytes;
            fprintf(out, "%s %" PRIu64 "\n", lines[i].s, sum);
            i = j;
        }
    }
    for (size_t i = 0; i < n; i++) free(lines[i].s);
    for (size_t i = 0; names && i < p->nftbl; i++) free(names[i]);
    free(names);
    free(lens);
    free(lines);
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
