/* dhat.h - the DHAT JSON file (version 2, as valgrind's DHAT writes it and its dh_view.html reads
 * it; docs/PROFILER.md describes the fields): writing the model out, reading one back.
 *
 * memkit's files are valid DHAT files with extra keys of its own (prefixed "mk", ignored by the
 * viewer) that carry the recorder's figures (temporary blocks, realloc chains, sizes, process
 * totals), so a saved file renders again with everything. Files written by valgrind's DHAT load
 * too, without those figures. Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_DHAT_H
#define MEMKIT_ANALYZER_DHAT_H

#include <stdio.h>

#include "analyze.h"

/* The largest count a profile file holds: DHAT numbers are JavaScript doubles, exact up to 2^53 - 1.
 * The writer caps every number there; the reader rejects a larger one as malformed. */
#define MK__DHAT_MAX_COUNT ((UINT64_C(1) << 53) - 1)

/* Writes p as DHAT JSON to out. Returns 0, or -1 on a write error (errno set). */
int mk__dhat_write(const mk__prof *p, FILE *out);

/* Parses DHAT JSON from data[0..len) into p (initialized here). Returns MK_OK, MK_EFORMAT with a
 * message in err (without the path), or MK_ENOMEM. On failure p needs no freeing. */
mk_err mk__dhat_parse(const char *data, size_t len, mk__prof *p, char *err, size_t errlen);

/* Loads a profile file of either kind, a DHAT JSON file or a raw profile (which is symbolized
 * against the binaries on disk now). On failure returns an mk_err with a message that names the
 * path (missing, directory, empty, not a profile...). */
mk_err mk__profile_load(const char *path, mk__prof *p, char *err, size_t errlen);

#endif
