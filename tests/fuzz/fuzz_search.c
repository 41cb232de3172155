/* fuzz_search.c - mk_finder against a naive reference on fuzzer-chosen needles and haystacks.
 *
 * Input: byte 0 picks the alphabet (1..4 letters, or all 256 bytes, so matches and near-matches
 * are common), bytes 1-2 the needle length (0..300), byte 3 whether the needle is cut from the
 * haystack (and where); the rest is the haystack. Haystack and needle are copied into buffers of
 * exactly their size so ASan catches any read past either end. Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/search.h"
#include "search_ref.h"

size_t mk_search_scan_isa_(const mk_finder *f, const void *hay, size_t n, size_t start, int counting, int isa);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    unsigned alpha = data[0] % 5 == 4 ? 256 : 1 + data[0] % 5;
    size_t m = ((size_t)data[1] | (size_t)data[2] << 8) % 301;
    int from_hay = data[3] & 1;
    size_t where = data[3] >> 1; /* where in the haystack the needle is cut, in 1/127ths */
    data += 4;
    size = size - 4;
    unsigned char *h = malloc(size ? size : 1), *x = calloc(m ? m : 1, 1);
    if (!h || !x) abort();
    for (size_t i = 0; i < size; i++) h[i] = alpha == 256 ? data[i] : (unsigned char)('a' + data[i] % alpha);
    size_t n = size;
    if (from_hay && m <= n) {
        memcpy(x, h + (n - m) * where / 127, m);
    } else {
        for (size_t i = 0; i < m; i++)
            x[i] = alpha == 256 ? (unsigned char)(i * 131 + 7) : (unsigned char)('a' + (i * 7 + m) % alpha);
    }
    mk_finder f;
    if (mk_finder_init(&f, x, m) != MK_OK) abort();
    size_t want = m ? naive_find_from(h, n, x, m, 0) : 0, want_r = m ? naive_rfind(h, n, x, m) : n, want_c = 0;
    if (m) {
        for (size_t i = 0; (i = naive_find_from(h, n, x, m, i)) != MK_NOT_FOUND; i += m) want_c++;
    } else {
        want_c = n + 1;
    }
    if (mk_finder_find(&f, h, n) != want) abort();
    if (mk_finder_rfind(&f, h, n) != want_r) abort();
    if (mk_finder_count(&f, h, n) != want_c) abort();
    if (mk_memmem(h, n, x, m) != want) abort();
    for (int isa = 0; isa <= 2; isa++) {
        if (mk_search_scan_isa_(&f, h, n, 0, 0, isa) != want) abort();
        if (mk_search_scan_isa_(&f, h, n, 0, 1, isa) != want_c) abort();
    }
    mk_finder_iter it;
    size_t at, seen = 0, expect = 0;
    mk_finder_iter_init(&it, &f, h, n);
    while (mk_finder_iter_next(&it, &at)) {
        if (m) {
            expect = naive_find_from(h, n, x, m, expect);
            if (at != expect) abort();
            expect += m;
        } else if (at != seen) {
            abort();
        }
        seen++;
    }
    if (seen != want_c) abort();
    free(h);
    free(x);
    return 0;
}
