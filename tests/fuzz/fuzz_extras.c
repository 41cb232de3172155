/* fuzz_extras.c - the HTML report's two hostile-input paths: the reader of the optional DHAT keys
 * (mkEnded, mkTimeline, mkDetailed, with its stack matching) and the JSON string writer that embeds
 * frame names in the page.
 *
 * Half the inputs edit a valid document carrying those keys, the other half are taken as they come.
 * Oracles: the reader never crashes and what it keeps is sound (timeline times strictly increasing,
 * detailed points naming existing sites); the writer's output for the input bytes taken as a name
 * is valid UTF-8 with no '<', '>', '&' or control character, and reads back (through the reader's
 * own string decoder) as the very input when the input was valid UTF-8.
 */
#include "../../src/analyzer/extras.c" /* first: it sets _GNU_SOURCE */

static const char valid[] =
    "{\"dhatFileVersion\":2,\"tu\":\"\xc2\xb5s\",\"mkEnded\":{\"how\":\"signal\",\"signal\":9,\"name\":\"Killed\"},"
    "\"mkStateBytes\":4096,\"mkTimeline\":{\"points\":[[1,10,1,10],[5,30,2,40],[9,0,0,40]]},"
    "\"mkDetailed\":[{\"t\":5,\"sites\":[[0,20],[1,10],[7,1]]},{\"t\":6,\"sites\":[[1,5]]}],"
    "\"pps\":[{\"tb\":30,\"fs\":[1,2]},{\"tb\":10,\"fs\":[3,2]}],"
    "\"ftbl\":[\"[root]\",\"0x1: f (a.c:1)\",\"0x2: main (a.c:9)\",\"0x3: g\\u00e9 \\\"q\\\" (b.c:2)\"]}";

static int utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(s + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A model with the valid document's sites: stacks [1,2] and [3,2]. */
    static const char *ftbl[] = {"[root]", "0x1: f (a.c:1)", "0x2: main (a.c:9)", "0x3: g\xc3\xa9 \"q\" (b.c:2)"};
    static uint32_t fs0[] = {1, 2}, fs1[] = {3, 2};
    mk__prof_site sites[2];
    memset(sites, 0, sizeof sites);
    sites[0].fs = fs0, sites[0].nfs = 2, sites[1].fs = fs1, sites[1].nfs = 2;
    mk__prof p;
    memset(&p, 0, sizeof p);
    p.ftbl = ftbl, p.nftbl = 4, p.sites = sites, p.nsites = 2;

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
    mk__prof_extras x;
    if (mk__extras_parse(doc, len, &p, &x) == 0) {
        for (size_t i = 1; i < x.npoints; i++)
            if (x.points[i].t <= x.points[i - 1].t) abort();
        for (size_t i = 0; i < x.ndetailed; i++)
            for (size_t k = 0; k < x.detailed[i].nsites; k++)
                if (x.detailed[i].sites[k].site >= p.nsites) abort();
        char buf[128];
        mk__extras_ended(&x, buf, sizeof buf);
        mk__extras_free(&x);
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
    struct jr r = {out, out + olen, 0, 0};
    char *back = NULL;
    size_t blen = 0;
    if (jstr(&r, &back, &blen) || r.s != r.e) abort();
    if (utf8_valid(data, size) && (blen != size || memcmp(back, data, size))) abort();
    free(back);
    free(out);
    return 0;
}
