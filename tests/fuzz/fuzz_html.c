/* fuzz_html.c - the HTML report's two hostile-input paths: a DHAT file with the heap over time
 * (mkEnded, mkTimeline, mkDetailed) read into the model and drawn as the page, and the JSON string
 * writer that embeds frame names in the page.
 *
 * Half the inputs edit a valid document carrying those keys, the other half are taken as they come.
 * Oracles: whatever the model's reader accepts is sound (timeline times strictly increasing,
 * detailed points naming existing sites) and renders as one JSON value of valid UTF-8 with no
 * "</script" or "<!--" in it; the writer's output for the input bytes taken as a name is valid UTF-8
 * with no '<', '>', '&' or control character, and reads back (through the DHAT reader's string
 * decoder) as the very input when the input was valid UTF-8. The analyzer's sources are compiled in;
 * the symbolizer is stubbed out (DHAT files are never symbolized) and the page is a stand-in
 * around its data.
 */
#include "../../src/analyzer/analyze.c" /* first: it sets _GNU_SOURCE */
#include "../../src/analyzer/advice.c"
#include "../../src/analyzer/dhat.c"
#include "../../src/analyzer/html.c"
#include "../../src/analyzer/rawread.c"
#include "../../src/analyzer/render.c"
#include "../../src/analyzer/state.c"
#include "../../src/analyzer/timeline.c"

mk__symtab *mk__symtab_new(const mk__raw_profile *p) {
    (void)p;
    return NULL;
}
void mk__symtab_lookup(mk__symtab *s, uint64_t addr, mk__symtab_frame **out, size_t *n) {
    (void)s, (void)addr, (void)out, (void)n;
    abort();
}
void mk__symtab_free(mk__symtab *s) { (void)s; }

/* The page: the data between one byte on either side. */
const unsigned char mk__web_report_html[] = "[@DATA@]", mk__web_report_css[] = "", mk__web_report_js[] = "";
const size_t mk__web_report_html_len = 8, mk__web_report_css_len = 0, mk__web_report_js_len = 0;

static const char valid[] =
    "{\"dhatFileVersion\":2,\"tu\":\"\xc2\xb5s\",\"cmd\":\"./evil \\\"</script>\\\"\",\"pid\":7,\"te\":9,\"tg\":5,"
    "\"mkExtra\":true,\"mkEnded\":{\"how\":\"signal\",\"signal\":9,\"name\":\"Killed\"},"
    "\"mkStateBytes\":4096,\"mkTimeline\":{\"points\":[[1,10,1,10],[5,30,2,40],[9,0,0,40]]},"
    "\"mkDetailed\":[{\"t\":5,\"sites\":[[0,20],[1,10],[7,1]]},{\"t\":6,\"sites\":[[1,5]]}],"
    "\"pps\":[{\"tb\":30,\"tbk\":2,\"gb\":20,\"gbk\":1,\"mkTmp\":1,\"fs\":[1,2]},{\"tb\":10,\"tbk\":1,\"fs\":[3,2]}],"
    "\"ftbl\":[\"[root]\",\"0x1: f (a.c:1)\",\"0x2: main (a.c:9)\",\"0x3: g\\u00e9 \\\"q\\\" <!-- (b.c:2)\"]}";

static int utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(s + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

static char *render(const mk__prof *p, size_t *len) {
    char *out = NULL;
    FILE *m = open_memstream(&out, len);
    if (!m) abort();
    if (mk__report_html(p, m) != 0) abort();
    if (fclose(m) != 0) abort();
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *doc;
    size_t len;
    if (size && (data[0] & 1)) {
        len = size - 1;
        doc = malloc(len + 1);
        if (!doc) return 0;
        memcpy(doc, data + 1, len);
    } else {
        len = sizeof valid - 1;
        doc = malloc(len);
        if (!doc) return 0;
        memcpy(doc, valid, len);
        size_t edits = size ? (size_t)(data[0] >> 1) % 8 : 0;
        for (size_t i = 1; edits-- && i + 2 < size; i += 3) doc[(data[i] | (size_t)data[i + 1] << 8) % len] = (char)data[i + 2];
    }
    mk__prof p;
    char err[256];
    if (mk__dhat_parse(doc, len, &p, err, sizeof err) == MK_OK) {
        for (size_t i = 1; i < p.ntimeline; i++)
            if (p.timeline[i][0] <= p.timeline[i - 1][0]) abort();
        for (size_t i = 0; i < p.ndetailed; i++)
            for (size_t k = 0; k < p.detailed[i].n; k++)
                if (p.detailed[i].site[k] >= p.nsites) abort();
        size_t olen;
        char *out = render(&p, &olen);
        if (olen < 2 || out[0] != '[' || out[olen - 1] != ']') abort();
        if (!utf8_valid((const unsigned char *)out, olen)) abort();
        if (memmem(out, olen, "</script", 8) || memmem(out, olen, "<!--", 4)) abort();
        struct rd r = {.s = out + 1, .e = out + olen - 1, .start = out + 1, .err = err, .errlen = sizeof err};
        mk__char_vec_init(&r.buf, NULL);
        if (skip(&r) || (ws(&r), r.s != r.e)) {
            fprintf(stderr, "fuzz_html: the page's data is not one JSON value: %s\n", err);
            abort();
        }
        mk__char_vec_free(&r.buf);
        free(out);
        mk__prof_free(&p);
    }
    free(doc);

    /* The input as a frame name, through the page's JSON string writer. */
    char *out = NULL;
    size_t olen = 0;
    FILE *m = open_memstream(&out, &olen);
    if (!m) return 0;
    mk__json_str(m, (const char *)data, size);
    if (fclose(m) != 0) abort();
    if (olen < 2 || out[0] != '"' || out[olen - 1] != '"') abort();
    for (size_t i = 0; i < olen; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') abort();
    }
    if (!utf8_valid((const unsigned char *)out, olen)) abort();
    struct rd r = {.s = out, .e = out + olen, .start = out, .err = err, .errlen = sizeof err};
    mk__char_vec_init(&r.buf, NULL);
    if (str(&r) || r.s != r.e) abort();
    if (utf8_valid(data, size) && (r.buf.len != size || memcmp(r.buf.data, data, size))) abort();
    mk__char_vec_free(&r.buf);
    free(out);
    return 0;
}
