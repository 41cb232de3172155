/* html.c - the self-contained HTML report: the page of src/analyzer/web/ (embedded at build time by
 * scripts/embed.sh) with the profile inside as JSON.
 *
 * The page makes no request: its script and style are inline and its Content-Security-Policy
 * forbids loading anything. The data goes into <script type="application/json">, written by
 * mk__json_str, which escapes '<', '>' and '&' (no frame name can close the element or open a
 * comment) and replaces invalid UTF-8; the page's script reads it with JSON.parse and shows it
 * with textContent only, so a hostile frame name stays text.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "extras.h"

extern const unsigned char mk__web_report_html[], mk__web_report_css[], mk__web_report_js[];
extern const size_t mk__web_report_html_len, mk__web_report_css_len, mk__web_report_js_len;

static void jstr0(FILE *o, const char *s) { mk__json_str(o, s ? s : "", s ? strlen(s) : 0); }

int mk__html_page(FILE *o, const char *title, int (*data)(FILE *o, void *ctx), void *ctx) {
    const char *t = (const char *)mk__web_report_html, *end = t + mk__web_report_html_len;
    int rc = 0;
    while (t < end) {
        const char *at = memchr(t, '@', (size_t)(end - t));
        if (!at) {
            fwrite(t, 1, (size_t)(end - t), o);
            break;
        }
        fwrite(t, 1, (size_t)(at - t), o);
        if (!strncmp(at, "@CSS@", 5)) fwrite(mk__web_report_css, 1, mk__web_report_css_len, o), t = at + 5;
        else if (!strncmp(at, "@JS@", 4)) fwrite(mk__web_report_js, 1, mk__web_report_js_len, o), t = at + 4;
        else if (!strncmp(at, "@TITLE@", 7)) fputs(title, o), t = at + 7; /* a constant, no markup */
        else if (!strncmp(at, "@DATA@", 6)) rc |= data(o, ctx), t = at + 6;
        else fputc('@', o), t = at + 1;
    }
    return rc || ferror(o) ? -1 : 0;
}

/* The advice for one site: the advice rules judge each site on its own figures, so the site alone
 * in a profile of its own gets exactly its items. Returns the text (malloc'ed) or NULL for none. */
static char *site_advice(const mk__prof *p, size_t i) {
    mk__prof one = *p;
    one.sites = &p->sites[i];
    one.nsites = 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    mk__report_advice(&one, m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    if (!strstr(buf, "\n- ")) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Each advice item as {"site":i,"text":"..."}: the lines of one "- " item, indentation removed. */
static void advice_json(FILE *o, const mk__prof *p) {
    fputs(",\"advice\":[", o);
    int first = 1, items = 0;
    if (p->extra) {
        size_t *order = mk__prof_order(p, MK_SORT_BYTES);
        for (size_t r = 0; order && r < p->nsites && items < 12; r++) {
            char *text = site_advice(p, order[r]);
            if (!text) continue;
            for (char *it = strstr(text, "\n- "); it && items < 12;) {
                char *next = strstr(it + 3, "\n- ");
                size_t n = next ? (size_t)(next - it) : strlen(it);
                /* Drop the "- name" line: the page names the site itself. */
                char *body = memchr(it + 1, '\n', n - 1);
                size_t bl = body ? n - (size_t)(body - it) : 0;
                fprintf(o, "%s{\"site\":%zu,\"text\":", first ? "" : ",", order[r]);
                if (body) {
                    char *clean = malloc(bl + 1), *w = clean;
                    for (size_t k = 0; clean && k < bl; k++) {
                        if (body[k] == '\n') {
                            while (k + 1 < bl && body[k + 1] == ' ') k++;
                            if (w != clean) *w++ = '\n';
                            continue;
                        }
                        *w++ = body[k];
                    }
                    while (clean && w > clean && w[-1] == '\n') w--;
                    mk__json_str(o, clean ? clean : "", clean ? (size_t)(w - clean) : 0);
                    free(clean);
                } else {
                    fputs("\"\"", o);
                }
                fputc('}', o);
                first = 0;
                items++;
                it = next;
            }
            free(text);
        }
        free(order);
    }
    fputc(']', o);
}

int mk__html_profile_head(FILE *o, const mk__prof *p, const mk__prof_extras *x) {
    const struct mk__raw_totals *T = &p->totals;
    char ended[128];
    fputs(",\"cmd\":", o);
    jstr0(o, p->cmd);
    fprintf(o, ",\"pid\":%" PRIu64 ",\"te\":%" PRIu64 ",\"tg\":%" PRIu64 ",\"timeUs\":%s,\"extra\":%s,\"haveTotals\":%s",
            p->pid, p->te, p->tg, x && x->time_us ? "true" : "false", p->extra ? "true" : "false",
            p->have_totals ? "true" : "false");
    fprintf(o, ",\"sampled\":%" PRIu64 ",\"truncated\":%s", p->flags & MK_RAW_SAMPLED ? p->sample_bytes : 0,
            p->flags & MK_RAW_TRUNCATED ? "true" : "false");
    fprintf(o, ",\"totals\":{\"tb\":%" PRIu64 ",\"tbk\":%" PRIu64 ",\"gb\":%" PRIu64 ",\"gbk\":%" PRIu64 ",\"eb\":%" PRIu64
               ",\"ebk\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"reallocs\":%" PRIu64 ",\"unknownFrees\":%" PRIu64
               ",\"threads\":%" PRIu64 "}",
            T->tb, T->tbk, T->gb, T->gbk, T->eb, T->ebk, T->frees, T->reallocs, T->unknown_frees, T->threads);
    fputs(",\"ended\":", o);
    if (x && mk__extras_ended(x, ended, sizeof ended)) jstr0(o, ended);
    else fputs("null", o);
    if (x && x->have_state) fprintf(o, ",\"stateBytes\":%" PRIu64, x->state_bytes);
    else fputs(",\"stateBytes\":null", o);
    fputs(",\"timeline\":", o);
    if (x && x->npoints) {
        fputc('[', o);
        for (size_t i = 0; i < x->npoints; i++)
            fprintf(o, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", x->points[i].t,
                    x->points[i].live_bytes, x->points[i].live_blocks, x->points[i].total_bytes);
        fputc(']', o);
    } else {
        fputs("null", o);
    }
    fputs(",\"note\":", o);
    jstr0(o, x ? x->note : "");
    return ferror(o) ? -1 : 0;
}

int mk__html_profile_members(FILE *o, const mk__prof *p, const mk__prof_extras *x) {
    mk__html_profile_head(o, p, x);
    fputs(",\"frames\":[", o);
    for (size_t i = 0; i < p->nftbl; i++) {
        if (i) fputc(',', o);
        jstr0(o, p->ftbl[i]);
    }
    fputs("],\"sites\":[", o);
    for (size_t i = 0; i < p->nsites; i++) {
        const mk__prof_site *s = &p->sites[i];
        const struct mk__raw_site *f = &s->f;
        fprintf(o, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                   ",%" PRIu64 ",[",
                i ? "," : "", f->tb, f->tbk, f->gb, f->gbk, f->eb, f->ebk, f->temporary, f->mb, f->tl);
        for (uint32_t k = 0; k < s->nfs; k++) fprintf(o, k ? ",%u" : "%u", s->fs[k]);
        fputs("]]", o);
    }
    fputc(']', o);
    fputs(",\"detailed\":", o);
    if (x && x->ndetailed) {
        fputc('[', o);
        for (size_t i = 0; i < x->ndetailed; i++) {
            fprintf(o, "%s[%" PRIu64 ",[", i ? "," : "", x->detailed[i].t);
            for (size_t k = 0; k < x->detailed[i].nsites; k++)
                fprintf(o, "%s[%zu,%" PRIu64 "]", k ? "," : "", x->detailed[i].sites[k].site, x->detailed[i].sites[k].bytes);
            fputs("]]", o);
        }
        fputc(']', o);
    } else {
        fputs("null", o);
    }
    advice_json(o, p);
    return ferror(o) ? -1 : 0;
}

struct report_ctx {
    const mk__prof *p;
    const mk__prof_extras *x;
};

static int report_data(FILE *o, void *ctx) {
    struct report_ctx *c = ctx;
    fputs("{\"kind\":\"profile\"", o);
    int rc = mk__html_profile_members(o, c->p, c->x);
    fputs("}", o);
    return rc;
}

int mk__report_html(const mk__prof *p, const mk__prof_extras *x, FILE *o) {
    struct report_ctx c = {p, x};
    return mk__html_page(o, "memkit heap profile", report_data, &c);
}
