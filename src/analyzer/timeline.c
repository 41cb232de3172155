/* timeline.c - the heap over time in the analyzer: attaching the recorder's timeline to a profile,
 * finding the sites that grew, the "Heap over time" chart and the DHAT keys (see timeline.h).
 */
#define _GNU_SOURCE
#include "timeline.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../format/state.h"

#define CHART_COLS 64
#define CHART_ROWS 8

mk_err mk__prof_attach_state(mk__prof *p, const mk__state_view *v) {
    p->state_bytes = v->state_bytes;
    if (v->npoints) {
        p->timeline = mk_arena_alloc_array(&p->arena, v->npoints, sizeof *p->timeline, _Alignof(uint64_t));
        if (!p->timeline) return MK_ENOMEM;
        memcpy(p->timeline, v->points, v->npoints * sizeof *p->timeline);
        p->ntimeline = v->npoints;
    }
    if (v->ndetailed) {
        p->detailed = mk_arena_alloc_array(&p->arena, v->ndetailed, sizeof *p->detailed, _Alignof(uint64_t));
        if (!p->detailed) return MK_ENOMEM;
        p->ndetailed = 0;
        for (size_t i = 0; i < v->ndetailed; i++) {
            const struct mk__state_dview *d = &v->detailed[i];
            struct mk__prof_detail *o = &p->detailed[p->ndetailed];
            o->t = d->t;
            o->n = 0;
            o->site = mk_arena_alloc_array(&p->arena, d->n ? d->n : 1, sizeof *o->site, _Alignof(uint32_t));
            o->live = mk_arena_alloc_array(&p->arena, d->n ? d->n : 1, sizeof *o->live, _Alignof(uint64_t));
            if (!o->site || !o->live) return MK_ENOMEM;
            for (size_t k = 0; k < d->n; k++) {
                if (!p->raw_site_map || d->site[k] >= v->raw.nsites) continue;
                uint32_t s = p->raw_site_map[d->site[k]];
                /* Sites merged by symbolization add up. */
                size_t j = 0;
                while (j < o->n && o->site[j] != s) j++;
                if (j == o->n) o->site[o->n] = s, o->live[o->n++] = 0;
                o->live[j] += d->live[k];
            }
            p->ndetailed++;
        }
    }
    return MK_OK;
}

/* ---- growing sites ---- */

static int tl_cmp_growth(const void *a, const void *b) {
    const mk__growth *x = a, *y = b;
    return (x->to < y->to) - (x->to > y->to);
}

size_t mk__prof_growing(const mk__prof *p, mk__growth *out, size_t max) {
    if (p->ndetailed < 4 || !p->nsites || !max) return 0;
    size_t n = 0;
    /* Each site's live bytes at every detailed point (0 when absent), then at t-end. */
    uint64_t te = p->te ? p->te : p->timeline && p->ntimeline ? p->timeline[p->ntimeline - 1][0] : 0;
    for (size_t s = 0; s < p->nsites; s++) {
        const struct mk__raw_site *f = &p->sites[s].f;
        if (f->eb < 4096 || f->eb * 100 < p->totals.eb) continue;
        size_t first = SIZE_MAX, rises = 0, falls = 0, steps = 0;
        uint64_t prev = 0, top = 0, from = 0;
        for (size_t k = 0; k <= p->ndetailed; k++) {
            uint64_t v = 0;
            if (k == p->ndetailed) v = f->eb;
            else {
                const struct mk__prof_detail *d = &p->detailed[k];
                for (size_t j = 0; j < d->n; j++)
                    if (d->site[j] == s) {
                        v = d->live[j];
                        break;
                    }
            }
            if (first == SIZE_MAX) {
                if (!v) continue;
                first = k, from = v;
            } else {
                steps++;
                if (v > prev) rises++;
                else if (v < prev) falls++;
            }
            if (v > top) top = v;
            prev = v;
        }
        if (first == SIZE_MAX || first == p->ndetailed || steps < 4) continue;
        uint64_t t_from = p->detailed[first].t;
        if (te && (te - (t_from < te ? t_from : te)) * 2 < te) continue; /* followed over half the run */
        if (rises * 10 < steps * 6 || falls * 10 > steps * 2) continue;
        if (f->eb * 10 < top * 9 || f->eb < from * 2) continue;
        if (n < max) out[n++] = (mk__growth){s, t_from, from, f->eb, rises, steps};
        else {
            qsort(out, n, sizeof *out, tl_cmp_growth);
            if (f->eb > out[n - 1].to) out[n - 1] = (mk__growth){s, t_from, from, f->eb, rises, steps};
        }
    }
    qsort(out, n, sizeof *out, tl_cmp_growth);
    return n;
}

/* ---- text ---- */

static void tl_fmt_bytes(char *b, size_t n, uint64_t v) {
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    int i = 0;
    while (d >= 1024 && i < 4) d /= 1024, i++;
    if (i == 0) snprintf(b, n, "%" PRIu64 " B", v);
    else snprintf(b, n, "%.*f %s", d < 10 ? 2 : d < 100 ? 1 : 0, d, u[i]);
}

static void tl_fmt_time(char *b, size_t n, uint64_t us) {
    if (us < 1000) snprintf(b, n, "%" PRIu64 " us", us);
    else if (us < 1000000) snprintf(b, n, "%.1f ms", (double)us / 1e3);
    else if (us < 600000000) snprintf(b, n, "%.2f s", (double)us / 1e6);
    else snprintf(b, n, "%.1f min", (double)us / 6e7);
}

void mk__ended_text(const mk__prof *p, char *buf, size_t len) {
    switch (p->ended) {
    case MK_ENDED_EXIT: snprintf(buf, len, "exited with status %d", p->ended_code); break;
    case MK_ENDED__EXIT: snprintf(buf, len, "ended through _exit with status %d", p->ended_code); break;
    case MK_ENDED_SIGNAL:
        snprintf(buf, len, "killed by signal %d (%s)", p->ended_code, strsignal(p->ended_code));
        break;
    case MK_ENDED_RUNNING: snprintf(buf, len, "still running (a snapshot)"); break;
    default: snprintf(buf, len, "ended");
    }
}

/* A site's name for the lists: its innermost frame's text without the address. */
static const char *tl_short_name(const mk__prof *p, size_t s) {
    const mk__prof_site *site = &p->sites[s];
    for (uint32_t k = 0; k < site->nfs; k++) {
        const char *fr = p->ftbl[site->fs[k]], *fn;
        size_t n;
        mk__frame_func(fr, &fn, &n);
        static const char *const skip[] = {"malloc", "calloc", "realloc", "operator new", "strdup", "__libc_malloc"};
        int is_alloc = 0;
        for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
            if (n >= strlen(skip[i]) && !strncmp(fn, skip[i], strlen(skip[i]))) is_alloc = 1;
        if (!is_alloc || k + 1 == site->nfs) return fn;
    }
    return "(no stack)";
}

int mk__report_time(const mk__prof *p, FILE *out) {
    if (!p->ntimeline) return 0;
    uint64_t te = p->te > p->timeline[p->ntimeline - 1][0] ? p->te : p->timeline[p->ntimeline - 1][0];
    uint64_t peak = p->totals.gb, col[CHART_COLS] = {0};
    int have[CHART_COLS] = {0};
    for (size_t i = 0; i < p->ntimeline; i++) {
        uint64_t t = p->timeline[i][0];
        size_t c = te ? (size_t)((double)t / (double)te * (CHART_COLS - 1) + 0.5) : CHART_COLS - 1;
        if (c >= CHART_COLS) c = CHART_COLS - 1;
        if (!have[c] || p->timeline[i][1] > col[c]) col[c] = p->timeline[i][1];
        have[c] = 1;
        if (p->timeline[i][1] > peak) peak = p->timeline[i][1];
    }
    size_t pc = te ? (size_t)((double)p->tg / (double)te * (CHART_COLS - 1) + 0.5) : 0;
    if (pc >= CHART_COLS) pc = CHART_COLS - 1;
    if (p->totals.gb >= col[pc]) col[pc] = p->totals.gb, have[pc] = 1;
    /* Columns without a point hold the value before them (live bytes between two points). */
    for (size_t c = 1; c < CHART_COLS; c++)
        if (!have[c]) col[c] = col[c - 1];
    char pb[32], tb[32], eb[32], tg[32];
    tl_fmt_bytes(pb, sizeof pb, peak);
    tl_fmt_time(tg, sizeof tg, p->tg);
    tl_fmt_time(tb, sizeof tb, te);
    tl_fmt_bytes(eb, sizeof eb, p->totals.eb);
    fprintf(out, "\nHeap over time (live bytes, %zu points; peak %s at %s, marked ^; %s live at the end):\n",
            p->ntimeline, pb, tg, eb);
    if (p->state_bytes) {
        char sb[32];
        tl_fmt_bytes(sb, sizeof sb, p->state_bytes);
        fprintf(out, "  (the recorder's state file: %s)\n", sb);
    }
    for (int r = CHART_ROWS; r >= 1; r--) {
        char label[32] = "";
        if (r == CHART_ROWS) snprintf(label, sizeof label, "%s", pb);
        else if (r == CHART_ROWS / 2) tl_fmt_bytes(label, sizeof label, peak / 2);
        fprintf(out, "  %10s |", label);
        for (size_t c = 0; c < CHART_COLS; c++) {
            double level = peak ? (double)col[c] / (double)peak * CHART_ROWS : 0;
            fputc(level >= r - 0.5 ? '#' : (r == 1 && col[c]) ? '.' : ' ', out);
        }
        fputc('\n', out);
    }
    fprintf(out, "  %10s +", "0");
    for (size_t c = 0; c < CHART_COLS; c++) fputc(c == pc ? '^' : '-', out);
    fprintf(out, "\n  %10s  0%*s\n", "", CHART_COLS - 1, tb);

    mk__growth g[10];
    size_t ng = mk__prof_growing(p, g, 10);
    fprintf(out, "\nGrowing sites (live bytes rose across the run and never came back down):\n");
    if (!p->ndetailed) fprintf(out, "  (no detailed points in this profile)\n");
    else if (!ng) fprintf(out, "  none\n");
    for (size_t i = 0; i < ng; i++) {
        char a[32], b[32], t[32];
        tl_fmt_bytes(a, sizeof a, g[i].from);
        tl_fmt_bytes(b, sizeof b, g[i].to);
        tl_fmt_time(t, sizeof t, g[i].t_from);
        fprintf(out, "  %10s at the end (from %s at %s; grew in %zu of %zu intervals)  %s\n", b, a, t, g[i].rises,
                g[i].steps, tl_short_name(p, g[i].site));
    }
    return ferror(out) ? -1 : 0;
}

/* ---- DHAT keys ---- */

static uint64_t tl_safe(uint64_t v) { return v > 9007199254740991ull ? 9007199254740991ull : v; }

int mk__dhat_write_time(const mk__prof *p, FILE *o, const size_t *order) {
    if (p->ended) {
        switch (p->ended) {
        case MK_ENDED_EXIT: fprintf(o, ",\"mkEnded\":{\"how\":\"exit\",\"status\":%d}\n", p->ended_code); break;
        case MK_ENDED__EXIT: fprintf(o, ",\"mkEnded\":{\"how\":\"_exit\",\"status\":%d}\n", p->ended_code); break;
        case MK_ENDED_SIGNAL:
            fprintf(o, ",\"mkEnded\":{\"how\":\"signal\",\"signal\":%d,\"name\":\"", p->ended_code);
            for (const char *s = strsignal(p->ended_code); *s; s++)
                if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20) fputc(*s, o);
            fputs("\"}\n", o);
            break;
        default: fputs(",\"mkEnded\":{\"how\":\"running\"}\n", o);
        }
    }
    if (p->state_bytes) fprintf(o, ",\"mkStateBytes\":%" PRIu64 "\n", tl_safe(p->state_bytes));
    if (p->ntimeline) {
        fputs(",\"mkTimeline\":{\"points\":[", o);
        for (size_t i = 0; i < p->ntimeline; i++)
            fprintf(o, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", tl_safe(p->timeline[i][0]),
                    tl_safe(p->timeline[i][1]), tl_safe(p->timeline[i][2]), tl_safe(p->timeline[i][3]));
        fputs("]}\n", o);
    }
    if (p->ndetailed && order) {
        size_t *pp = malloc((p->nsites ? p->nsites : 1) * sizeof *pp);
        if (!pp) return -1;
        for (size_t k = 0; k < p->nsites; k++) pp[order[k]] = k;
        fputs(",\"mkDetailed\":[", o);
        for (size_t i = 0; i < p->ndetailed; i++) {
            const struct mk__prof_detail *d = &p->detailed[i];
            fprintf(o, "%s{\"t\":%" PRIu64 ",\"sites\":[", i ? "\n," : "", tl_safe(d->t));
            int first = 1;
            for (size_t k = 0; k < d->n; k++) {
                if (!d->live[k] || d->site[k] >= p->nsites) continue;
                fprintf(o, "%s[%zu,%" PRIu64 "]", first ? "" : ",", pp[d->site[k]], tl_safe(d->live[k]));
                first = 0;
            }
            fputs("]}", o);
        }
        fputs("]\n", o);
        free(pp);
    }
    return ferror(o) ? -1 : 0;
}

/* ---- a profile from a state file ---- */

int mk__state_is_file(const char *path) {
    char m[8];
    FILE *f = fopen(path, "rb");
    int yes = f && fread(m, 1, 8, f) == 8 && !memcmp(m, MK_STATE_MAGIC, 8);
    if (f) fclose(f);
    return yes;
}

mk_err mk__prof_from_state(const char *path, mk__prof *p, char *err, size_t errlen) {
    uint64_t tsc, ns;
    mk__state_now(&tsc, &ns);
    mk__state_view v;
    char inner[400];
    mk_err rc = mk__state_load(path, tsc, ns, &v, inner, sizeof inner);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, inner);
        return rc;
    }
    rc = mk__prof_from_raw(&v.raw, p, inner, sizeof inner);
    if (!rc && (rc = mk__prof_attach_state(p, &v))) mk__prof_free(p);
    if (rc) snprintf(err, errlen, "%s: %s", path, rc == MK_ENOMEM ? "out of memory" : inner);
    else p->ended = v.status == MK_STATE_EXIT ? MK_ENDED_EXIT : v.status == MK_STATE__EXIT ? MK_ENDED__EXIT : MK_ENDED_RUNNING;
    mk__state_free(&v);
    return rc;
}
