/* fuzz_dwarf.c - the unwinder's DWARF decoder (src/unwind/dwarf.h) on arbitrary bytes. Two shapes
 * per input: the bytes as they are, read as an .eh_frame_hdr and as .eh_frame entries at a few
 * offsets; and a well-formed CIE and FDE built around the input's bytes as their CFA programs,
 * augmentation and encodings, queried at every address of the FDE's range. Each is copied into an
 * exactly-sized heap buffer, so a read past the end the decoder was given is an ASan report.
 * Oracles: no crash, no overread, a search-table hit stays inside the table, and an answer's
 * recovery methods are ones the decoder defines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/unwind/dwarf.h"

static void check_answer(const struct mk__cfa *s) {
    if (s->ra_how > MK__HOW_OTHER || s->bp_how > MK__HOW_OTHER) abort();
}

static void raw(const uint8_t *data, size_t size) {
    uint8_t *b = malloc(size ? size : 1);
    memcpy(b, data, size);
    const int32_t *t;
    uint32_t n;
    const uint8_t *e;
    if (mk__dwarf_hdr(b, size, &t, &n, &e) == 0) {
        if ((const uint8_t *)t < b || (const uint8_t *)(t + 2 * (size_t)n) > b + size) abort();
        for (unsigned k = 0; k < 4 && size >= 8; k++) {
            uintptr_t addr = (uintptr_t)b + (uintptr_t)(data[k % size] * 16);
            (void)mk__dwarf_fde_find(b, t, n, addr);
        }
    }
    struct mk__cfa s;
    for (size_t off = 0; off < size && off < 64; off += 4 + (size > 0 ? data[off] % 13 : 0)) {
        uintptr_t addr = size >= 4 ? (uintptr_t)data[size - 1] | (uintptr_t)data[size - 2] << 8 : 0;
        if (mk__dwarf_cfa_at(b + off, b, b + size, (uintptr_t)b, addr, &s) == 0) check_answer(&s);
    }
    free(b);
}

/* A CIE then an FDE, their programs and parameters taken from the input. */
static void structured(const uint8_t *data, size_t size) {
    if (size < 6) return;
    static const uint8_t encs[] = {0x03, 0x0b, 0x1b, 0x04, 0x0c, 0x02, 0x0a, 0x01, 0x09, 0x00, 0x33, 0x50};
    static const char *const augs[] = {"zR", "zPLR", "zRS", "", "eh", "zRQ", "zR\x7f"};
    uint8_t enc = encs[data[0] % sizeof encs];
    const char *aug = augs[data[1] % (sizeof augs / sizeof augs[0])];
    uint8_t code_align = (uint8_t)(1 + data[2] % 4), version = data[3] & 1 ? 1 : 3;
    size_t rest = size - 6, split = data[4] % ((rest < 6 ? rest : 6) + 1); /* CIE programs are short */
    const uint8_t *cie_prog = data + 6, *fde_prog = data + 6 + split;
    size_t cie_n = split, fde_n = rest - split;
    uint8_t *b = malloc(64 + size * 2);
    size_t w = 0;
#define PUT(p, n) (memcpy(b + w, (p), (n)), w += (n))
#define U8(v) (b[w++] = (uint8_t)(v))
    uint32_t z = 0;
    PUT(&z, 4); /* CIE length, set below */
    PUT(&z, 4); /* id */
    U8(version);
    PUT(aug, strlen(aug) + 1);
    if (aug[0] == 'e') PUT(&z, 4), PUT(&z, 4);
    U8(code_align);
    U8(0x78); /* data alignment -8 */
    U8(16);   /* return address register (a one-byte ULEB128 for version 3 too) */
    if (aug[0] == 'z') {
        size_t len_at = w;
        U8(0);
        for (const char *a = aug + 1; *a; a++) {
            if (*a == 'R') U8(enc);
            else if (*a == 'L') U8(0x1b);
            else if (*a == 'P') U8(0x03), PUT(&z, 4);
        }
        b[len_at] = (uint8_t)(w - len_at - 1);
    }
    PUT(cie_prog, cie_n);
    uint32_t len = (uint32_t)(w - 4);
    memcpy(b, &len, 4);
    size_t fde_at = w;
    PUT(&z, 4);
    uint32_t cie_ptr = (uint32_t)(w - 0);
    PUT(&cie_ptr, 4);
    /* begin and range as the encoding writes them: 4 or 8 bytes fixed, else one ULEB/SLEB byte. */
    uint8_t fmt = enc & 0x0f;
    uint64_t begin = 0x40 + data[5] % 32, range = 0x40;
    size_t wide = fmt == 0x00 || fmt == 0x04 || fmt == 0x0c ? 8 : fmt == 0x02 || fmt == 0x0a ? 2 : fmt == 0x03 || fmt == 0x0b ? 4 : 1;
    PUT(&begin, wide);
    PUT(&range, wide);
    if (aug[0] == 'z') U8(0);
    PUT(fde_prog, fde_n);
    len = (uint32_t)(w - fde_at - 4);
    memcpy(b + fde_at, &len, 4);
#undef PUT
#undef U8
    uint8_t *exact = malloc(w);
    memcpy(exact, b, w);
    free(b);
    struct mk__cfa s;
    /* Every address of the range and a few outside it; pc-relative encodings are relative to
     * where the field lies, so their range is elsewhere: a few addresses there too. */
    uintptr_t pcrel = (uintptr_t)exact + fde_at + 8;
    for (uintptr_t addr = begin - 2; addr < begin + range + 2; addr++) {
        if (mk__dwarf_cfa_at(exact + fde_at, exact, exact + w, 0, addr, &s) == 0) check_answer(&s);
        if ((enc & 0x70) == 0x10 && (addr & 7) == 0 &&
            mk__dwarf_cfa_at(exact + fde_at, exact, exact + w, 0, pcrel + addr, &s) == 0)
            check_answer(&s);
    }
    free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    raw(data, size);
    structured(data, size);
    return 0;
}
