/* modules.h - the table of loaded code: each executable segment of each loaded object with its
 * unwind tables, kept in step with the dynamic loader. Internal to src/unwind.
 */
#ifndef MEMKIT_UNWIND_MODULES_H
#define MEMKIT_UNWIND_MODULES_H

#include <stdint.h>

#define MK__UNW_HIDDEN __attribute__((visibility("hidden")))

struct mk__mod {
    uintptr_t lo, hi;            /* an executable PT_LOAD segment */
    const uint8_t *hdr;          /* its object's .eh_frame_hdr, or NULL */
    const int32_t *table;        /* hdr's search table (dwarf.h), or NULL */
    uint32_t count;
    const uint8_t *eh_lo, *eh_hi; /* the loaded segment holding .eh_frame: all the CFI may read */
    int dead;                    /* no longer loaded (seen missing by a rescan): the slot is free */
};

/* Brings the table up to date with the loader: one dl_iterate_phdr step when nothing changed.
 * Returns 0 when another thread (or the code this signal handler interrupted) is rescanning: then
 * nothing computed from the table may be cached. No malloc; async-signal-safe. */
MK__UNW_HIDDEN int mk__mods_sync(void);

/* The live module holding pc, copied into *m; 0 if none (or its slot is being rewritten). */
MK__UNW_HIDDEN int mk__mod_find(uintptr_t pc, struct mk__mod *m);

/* The next mk__mods_sync rescans even if the loader's counters did not move. */
MK__UNW_HIDDEN void mk__mods_stale(void);

#endif
