/* fuzz_raw.c - the analyzer's raw-profile reader (what `memkit run` reads back from the recorder) on
 * hostile input, and the model built from whatever it accepts.
 *
 * Half the inputs are taken as they come; the other half edit bytes of a valid raw profile (header,
 * command line, two modules, three sites, totals, end), so most inputs get past the header checks.
 * Oracle: an accepted profile's strings and frames lie inside the file's bytes; it builds a model
 * (symbolizing against module paths that do not exist), which renders in every format, and the
 * model's DHAT file parses again and rewrites to the very same bytes. The last check holds for
 * profiles whose figures DHAT can hold exactly (at most 2^53 - 1, JSON's exact integers); the writer
 * clamps larger ones, which can reorder sites that then compare equal.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyzer/analyze.h"
#include "../../src/analyzer/dhat.h"
#include "../../src/analyzer/rawread.h"

static unsigned char valid[2048];
static size_t valid_len;

static void put(uint32_t tag, const void *payload, uint32_t len) {
    struct mk__raw_record r = {tag, len};
    size_t padded = ((size_t)len + 7) & ~(size_t)7;
    if (valid_len + sizeof r + padded > sizeof valid) abort();
    memcpy(valid + valid_len, &r, sizeof r);
    if (len) memcpy(valid + valid_len + sizeof r, payload, len);
    memset(valid + valid_len + sizeof r + len, 0, padded - len);
    valid_len += sizeof r + padded;
}

static void put_module(uint64_t start, uint64_t end, const char *path) {
    unsigned char buf[256];
    struct mk__raw_module m = {start, end, start, 4, (uint32_t)strlen(path) + 1, {1, 2, 3, 4}};
    memcpy(buf, &m, sizeof m);
    memcpy(buf + sizeof m, path, m.path_len);
    put(MK_RAW_MODULE, buf, (uint32_t)(sizeof m + m.path_len));
}

static void put_site(uint64_t tb, uint64_t tbk, const uint64_t *frames, uint32_t n) {
    unsigned char buf[512];
    struct mk__raw_site s = {tb, tbk, tbk * 10, tb / 2, tbk / 2, tb / 4, tbk / 4, tb / 8, tbk / 8, tbk / 2, 1, 1, 1,
                             16, tb / (tbk ? tbk : 1), tbk / 3, n, MK_FN_MALLOC};
    memcpy(buf, &s, sizeof s);
    if (n) memcpy(buf + sizeof s, frames, n * sizeof *frames);
    put(MK_RAW_SITE, buf, (uint32_t)(sizeof s + n * sizeof *frames));
}

static void build_valid(void) {
    struct mk__raw_header h = {MK_RAW_MAGIC, MK_RAW_VERSION, 0, 42, 1, 0, 32, 1000, 500};
    put(MK_RAW_HEADER, &h, sizeof h);
    static const char cmd[] = "./prog\0--flag\0a \"b\"";
    put(MK_RAW_CMD, cmd, sizeof cmd);
    put_module(0x400000, 0x500000, "/nonexistent/memkit-fuzz/prog");
    put_module(0x7f0000000000, 0x7f0000100000, "/nonexistent/memkit-fuzz/libx.so");
    static const uint64_t f1[] = {0x401136, 0x4011a0, 0x401000};
    static const uint64_t f2[] = {0x7f0000000400, 0x4011a0};
    static const uint64_t f3[] = {0x401136, 0x4011a0, 0x401000}; /* the same stack as f1: merged */
    put_site(4096, 4, f1, 3);
    put_site(64, 8, f2, 2);
    put_site(100, 1, f3, 3);
    put_site(0, 0, NULL, 0);
    struct mk__raw_totals t = {4260, 13, 2048, 2, 8, 1, 12, 0, 1, 1, 4096};
    put(MK_RAW_TOTALS, &t, sizeof t);
    put(MK_RAW_END, NULL, 0);
}

static char *dhat_bytes(const mk__prof *p, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) abort();
    if (mk__dhat_write(p, f) != 0) abort();
    fclose(f);
    return buf;
}

/* Every figure of every site and of the totals is at most 2^53 - 1. */
static int figures_fit(const mk__raw_profile *r) {
    const uint64_t max = (1ull << 53) - 1;
    const uint64_t *t = (const uint64_t *)&r->totals;
    for (size_t k = 0; k < sizeof r->totals / 8; k++)
        if (t[k] > max) return 0;
    for (size_t i = 0; i < r->nsites; i++) {
        const uint64_t *f = (const uint64_t *)&r->sites[i].s;
        for (size_t k = 0; k < offsetof(struct mk__raw_site, nframes) / 8; k++)
            if (f[k] > max) return 0;
    }
    return 1;
}

static void check_inside(const mk__raw_profile *r, const void *p, size_t n, size_t len) {
    const unsigned char *b = r->data_, *q = p;
    if (q < b || q + n > b + len) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!valid_len) build_valid();
    unsigned char *doc;
    size_t len;
    if (size && (data[0] & 1)) {
        len = size - 1;
        doc = malloc(len ? len : 1);
        if (!doc) return 0;
        if (len) memcpy(doc, data + 1, len);
    } else {
        len = valid_len;
        doc = malloc(len);
        if (!doc) return 0;
        memcpy(doc, valid, len);
        size_t edits = size ? (size_t)(data[0] >> 1) % 8 : 0; /* a few edits, so most inputs get deep */
        for (size_t i = 1; edits-- && i + 2 < size; i += 3) doc[(data[i] | (size_t)data[i + 1] << 8) % len] = data[i + 2];
        if (size % 7 == 0 && size) len = (size_t)data[0] * 8 % (len + 1); /* sometimes cut short */
    }
    mk__raw_profile raw;
    char err[256];
    if (mk__raw_parse(doc, len, &raw, err, sizeof err) != MK_OK) { /* takes doc in both cases */
        mk__raw_free(&raw);
        return 0;
    }
    for (size_t i = 0; i < raw.argc; i++) check_inside(&raw, raw.argv[i], strlen(raw.argv[i]) + 1, len);
    for (size_t i = 0; i < raw.nmodules; i++) check_inside(&raw, raw.modules[i].path, raw.modules[i].m.path_len, len);
    for (size_t i = 0; i < raw.nsites; i++)
        if (raw.sites[i].s.nframes) check_inside(&raw, raw.sites[i].frames, raw.sites[i].s.nframes * 8u, len);
    mk__prof p;
    if (mk__prof_from_raw(&raw, &p, err, sizeof err) == MK_OK) {
        FILE *null = fopen("/dev/null", "w");
        if (!null) abort();
        for (int k = MK_SORT_BYTES; k <= MK_SORT_TEMPORARY; k++) mk__report_text(&p, null, (enum mk__sort)k, 3);
        mk__report_folded(&p, null);
        mk__report_advice(&p, null);
        fclose(null);
        size_t n1, n2;
        char *a = dhat_bytes(&p, &n1);
        mk__prof q;
        if (mk__dhat_parse(a, n1, &q, err, sizeof err) != MK_OK) {
            fprintf(stderr, "fuzz_raw: the DHAT file of an accepted raw profile does not parse: %s\n", err);
            abort();
        }
        char *b = dhat_bytes(&q, &n2);
        if (figures_fit(&raw) && (n1 != n2 || memcmp(a, b, n1) != 0)) {
            fprintf(stderr, "fuzz_raw: DHAT rewrite is not stable\n");
            abort();
        }
        free(a);
        free(b);
        mk__prof_free(&q);
        mk__prof_free(&p);
    }
    mk__raw_free(&raw);
    return 0;
}
