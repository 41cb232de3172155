/* sysmem.h - the interposition layer's and its backends' own memory: anonymous mappings, never
 * the allocator they watch. Internal. Every function keeps errno as it found it. */
#ifndef MEMKIT_INTERPOSE_SYSMEM_H
#define MEMKIT_INTERPOSE_SYSMEM_H

#include <stddef.h>

#include "memkit/alloc.h"

#define MK__HIDDEN __attribute__((visibility("hidden")))

/* size bytes of zeroed, page-aligned memory, or NULL. reserve_only 1: MAP_NORESERVE, for large
 * tables whose untouched pages should cost nothing; 2: MAP_POPULATE, for tables about to be filled
 * (one kernel call instead of a fault per page). */
MK__HIDDEN void *mk__sys_map(size_t size, int reserve_only);
MK__HIDDEN void mk__sys_unmap(void *p, size_t size);
/* Bytes currently mapped by mk__sys_map (rounded to pages), reserve_only mappings excluded. */
MK__HIDDEN size_t mk__sys_mapped(void);
/* Bytes of [p, p + size) resident in memory (for reserve_only mappings). */
MK__HIDDEN size_t mk__sys_resident(void *p, size_t size);
/* Resident bytes of the mapping that starts at p, from /proc/self/smaps (for a reservation too
 * large to ask mincore about page by page); 0 if unknown. No malloc: raw reads into a stack buffer. */
MK__HIDDEN size_t mk__sys_rss_of(const void *p);
/* An mk_allocator over mk__sys_map (for mk_arena's backing). Thread-safe. */
MK__HIDDEN const mk_allocator *mk__sys_allocator(void);

#endif
