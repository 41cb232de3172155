/* pprof.h - the profile as a gzip-compressed profile.proto (github.com/google/pprof
 * proto/profile.proto), the format of `go tool pprof`, Grafana Pyroscope and Parca.
 *
 * Sample types are those of Go heap profiles: alloc_objects/count, alloc_space/bytes (everything
 * allocated) and inuse_objects/count, inuse_space/bytes (live at exit, DHAT's t-end). Each site is
 * one sample; frames that share an address (inlined calls) become the lines of one location.
 * Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_PPROF_H
#define MEMKIT_ANALYZER_PPROF_H

#include <stdio.h>

#include "analyze.h"

/* Writes p to out. mods (may be NULL) are the process's modules (p->modules, or a DHAT file's
 * mkModules): they become the mappings, with their paths, address ranges and build-ids; without
 * them one mapping names the program. Returns 0, or -1 when out of memory or on a write error. */
int mk__report_pprof(const mk__prof *p, const mk__prof_module *mods, size_t nmods, FILE *out);

#endif
