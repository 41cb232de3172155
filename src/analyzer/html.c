/* html.c - the self-contained HTML report: the page of src/analyzer/web/ (embedded at build time by
 * scripts/embed.sh) with the profile inside as JSON.
 *
 * The page makes no request: its script and style are inline and its Content-Security-Policy
 * forbids loading anything. The data goes into <script type="application/json">, written by
 * mk__json_str, which escapes '<', '>' and '&' (no frame name can close the element or open a
 * comment) and replaces invalid UTF-8; the page's script reads it with JSON.parse and shows it
 * with textContent only, so a hostile frame name stays text. Every figure is the model's: nothing
 * here reads a file or derives a figure of its own.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "timeline.h"

extern const unsigned char mk__web_report_html[], mk__web_report_css[], mk__web_report_js[];
extern const size_t mk__web_report_html_len, mk__web_report_css_len, mk__web_report_js_len;

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

int mk__html_profile_head(FILE *o, const mk__prof *p) {
    const struct mk__raw_totals *T = &p->totals;
    char ended[128];
    fputs(",\"cmd\":", o);
    jstr0(o, p->cmd);
    fprintf(o, ",\"pid\":%" PRIu64 ",\"te\":%" PRIu64 ",\"tg\":%" PRIu64 ",\"timeUs\":%s,\"extra\":%s,\"haveTotals\":%s",
            p->pid, p->te, p->tg, p->time_us ? "true" : "false", p->extra ? "true" : "false",
            p->have_totals ? "true" : "false");
    fprintf(o, ",\"sampled\":%" PRIu64 ",\"truncated\":%s", p->flags & MK_RAW_SAMPLED ? p->sample_bytes : 0,
            p->flags & MK_RAW_TRUNCATED ? "true" : "false");
    fprintf(o, ",\"totals\":{\"tb\":%" PRIu64 ",\"tbk\":%" PRIu64 ",\"gb\":%" PRIu64 ",\"gbk\":%" PRIu64 ",\"eb\":%" PRIu64
               ",\"ebk\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"reallocs\":%" PRIu64 ",\"unknownFrees\":%" PRIu64
               ",\"threads\":%" PRIu64 "}",
            T->tb, T->tbk, T->gb, T->gbk, T->eb, T->ebk, T->frees, T->reallocs, T->unknown_frees, T->threads);
    fputs(",\"ended\":", o);
    if (p->ended != MK_ENDED_UNKNOWN) mk__ended_text(p, ended, sizeof ended), jstr0(o, ended);
    else fputs("null", o);
    if (p->state_bytes) fprintf(o, ",\"stateBytes\":%" PRIu64, p->state_bytes);
    else fputs(",\"stateBytes\":null", o);
    fputs(",\"timeline\":", o);
    if (p->ntimeline) {
        fputc('[', o);
        for (size_t i = 0; i < p->ntimeline; i++)
            fprintf(o, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", i ? "," : "", p->timeline[i][0],
                    p->timeline[i][1], p->timeline[i][2], p->timeline[i][3]);
        fputc(']', o);
    } else {
        fputs("null", o);
    }
    return ferror(o) ? -1 : 0;
}

int mk__html_profile_members(FILE *o, const mk__prof *p) {
    mk__html_profile_head(o, p);
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
    if (p->ndetailed) {
        fputc('[', o);
        for (size_t i = 0; i < p->ndetailed; i++) {
            const struct mk__prof_detail *d = &p->detailed[i];
            fprintf(o, "%s[%" PRIu64 ",[", i ? "," : "", d->t);
            int first = 1;
            for (size_t k = 0; k < d->n; k++) {
                if (d->site[k] >= p->nsites) continue;
                fprintf(o, "%s[%" PRIu32 ",%" PRIu64 "]", first ? "" : ",", d->site[k], d->live[k]);
                first = 0;
            }
            fputs("]]", o);
        }
        fputc(']', o);
    } else {
        fputs("null", o);
    }
    advice_json(o, p);
    return ferror(o) ? -1 : 0;
}

static int report_data(FILE *o, void *ctx) {
    fputs("{\"kind\":\"profile\"", o);
    int rc = mk__html_profile_members(o, ctx);
    fputs("}", o);
    return rc;
}

int mk__report_html(const mk__prof *p, FILE *o) { return mk__html_page(o, "memkit heap profile", report_data, (void *)p); }
