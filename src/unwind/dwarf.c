/* dwarf.c - the DWARF call-frame decoder (dwarf.h): a bounded reader, CIEs, FDEs, CFA programs.
 *
 * Every read goes through struct rd, which knows the end of the bytes it may read and turns any
 * read past it into an error that the caller sees once, at the end of a record; so the decoder
 * can be fed arbitrary bytes (the fuzz target does) and only ever answers or refuses. It runs once
 * per call site (the rule cache keeps its answer), so the checks cost nothing a capture notices.
 */
#define _GNU_SOURCE
#include "dwarf.h"

#include <string.h>

/* ---- a bounded reader ----
 * Inlined everywhere: the CFA programs are read one byte or LEB128 at a time. */
#define READER static inline __attribute__((always_inline))

struct rd {
    const uint8_t *p, *end;
    int ok; /* 0 once anything was read past end, or was malformed */
};

READER int avail(struct rd *r, size_t n) {
    if (r->ok && (size_t)(r->end - r->p) >= n) return 1;
    r->ok = 0;
    return 0;
}

READER uint8_t u8(struct rd *r) { return avail(r, 1) ? *r->p++ : 0; }

/* An n-byte little-endian unsigned integer (n <= 8). */
READER uint64_t fixed(struct rd *r, unsigned n) {
    uint64_t v = 0;
    if (!avail(r, n)) return 0;
    memcpy(&v, r->p, n);
    r->p += n;
    return v;
}

READER void skip(struct rd *r, uint64_t n) {
    if (r->ok && n <= (uint64_t)(r->end - r->p)) r->p += n;
    else r->ok = 0;
}

/* A LEB128 number: its bits in *v, the shift past its last byte returned, the last byte in *last. */
READER unsigned leb(struct rd *r, uint64_t *v, uint8_t *last) {
    unsigned shift = 0;
    uint8_t b;
    *v = 0;
    do {
        if (!avail(r, 1)) {
            *last = 0;
            return shift;
        }
        b = *r->p++;
        if (shift < 64) *v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    *last = b;
    return shift;
}

READER uint64_t uleb(struct rd *r) {
    uint64_t v;
    uint8_t b;
    leb(r, &v, &b);
    return v;
}

READER int64_t sleb(struct rd *r) {
    uint64_t v;
    uint8_t b;
    unsigned shift = leb(r, &v, &b);
    if (shift < 64 && (b & 0x40)) v |= ~0ull << shift; /* sign-extend from the last byte's bit 6 */
    return (int64_t)v;
}

/* A DW_EH_PE-encoded pointer. Unsupported encodings (textrel, funcrel, aligned, indirect) make the
 * reader fail; the caller gives up on that entry. */
static uintptr_t enc(struct rd *r, uint8_t e, uintptr_t datarel) {
    uintptr_t base = 0, v;
    if (e == 0xff) return 0; /* DW_EH_PE_omit */
    switch (e & 0x70) {
    case 0x00: break;
    case 0x10: base = (uintptr_t)r->p; break;
    case 0x30: base = datarel; break;
    default: r->ok = 0; return 0;
    }
    switch (e & 0x0f) {
    case 0x00: case 0x04: case 0x0c: v = (uintptr_t)fixed(r, 8); break;
    case 0x01: v = (uintptr_t)uleb(r); break;
    case 0x02: v = (uintptr_t)fixed(r, 2); break;
    case 0x03: v = (uintptr_t)fixed(r, 4); break;
    case 0x09: v = (uintptr_t)sleb(r); break;
    case 0x0a: v = (uintptr_t)(intptr_t)(int16_t)fixed(r, 2); break;
    case 0x0b: v = (uintptr_t)(intptr_t)(int32_t)fixed(r, 4); break;
    default: r->ok = 0; return 0;
    }
    if (e & 0x80) r->ok = 0; /* indirect: not used for FDE ranges */
    return base + v;
}

/* A CIE's or FDE's length header (32 bits, or 0xffffffff then 64 bits): moves past it and sets *end
 * to the entry's end. -1 for a zero length (the terminator) or an entry that does not fit. */
static int entry(struct rd *r, const uint8_t **end) {
    uint64_t len = fixed(r, 4);
    if (len == 0xffffffffu) len = fixed(r, 8);
    if (!r->ok || !len || len > (uint64_t)(r->end - r->p)) return -1;
    *end = r->p + len;
    return 0;
}

/* ---- .eh_frame_hdr ---- */

int mk__dwarf_hdr(const uint8_t *hdr, size_t len, const int32_t **table, uint32_t *count,
                  const uint8_t **eh_frame) {
    *table = NULL;
    *count = 0;
    *eh_frame = NULL;
    if (!hdr || len < 4 || hdr[0] != 1) return -1;
    struct rd r = {hdr + 4, hdr + len, 1};
    uintptr_t ef = enc(&r, hdr[1], (uintptr_t)hdr);
    if (r.ok && hdr[1] != 0xff) *eh_frame = (const uint8_t *)ef;
    /* The table: DW_EH_PE_datarel|sdata4, what every Linux linker writes. */
    if (hdr[3] != 0x3b || hdr[2] == 0xff) return -1;
    uintptr_t n = enc(&r, hdr[2], (uintptr_t)hdr);
    if (!r.ok || n > (size_t)(r.end - r.p) / 8 || n > UINT32_MAX) return -1;
    *table = (const int32_t *)(const void *)r.p;
    *count = (uint32_t)n;
    return 0;
}

static inline intptr_t table_at(const int32_t *table, size_t i) {
    int32_t v;
    memcpy(&v, table + i, sizeof v); /* the table is 4-aligned as linkers write it, but need not be */
    return v;
}

const uint8_t *mk__dwarf_fde_find(const uint8_t *hdr, const int32_t *table, uint32_t count, uintptr_t addr) {
    if (!table || !count) return NULL;
    uintptr_t base = (uintptr_t)hdr;
    size_t lo = 0, hi = count;
    /* Last entry with initial_loc <= addr. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (base + (uintptr_t)table_at(table, 2 * mid) <= addr) lo = mid;
        else hi = mid;
    }
    if (base + (uintptr_t)table_at(table, 2 * lo) > addr) return NULL;
    return (const uint8_t *)(base + (uintptr_t)table_at(table, 2 * lo + 1));
}

/* ---- CIEs and CFA programs ---- */

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc;
    int has_z, signal;
    uint64_t ra_reg;
    const uint8_t *insns, *end;
};

/* The CIE at p, which must lie within [p, hi). */
static int parse_cie(const uint8_t *p, const uint8_t *hi, struct cie *c) {
    struct rd r = {p, hi, 1};
    const uint8_t *end;
    if (entry(&r, &end)) return -1;
    r.end = end;
    if (fixed(&r, 4) != 0 || !r.ok) return -1; /* a CIE's id is 0 */
    uint8_t version = u8(&r);
    const char *aug = (const char *)r.p;
    size_t room = (size_t)(r.end - r.p), lim = room < 16 ? room : 16;
    size_t alen = strnlen(aug, lim);
    if (alen == lim) return -1; /* no terminator within 16 bytes and the entry */
    skip(&r, alen + 1);
    if (aug[0] == 'e' && aug[1] == 'h') skip(&r, sizeof(void *));
    c->code_align = uleb(&r);
    c->data_align = sleb(&r);
    c->ra_reg = version == 1 ? u8(&r) : uleb(&r);
    c->fde_enc = 0;
    c->has_z = 0;
    c->signal = 0;
    const uint8_t *aug_end = NULL;
    for (const char *a = aug; *a; a++) {
        switch (*a) {
        case 'z': {
            uint64_t n = uleb(&r);
            if (!r.ok || n > (uint64_t)(r.end - r.p)) return -1;
            aug_end = r.p + n;
            c->has_z = 1;
            break;
        }
        case 'R': c->fde_enc = u8(&r); break;
        case 'L': skip(&r, 1); break;
        case 'P': { /* the personality routine: skipped */
            uint8_t e = u8(&r);
            (void)enc(&r, e & 0x7f, 0);
            break;
        }
        case 'S': c->signal = 1; break;
        case 'e': if (a[1] == 'h') { a++; break; } return -1;
        default:
            if (!aug_end) return -1;
            r.p = aug_end; /* unknown letters are skippable with 'z' */
            goto done;
        }
        if (!r.ok) return -1;
    }
done:
    if (aug_end) r.p = aug_end;
    if (!r.ok || r.p > end) return -1;
    c->insns = r.p;
    c->end = end;
    return 0;
}

/* A factored offset: n * align, wrapping (a malformed program may overflow; the caller's range
 * checks reject the result) rather than overflowing a signed type. */
static inline int64_t factored(uint64_t n, int64_t align) { return (int64_t)(n * (uint64_t)align); }

/* Runs CFA instructions [p, end) until the location passes target. init is the CIE's state (for
 * DW_CFA_restore), NULL while running the CIE itself. Returns 0, or -1 on anything malformed, or
 * unsupported that matters for rsp, rbp or the return address. */
static int cfa_run(const uint8_t *p, const uint8_t *end, struct mk__cfa *st, const struct mk__cfa *init,
                   const struct cie *c, uintptr_t loc, uintptr_t target) {
    struct mk__cfa stack[8];
    int depth = 0;
    struct rd r = {p, end, 1};
    while (r.p < r.end) {
        uint8_t op = u8(&r);
        uint64_t reg = 0, delta = 0, n;
        int64_t off = 0;
        int how = -1;
        switch (op >> 6) {
        case 1: delta = op & 0x3f; goto advance;
        case 2: reg = op & 0x3f; off = factored(uleb(&r), c->data_align); how = MK__HOW_OFFSET; goto setreg;
        case 3: reg = op & 0x3f; goto restore;
        default: break;
        }
        switch (op) {
        case 0x00: break;                                               /* nop */
        case 0x01: {                                                    /* set_loc */
            uintptr_t nl = enc(&r, c->fde_enc, 0);
            if (!r.ok) return -1;
            if (nl > target) return 0;
            loc = nl;
            break;
        }
        case 0x02: delta = u8(&r); goto advance;
        case 0x03: delta = fixed(&r, 2); goto advance;
        case 0x04: delta = fixed(&r, 4); goto advance;
        case 0x05: reg = uleb(&r); off = factored(uleb(&r), c->data_align); how = MK__HOW_OFFSET; goto setreg;
        case 0x06: reg = uleb(&r); goto restore;
        case 0x07: reg = uleb(&r); how = MK__HOW_UNDEF; goto setreg;
        case 0x08: reg = uleb(&r); how = MK__HOW_SAME; goto setreg;
        case 0x09: reg = uleb(&r); (void)uleb(&r); how = MK__HOW_OTHER; goto setreg;
        case 0x0a:                                                      /* remember_state */
            if (depth == 8) return -1;
            stack[depth++] = *st;
            break;
        case 0x0b:                                                      /* restore_state */
            if (depth == 0) return -1;
            /* Restores the CFA rule too, as GCC's and libunwind's readers do. */
            *st = stack[--depth];
            break;
        case 0x0c: st->cfa_reg = (int)uleb(&r); st->cfa_off = (int64_t)uleb(&r); break;
        case 0x0d: st->cfa_reg = (int)uleb(&r); break;
        case 0x0e: st->cfa_off = (int64_t)uleb(&r); break;
        case 0x0f: n = uleb(&r); skip(&r, n); st->cfa_reg = -1; break;
        case 0x10: reg = uleb(&r); n = uleb(&r); skip(&r, n); how = MK__HOW_OTHER; goto setreg;
        case 0x11: reg = uleb(&r); off = factored((uint64_t)sleb(&r), c->data_align); how = MK__HOW_OFFSET; goto setreg;
        case 0x12: st->cfa_reg = (int)uleb(&r); st->cfa_off = factored((uint64_t)sleb(&r), c->data_align); break;
        case 0x13: st->cfa_off = factored((uint64_t)sleb(&r), c->data_align); break;
        case 0x14: reg = uleb(&r); (void)uleb(&r); how = MK__HOW_OTHER; goto setreg;
        case 0x15: reg = uleb(&r); (void)sleb(&r); how = MK__HOW_OTHER; goto setreg;
        case 0x16: reg = uleb(&r); n = uleb(&r); skip(&r, n); how = MK__HOW_OTHER; goto setreg;
        case 0x2e: (void)uleb(&r); break;                               /* GNU_args_size */
        case 0x2f: reg = uleb(&r); off = factored(0 - uleb(&r), c->data_align); how = MK__HOW_OFFSET; goto setreg;
        default: return -1;
        }
        if (!r.ok) return -1;
        continue;
    advance:
        if (!r.ok) return -1;
        loc += delta * c->code_align;
        if (loc > target) return 0;
        continue;
    restore:
        if (!r.ok || !init) return -1;
        if (reg == MK__DW_RBP) st->bp_how = init->bp_how, st->bp_off = init->bp_off;
        else if (reg == c->ra_reg) st->ra_how = init->ra_how, st->ra_off = init->ra_off;
        continue;
    setreg:
        if (!r.ok) return -1;
        if (reg == MK__DW_RBP) st->bp_how = (uint8_t)how, st->bp_off = off;
        else if (reg == c->ra_reg) st->ra_how = (uint8_t)how, st->ra_off = off;
        continue;
    }
    return 0;
}

int mk__dwarf_cfa_at(const uint8_t *fde, const uint8_t *lo, const uint8_t *hi, uintptr_t datarel,
                     uintptr_t addr, struct mk__cfa *out) {
    if (!fde || fde < lo || fde >= hi) return -1;
    struct rd r = {fde, hi, 1};
    const uint8_t *end;
    if (entry(&r, &end)) return -1;
    r.end = end;
    const uint8_t *id_at = r.p;
    uint64_t cie_off = fixed(&r, 4);
    if (!r.ok || !cie_off || cie_off > (uint64_t)(id_at - lo)) return -1; /* 0 is a CIE, not an FDE */
    struct cie c;
    if (parse_cie(id_at - cie_off, hi, &c) < 0) return -1;
    uintptr_t begin = enc(&r, c.fde_enc, datarel);
    uintptr_t range = enc(&r, c.fde_enc & 0x0f, 0);
    if (!r.ok || addr < begin || addr - begin >= range) return -1;
    if (c.has_z) skip(&r, uleb(&r));
    if (!r.ok) return -1;
    struct mk__cfa st = {MK__DW_RSP, 8, MK__HOW_OFFSET, MK__HOW_SAME, -8, 0}, init;
    if (cfa_run(c.insns, c.end, &st, NULL, &c, begin, UINTPTR_MAX) < 0) return -1;
    init = st;
    if (cfa_run(r.p, end, &st, &init, &c, begin, addr) < 0) return -1;
    *out = st;
    return 0;
}
