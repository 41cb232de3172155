/* fuzz_dhat.c - the analyzer's DHAT JSON reader (memkit report FILE) on hostile input.
 *
 * Half the inputs are taken as they come; the other half edit bytes of a valid memkit DHAT file
 * (random bytes rarely get past a JSON parser's first character). Oracle: whatever parses renders
 * in every format without a crash, and its DHAT rewrite parses again and rewrites to the very same
 * bytes. The target links the analyzer library (libmemkit-analyzer.a); DHAT files are never
 * symbolized, so the symbolizer is linked but not called.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyzer/analyze.h"
#include "../../src/analyzer/dhat.h"

static const char valid[] =
    "{\"dhatFileVersion\":2,\"mode\":\"heap\",\"verb\":\"Allocated\",\"bklt\":true,\"bkacc\":false,"
    "\"tu\":\"\xc2\xb5s\",\"Mtu\":\"s\",\"tuth\":10,\"cmd\":\"./p \\\"a\\\" \\\\ \\n \\u00e9\\ud83d\\ude00\",\"pid\":42,"
    "\"te\":1000,\"tg\":500,\"mkVersion\":1,\"mkPpid\":1,\"mkFlags\":0,\"mkSample\":0,\"mkDepth\":32,\"mkExtra\":true,"
    "\"mkTotals\":{\"tb\":4160,\"tbk\":12,\"gb\":2048,\"gbk\":2,\"eb\":8,\"ebk\":1,\"frees\":11,\"unknownFrees\":0,"
    "\"reallocs\":1,\"threads\":1,\"recorderBytes\":4096},\"mkEnded\":{\"how\":\"signal\",\"signal\":9,"
    "\"name\":\"Killed\"},\"mkStateBytes\":65536,\"mkTimeline\":{\"points\":[[10,0,0,0],[500,2056,3,4104],[1000,8,1,4160]]},"
    "\"mkDetailed\":[{\"t\":400,\"sites\":[[0,1024],[1,8]]},{\"t\":900,\"sites\":[[1,8]]}],\"pps\":["
    "{\"tb\":4096,\"tbk\":4,\"tl\":2000,\"mb\":2048,\"mbk\":2,\"gb\":2048,\"gbk\":2,\"eb\":0,\"ebk\":0,\"mkTmp\":1,"
    "\"mkShort\":0,\"mkRe\":1,\"mkChain\":1,\"mkMin\":1024,\"mkMax\":1024,\"mkSmall\":0,\"mkFn\":0,\"fs\":[1,2]},"
    "{\"tb\":64,\"tbk\":8,\"tl\":64,\"mb\":16,\"mbk\":2,\"gb\":0,\"gbk\":0,\"eb\":8,\"ebk\":1,\"fs\":[3,2]},"
    "{\"tb\":0,\"tbk\":0,\"tl\":0,\"mb\":0,\"mbk\":0,\"gb\":0,\"gbk\":0,\"eb\":0,\"ebk\":0,\"fs\":[]}],"
    "\"ftbl\":[\"[root]\",\"0x401136: make_buf (demo.c:10)\",\"0x4011A0: main (demo.c:20)\","
    "\"0x401150: make;small (in /lib/x.so)\"]}";

static char *dhat_bytes(const mk__prof *p, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) abort();
    if (mk__dhat_write(p, f) != 0) abort();
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *doc;
    size_t len;
    if (size && (data[0] & 1)) {
        doc = malloc(size);
        if (!doc) return 0;
        memcpy(doc, data + 1, size - 1);
        len = size - 1;
    } else {
        len = sizeof valid - 1;
        doc = malloc(len);
        if (!doc) return 0;
        memcpy(doc, valid, len);
        size_t edits = size ? (size_t)(data[0] >> 1) % 8 : 0; /* a few edits, so most inputs get deep */
        for (size_t i = 1; edits-- && i + 2 < size; i += 3) doc[(data[i] | (size_t)data[i + 1] << 8) % len] = (char)data[i + 2];
        if (size % 7 == 0 && size) len = (size_t)data[0] * 4 % (len + 1); /* sometimes cut short */
    }
    mk__prof p;
    char err[256];
    if (mk__dhat_parse(doc, len, &p, err, sizeof err) == MK_OK) {
        FILE *null = fopen("/dev/null", "w");
        if (!null) abort();
        for (int k = MK_SORT_BYTES; k <= MK_SORT_TEMPORARY; k++) mk__report_text(&p, null, (enum mk__sort)k, 3);
        mk__report_folded(&p, null);
        fclose(null);
        size_t n1, n2;
        char *a = dhat_bytes(&p, &n1);
        mk__prof q;
        if (mk__dhat_parse(a, n1, &q, err, sizeof err) != MK_OK) {
            fprintf(stderr, "fuzz_dhat: memkit's own rewrite does not parse: %s\n", err);
            abort();
        }
        char *b = dhat_bytes(&q, &n2);
        if (n1 != n2 || memcmp(a, b, n1) != 0) {
            fprintf(stderr, "fuzz_dhat: DHAT rewrite is not stable\n");
            abort();
        }
        free(a);
        free(b);
        mk__prof_free(&q);
        mk__prof_free(&p);
    }
    free(doc);
    return 0;
}
