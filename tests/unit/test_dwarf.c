/* test_dwarf.c - the unwinder's DWARF decoder (src/unwind/dwarf.h) on its own: hand-built CIEs and
 * FDEs with the programs compilers emit, every truncation of them (the decoder must refuse, never
 * read past the end it is given: the buffers are exactly sized, so ASan sees any overread),
 * malformed entries, and this test binary's own .eh_frame_hdr, where every function's first
 * instruction has CFA = rsp + 8 with the return address at CFA - 8. */
#define _GNU_SOURCE
#include <link.h>

#include "harness.h"
#include "../src/unwind/dwarf.h"

/* ---- a small writer of .eh_frame entries ---- */

struct buf {
    uint8_t b[512];
    size_t n;
};

static void put(struct buf *w, const void *p, size_t n) {
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void u8(struct buf *w, uint8_t v) { put(w, &v, 1); }
static void u32(struct buf *w, uint32_t v) { put(w, &v, 4); }
static void set32(struct buf *w, size_t at, uint32_t v) { memcpy(w->b + at, &v, 4); }
static void pad4(struct buf *w) { while (w->n % 4) u8(w, 0); /* DW_CFA_nop */ }

/* A version-1 CIE "zR" with code alignment 1, data alignment -8, return address in r16, FDE
 * pointers udata4 (absolute), and the initial rule of every x86-64 function: CFA = rsp + 8, return
 * address at CFA - 8. Returns its offset. */
static size_t cie(struct buf *w, const uint8_t *extra, size_t nextra) {
    size_t at = w->n;
    u32(w, 0); /* length, set below */
    u32(w, 0); /* CIE id */
    u8(w, 1);
    put(w, "zR", 3);
    u8(w, 1);    /* code alignment */
    u8(w, 0x78); /* data alignment -8 */
    u8(w, 16);   /* return address register */
    u8(w, 1);    /* augmentation data length */
    u8(w, 0x03); /* FDE pointers: udata4 */
    static const uint8_t init[] = {0x0c, 0x07, 0x08, /* def_cfa rsp, 8 */ 0x90, 0x01 /* offset r16, cfa-8 */};
    put(w, init, sizeof init);
    if (extra) put(w, extra, nextra);
    pad4(w);
    set32(w, at, (uint32_t)(w->n - at - 4));
    return at;
}

/* An FDE for [begin, begin + range) with program prog, using the CIE at cie_at. Returns its offset. */
static size_t fde(struct buf *w, size_t cie_at, uint32_t begin, uint32_t range, const uint8_t *prog, size_t n) {
    size_t at = w->n;
    u32(w, 0);
    u32(w, (uint32_t)(w->n - cie_at)); /* from this field back to the CIE */
    u32(w, begin);
    u32(w, range);
    u8(w, 0); /* augmentation data length */
    put(w, prog, n);
    pad4(w);
    set32(w, at, (uint32_t)(w->n - at - 4));
    return at;
}

/* The standard frame-pointer prologue: push rbp (1 byte), mov rbp, rsp (3 bytes). */
static const uint8_t prologue[] = {
    0x41,       /* advance_loc 1 */
    0x0e, 0x10, /* def_cfa_offset 16 */
    0x86, 0x02, /* offset rbp, cfa-16 */
    0x43,       /* advance_loc 3 */
    0x0d, 0x06, /* def_cfa_register rbp */
};

/* cfa_at on an exactly-sized copy of w's bytes [0, len), for the FDE at fde_at. */
static int at(const struct buf *w, size_t len, size_t fde_at, uintptr_t addr, struct mk__cfa *out) {
    uint8_t *b = malloc(len ? len : 1);
    memcpy(b, w->b, len);
    int r = mk__dwarf_cfa_at(b + fde_at, b, b + len, 0, addr, out);
    free(b);
    return r;
}

TEST(dwarf_prologue_rules) {
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0), f = fde(&w, c, 0x1000, 0x100, prologue, sizeof prologue);
    struct mk__cfa s;
    CHECK_EQ(at(&w, w.n, f, 0x1000, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RSP);
    CHECK_EQ(s.cfa_off, 8);
    CHECK_EQ(s.ra_how, MK__HOW_OFFSET);
    CHECK_EQ(s.ra_off, -8);
    CHECK_EQ(s.bp_how, MK__HOW_SAME);
    CHECK_EQ(at(&w, w.n, f, 0x1001, &s), 0); /* after push rbp */
    CHECK_EQ(s.cfa_reg, MK__DW_RSP);
    CHECK_EQ(s.cfa_off, 16);
    CHECK_EQ(s.bp_how, MK__HOW_OFFSET);
    CHECK_EQ(s.bp_off, -16);
    CHECK_EQ(at(&w, w.n, f, 0x1003, &s), 0); /* still before mov rbp, rsp completes */
    CHECK_EQ(s.cfa_reg, MK__DW_RSP);
    CHECK_EQ(at(&w, w.n, f, 0x1004, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RBP);
    CHECK_EQ(s.cfa_off, 16);
    CHECK_EQ(at(&w, w.n, f, 0x10ff, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RBP);
    CHECK_EQ(at(&w, w.n, f, 0x1100, &s), -1); /* past the FDE's range */
    CHECK_EQ(at(&w, w.n, f, 0x0fff, &s), -1);
}

TEST(dwarf_remember_restore_and_epilogue) {
    /* A function without a frame pointer: sub rsp at 1, an early return path at 8 that restores. */
    static const uint8_t prog[] = {
        0x41, 0x0e, 0x30, /* at 1: def_cfa_offset 48 */
        0x47, 0x0a,       /* at 8: remember_state */
        0x0e, 0x08,       /*       def_cfa_offset 8 (the epilogue) */
        0x41, 0x0b,       /* at 9: restore_state: back to 48 */
    };
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0), f = fde(&w, c, 0x2000, 0x40, prog, sizeof prog);
    struct mk__cfa s;
    CHECK_EQ(at(&w, w.n, f, 0x2004, &s), 0);
    CHECK_EQ(s.cfa_off, 48);
    CHECK_EQ(at(&w, w.n, f, 0x2008, &s), 0);
    CHECK_EQ(s.cfa_off, 8);
    CHECK_EQ(at(&w, w.n, f, 0x2009, &s), 0);
    CHECK_EQ(s.cfa_off, 48);
    CHECK_EQ(s.cfa_reg, MK__DW_RSP);
}

TEST(dwarf_expressions_and_undefined) {
    static const uint8_t expr_cfa[] = {0x41, 0x0f, 0x02, 0x77, 0x08}; /* at 1: def_cfa_expression (2 bytes) */
    static const uint8_t undef_ra[] = {0x07, 0x10};                    /* undefined r16: outermost */
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0);
    size_t f1 = fde(&w, c, 0x3000, 0x10, expr_cfa, sizeof expr_cfa);
    size_t f2 = fde(&w, c, 0x4000, 0x10, undef_ra, sizeof undef_ra);
    struct mk__cfa s;
    CHECK_EQ(at(&w, w.n, f1, 0x3000, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RSP);
    CHECK_EQ(at(&w, w.n, f1, 0x3001, &s), 0);
    CHECK_EQ(s.cfa_reg, -1);
    CHECK_EQ(at(&w, w.n, f2, 0x4000, &s), 0);
    CHECK_EQ(s.ra_how, MK__HOW_UNDEF);
}

TEST(dwarf_every_truncation_is_refused) {
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0), f = fde(&w, c, 0x1000, 0x100, prologue, sizeof prologue);
    struct mk__cfa s;
    int refused = 0;
    for (size_t len = f + 1; len < w.n; len++) refused += at(&w, len, f, 0x1004, &s) == -1;
    CHECK_EQ(refused, w.n - f - 1);
    /* A CIE cut short: the FDE is whole, its CIE's instructions are not. */
    struct buf v = {.n = 0};
    size_t c2 = cie(&v, NULL, 0), f2 = fde(&v, c2, 0x1000, 0x100, prologue, sizeof prologue);
    set32(&v, c2, 200); /* the CIE claims to run past the buffer */
    CHECK_EQ(at(&v, v.n, f2, 0x1004, &s), -1);
}

TEST(dwarf_malformed_entries) {
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0), f = fde(&w, c, 0x1000, 0x100, prologue, sizeof prologue);
    struct mk__cfa s;
    struct buf v = w;
    set32(&v, f + 4, 0); /* CIE pointer 0: that is a CIE, not an FDE */
    CHECK_EQ(at(&v, v.n, f, 0x1000, &s), -1);
    v = w;
    set32(&v, f + 4, (uint32_t)(f + 4 + 1)); /* points before the buffer */
    CHECK_EQ(at(&v, v.n, f, 0x1000, &s), -1);
    v = w;
    set32(&v, f, 0); /* zero length: the terminator */
    CHECK_EQ(at(&v, v.n, f, 0x1000, &s), -1);
    v = w;
    v.b[c + 4] = 1; /* the CIE's id is not 0 */
    CHECK_EQ(at(&v, v.n, f, 0x1000, &s), -1);
    v = w;
    v.b[c + 9] = 'Q'; /* an unknown augmentation letter with no 'z' before it: cannot be skipped */
    CHECK_EQ(at(&v, v.n, f, 0x1004, &s), -1);
    v = w;
    v.b[c + 8] = 3; /* version 3 reads the return address register as a ULEB128: 16 still */
    CHECK_EQ(at(&v, v.n, f, 0x1004, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RBP);
    /* An unknown CFA instruction ends the program with an error. */
    static const uint8_t bad[] = {0x41, 0x3f};
    struct buf u = {.n = 0};
    size_t c3 = cie(&u, NULL, 0), f3 = fde(&u, c3, 0x1000, 0x10, bad, sizeof bad);
    CHECK_EQ(at(&u, u.n, f3, 0x1000, &s), 0); /* before the bad instruction: fine */
    CHECK_EQ(at(&u, u.n, f3, 0x1001, &s), -1);
    /* Outside [lo, hi) altogether. */
    CHECK_EQ(mk__dwarf_cfa_at(NULL, w.b, w.b + w.n, 0, 0x1000, &s), -1);
    CHECK_EQ(mk__dwarf_cfa_at(w.b + w.n, w.b, w.b + w.n, 0, 0x1000, &s), -1);
}

TEST(dwarf_64bit_length) {
    /* The same FDE with the 64-bit length form (0xffffffff then 8 bytes). */
    struct buf w = {.n = 0};
    size_t c = cie(&w, NULL, 0), f = w.n;
    u32(&w, 0xffffffffu);
    uint64_t len = 0;
    size_t len_at = w.n;
    put(&w, &len, 8);
    u32(&w, (uint32_t)(w.n - c));
    u32(&w, 0x1000);
    u32(&w, 0x100);
    u8(&w, 0);
    put(&w, prologue, sizeof prologue);
    len = w.n - len_at - 8;
    memcpy(w.b + len_at, &len, 8);
    struct mk__cfa s;
    CHECK_EQ(at(&w, w.n, f, 0x1004, &s), 0);
    CHECK_EQ(s.cfa_reg, MK__DW_RBP);
}

TEST(dwarf_hdr_and_search) {
    /* An .eh_frame_hdr: version 1, eh_frame_ptr udata4, fde_count udata4, table datarel sdata4. */
    static uint8_t mem[4096]; /* the header, then the bytes its offsets name */
    uint8_t *hdr = mem;
    const size_t hdr_len = 4 + 4 + 4 + 3 * 8;
    int32_t tab[6] = {100, 1000, 200, 2000, 300, 3000};
    hdr[0] = 1, hdr[1] = 0x03, hdr[2] = 0x03, hdr[3] = 0x3b;
    uint32_t ef = 0x1234, cnt = 3;
    memcpy(hdr + 4, &ef, 4);
    memcpy(hdr + 8, &cnt, 4);
    memcpy(hdr + 12, tab, sizeof tab);
    const int32_t *t;
    uint32_t n;
    const uint8_t *e;
    CHECK_EQ(mk__dwarf_hdr(hdr, hdr_len, &t, &n, &e), 0);
    CHECK_EQ(n, 3);
    CHECK_PTR_EQ(e, (const uint8_t *)0x1234);
    uintptr_t base = (uintptr_t)hdr;
    CHECK_NULL(mk__dwarf_fde_find(hdr, t, n, base + 99));
    CHECK_PTR_EQ(mk__dwarf_fde_find(hdr, t, n, base + 100), hdr + 1000);
    CHECK_PTR_EQ(mk__dwarf_fde_find(hdr, t, n, base + 250), hdr + 2000);
    CHECK_PTR_EQ(mk__dwarf_fde_find(hdr, t, n, base + 99999), hdr + 3000);
    CHECK_EQ(mk__dwarf_hdr(hdr, hdr_len - 1, &t, &n, &e), -1); /* the table does not fit */
    CHECK_NULL(t);
    hdr[3] = 0x1b; /* another table encoding */
    CHECK_EQ(mk__dwarf_hdr(hdr, hdr_len, &t, &n, &e), -1);
    hdr[3] = 0x3b, hdr[0] = 2; /* another version */
    CHECK_EQ(mk__dwarf_hdr(hdr, hdr_len, &t, &n, &e), -1);
    CHECK_EQ(mk__dwarf_hdr(NULL, 0, &t, &n, &e), -1);
}

/* ---- this binary's own CFI ---- */

struct self {
    const uint8_t *hdr, *lo, *hi;
    size_t hdr_len;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct self *s = arg;
    uintptr_t me = (uintptr_t)&find_self;
    int mine = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t b = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && me >= b && me < b + ph->p_memsz) mine = 1;
    }
    if (!mine) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME) {
            s->hdr = (const uint8_t *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
            s->hdr_len = info->dlpi_phdr[i].p_memsz;
        }
    for (int i = 0; s->hdr && i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        const uint8_t *b = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type == PT_LOAD && s->hdr >= b && s->hdr < b + ph->p_memsz) s->lo = b, s->hi = b + ph->p_memsz;
    }
    return 1;
}

__attribute__((noinline)) static int leaf_function(int x) { return x * 3 + 1; }

TEST(dwarf_own_binary_function_entries) {
    struct self s = {0};
    dl_iterate_phdr(find_self, &s);
    if (!s.hdr || !s.lo) {
        SKIP("this binary has no .eh_frame_hdr");
        return;
    }
    const int32_t *t;
    uint32_t n;
    const uint8_t *e;
    CHECK_EQ(mk__dwarf_hdr(s.hdr, s.hdr_len, &t, &n, &e), 0);
    CHECK_GT(n, 5);
    uintptr_t fns[] = {(uintptr_t)&leaf_function, (uintptr_t)&find_self, (uintptr_t)&at, (uintptr_t)&cie};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        struct mk__cfa st;
        const uint8_t *f = mk__dwarf_fde_find(s.hdr, t, n, fns[i]);
        CHECK_NOT_NULL(f);
        CHECK_EQ(mk__dwarf_cfa_at(f, s.lo, s.hi, (uintptr_t)s.hdr, fns[i], &st), 0);
        CHECK_EQ(st.cfa_reg, MK__DW_RSP);
        CHECK_EQ(st.cfa_off, 8);
        CHECK_EQ(st.ra_how, MK__HOW_OFFSET);
        CHECK_EQ(st.ra_off, -8);
    }
    CHECK_EQ(leaf_function(2), 7);
}

TEST_MAIN()
