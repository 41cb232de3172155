/* dwarf.h - the DWARF call-frame decoder: .eh_frame_hdr's search table, CIEs, FDEs and their CFA
 * programs, for x86-64. Internal to src/unwind.
 *
 * Pure: it reads only the bytes it is given, between lo and hi, and nothing else (no globals, no
 * system calls, no malloc), so a malformed section gives an error, never a read outside [lo, hi).
 * That is what lets the unit test and the fuzz target (tests/fuzz/fuzz_dwarf.c) drive it with
 * arbitrary bytes. It only answers the questions a stack walk asks: where the CFA is, and where
 * the return address and rbp were saved, at one address.
 */
#ifndef MEMKIT_UNWIND_DWARF_H
#define MEMKIT_UNWIND_DWARF_H

#include <stddef.h>
#include <stdint.h>

#define MK__UNW_HIDDEN __attribute__((visibility("hidden")))

/* DWARF register numbers on x86-64. */
#define MK__DW_RBP 6
#define MK__DW_RSP 7

/* How a register is recovered: unchanged, saved at CFA + off, undefined, or another way (a
 * register, an expression) that the walk does not follow. */
enum { MK__HOW_SAME, MK__HOW_OFFSET, MK__HOW_UNDEF, MK__HOW_OTHER };

/* The frame's state at one address: CFA = cfa_reg + cfa_off (cfa_reg -1: an expression); the
 * return address and rbp by ra_how/ra_off and bp_how/bp_off. */
struct mk__cfa {
    int cfa_reg;
    int64_t cfa_off;
    uint8_t ra_how, bp_how;
    int64_t ra_off, bp_off;
};

/* An .eh_frame_hdr of len bytes at hdr: 0 with its binary-search table (*count pairs of int32
 * offsets from hdr: initial location, FDE), or -1 when it has none this decoder reads (another
 * version or table encoding than every Linux linker writes, or a table longer than len). *eh_frame
 * is where it says .eh_frame starts (NULL if it cannot say). */
MK__UNW_HIDDEN int mk__dwarf_hdr(const uint8_t *hdr, size_t len, const int32_t **table, uint32_t *count,
                                 const uint8_t **eh_frame);

/* The FDE the search table (as mk__dwarf_hdr returned it) names for addr: the last entry whose
 * initial location is <= addr; NULL if none. Whether addr lies inside that FDE is for
 * mk__dwarf_cfa_at to check. */
MK__UNW_HIDDEN const uint8_t *mk__dwarf_fde_find(const uint8_t *hdr, const int32_t *table, uint32_t count,
                                                 uintptr_t addr);

/* Runs the CIE's and the FDE's CFA programs up to addr for the FDE at fde, reading only [lo, hi)
 * (the CIE must lie there too). datarel: the base of DW_EH_PE_datarel pointers (.eh_frame_hdr).
 * Returns 0 with *out, or -1: a malformed or truncated entry, addr outside the FDE's range, or an
 * instruction this decoder does not follow that matters for rsp, rbp or the return address. */
MK__UNW_HIDDEN int mk__dwarf_cfa_at(const uint8_t *fde, const uint8_t *lo, const uint8_t *hi, uintptr_t datarel,
                                    uintptr_t addr, struct mk__cfa *out);

#endif
