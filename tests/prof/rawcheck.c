/* rawcheck.c - prints a raw profile as JSON for tests/prof/check.sh: header, totals, and each site
 * with its figures and frames, every frame also given as module path + address relative to the
 * module's load bias (what addr2line -e takes). Exit status 1 when the profile does not load. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "rawread.h"

static void put_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: rawcheck FILE.raw\n");
        return 2;
    }
    mk__raw_profile p;
    char err[512];
    if (mk__raw_load(argv[1], &p, err, sizeof err) != MK_OK) {
        fprintf(stderr, "rawcheck: %s\n", err);
        return 1;
    }
    const struct mk__raw_header *h = &p.header;
    printf("{\"flags\":%u,\"pid\":%lu,\"ppid\":%lu,\"sample\":%lu,\"depth\":%lu,\"te\":%lu,\"tg\":%lu,\n",
           h->flags, (unsigned long)h->pid, (unsigned long)h->ppid, (unsigned long)h->sample_bytes,
           (unsigned long)h->max_depth, (unsigned long)h->t_end, (unsigned long)h->t_gmax);
    printf("\"argv\":[");
    for (size_t i = 0; i < p.argc; i++) {
        if (i) putchar(',');
        put_str(p.argv[i]);
    }
    const struct mk__raw_totals *t = &p.totals;
    printf("],\n\"totals\":{\"tb\":%lu,\"tbk\":%lu,\"gb\":%lu,\"gbk\":%lu,\"eb\":%lu,\"ebk\":%lu,\"frees\":%lu,"
           "\"unknown_frees\":%lu,\"reallocs\":%lu,\"threads\":%lu,\"recorder_bytes\":%lu},\n",
           (unsigned long)t->tb, (unsigned long)t->tbk, (unsigned long)t->gb, (unsigned long)t->gbk,
           (unsigned long)t->eb, (unsigned long)t->ebk, (unsigned long)t->frees, (unsigned long)t->unknown_frees,
           (unsigned long)t->reallocs, (unsigned long)t->threads, (unsigned long)t->recorder_bytes);
    printf("\"modules\":[");
    for (size_t i = 0; i < p.nmodules; i++) {
        const mk__raw_module_rec *m = &p.modules[i];
        printf("%s{\"start\":%lu,\"end\":%lu,\"bias\":%lu,\"build_id_len\":%u,\"path\":", i ? "," : "",
               (unsigned long)m->m.start, (unsigned long)m->m.end, (unsigned long)m->m.bias, m->m.build_id_len);
        put_str(m->path);
        putchar('}');
    }
    printf("],\n\"sites\":[\n");
    for (size_t i = 0; i < p.nsites; i++) {
        const struct mk__raw_site *s = &p.sites[i].s;
        printf("%s{\"tb\":%lu,\"tbk\":%lu,\"tl\":%lu,\"mb\":%lu,\"mbk\":%lu,\"gb\":%lu,\"gbk\":%lu,\"eb\":%lu,"
               "\"ebk\":%lu,\"temporary\":%lu,\"short_lived\":%lu,\"reallocs\":%lu,\"max_chain\":%lu,"
               "\"min_size\":%lu,\"max_size\":%lu,\"small\":%lu,\"kind\":%u,\"frames\":[",
               i ? ",\n" : "", (unsigned long)s->tb, (unsigned long)s->tbk, (unsigned long)s->tl,
               (unsigned long)s->mb, (unsigned long)s->mbk, (unsigned long)s->gb, (unsigned long)s->gbk,
               (unsigned long)s->eb, (unsigned long)s->ebk, (unsigned long)s->temporary,
               (unsigned long)s->short_lived, (unsigned long)s->reallocs, (unsigned long)s->max_chain,
               (unsigned long)s->min_size, (unsigned long)s->max_size, (unsigned long)s->small, s->kind);
        for (uint32_t f = 0; f < s->nframes; f++) {
            uint64_t a = p.sites[i].frames[f];
            const mk__raw_module_rec *m = NULL;
            for (size_t k = 0; k < p.nmodules; k++)
                if (a >= p.modules[k].m.start && a < p.modules[k].m.end) m = &p.modules[k];
            printf("%s[%lu,", f ? "," : "", (unsigned long)a);
            put_str(m ? m->path : "");
            printf(",%lu]", (unsigned long)(m ? a - m->m.bias : a));
        }
        printf("]}");
    }
    printf("\n]}\n");
    mk__raw_free(&p);
    return 0;
}
