/* limits.h - the limits and the option grammar that the recorder (libmemkit-prof.so, reading its
 * environment) and the command line (memkit run, writing it) must agree on. Internal; never
 * installed. Header-only, and without libc calls that could allocate: the recorder parses its
 * environment before it can tolerate a malloc.
 */
#ifndef MEMKIT_FORMAT_LIMITS_H
#define MEMKIT_FORMAT_LIMITS_H

#include <stdint.h>

/* Frames kept per stack (MEMKIT_DEPTH, memkit run --depth): 1 to MK_MAX_DEPTH. The recorder clamps
 * a value set by hand into that range; memkit run rejects one outside it. */
#define MK_MAX_DEPTH 128
#define MK_DEFAULT_DEPTH 32

/* A byte count: decimal digits, then optionally K, M or G (powers of 1024, either case), then
 * optionally B ("4096", "512K", "1M", "2gb"). Returns 0 and sets *out, or -1 (leaving *out alone)
 * for anything else: empty, a sign, spaces, another suffix, or a value above UINT64_MAX. */
static inline int mk__parse_size(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!s || *s < '0' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    unsigned shift = 0;
    if (*s == 'k' || *s == 'K') shift = 10, s++;
    else if (*s == 'm' || *s == 'M') shift = 20, s++;
    else if (*s == 'g' || *s == 'G') shift = 30, s++;
    if (*s == 'b' || *s == 'B') s++;
    if (*s || (shift && v > UINT64_MAX >> shift)) return -1;
    *out = v << shift;
    return 0;
}

#endif
