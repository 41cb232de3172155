/* fuzz_demangle.c - the analyzer's Rust demangler (src/analyzer/demangle.c) on hostile symbols.
 *
 * Random bytes rarely get past "_R", so most inputs are mapped onto the v0 grammar's alphabet after
 * a "_R" or "_ZN" prefix, and some are edits of real symbols. Oracle: no crash or sanitizer report;
 * an accepted symbol's output is a NUL-terminated string without control characters that is the
 * same in a larger buffer, fits a buffer of exactly its size and is refused by one byte less.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyzer/demangle.c"

static const char *const seeds[] = {
    "_RINvNtCs6IL9ONYDOZW_4core3ptr13drop_in_placeINtNtCsihNoVIYWwLU_5alloc3vec3VecINtNtBL_5boxed3BoxShEEECshPCPd1Hxpnj_5hello",
    "_RNvMCs6LSlotSswqA_3genINtB2_4WraphKj3_E4showB2_",
    "_RINvCs1234_7mycrate3fooFG_RL0_hERL0_hE",
    "_RINvCs1234_7mycrate3fooDNtB2_8Iteratorp4ItemuEL_E",
    "_RINvCs1234_7mycrate3fooKan5_Kc41_Kb1_KpE",
    "_RNvCsdh0vNxqQoqZ_3uniu22gre__wna1lz4vha0bu2hyj",
    "_ZN100_$LT$alloc..ffi..c_str..CString$u20$as$u20$core..convert..From$LT$$RF$core..ffi..c_str..CStr$GT$$GT$4from17h054d115dba92f148E",
};

static void check(const char *sym) {
    static char a[8192], b[1 << 16];
    int ok = mk__rust_demangle(sym, a, sizeof a);
    if (!ok) return;
    size_t n = strlen(a);
    if (n >= sizeof a) abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f) abort();
    if (!mk__rust_demangle(sym, b, sizeof b) || strcmp(a, b) != 0) abort();
    if (!mk__rust_demangle(sym, b, n + 1) || strcmp(a, b) != 0) abort();
    if (mk__rust_demangle(sym, b, n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char sym[8192];
    if (size == 0 || size > sizeof sym - 64) return 0;
    size_t n = 0, mode = data[0] % 4;
    const uint8_t *d = data + 1;
    size_t m = size - 1;
    if (mode == 0) { /* as it comes */
        memcpy(sym, d, m);
        n = m;
    } else if (mode == 1 || mode == 2) { /* v0's or legacy's alphabet after its prefix */
        static const char v0a[] = "CNMXYIBsuKLGRQPOASTFDEpabcdefhijlmnostvxyz0123456789_";
        static const char lga[] = "0123456789_$.LTGCuSPBRFhE$abcdef";
        const char *alpha = mode == 1 ? v0a : lga;
        size_t na = strlen(alpha);
        n = (size_t)sprintf(sym, "%s", mode == 1 ? "_R" : "_ZN");
        for (size_t i = 0; i < m; i++) sym[n++] = alpha[d[i] % na];
    } else { /* a real symbol with bytes overwritten */
        const char *s = seeds[m ? d[0] % (sizeof seeds / sizeof seeds[0]) : 0];
        n = strlen(s);
        memcpy(sym, s, n);
        for (size_t i = 1; i + 1 < m && n; i += 2) sym[d[i] % n] = (char)d[i + 1];
    }
    sym[n] = '\0';
    check(sym);
    return 0;
}
