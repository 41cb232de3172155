/* state.h - reads the recorder's state file (src/format/state.h) into a raw profile plus the
 * timeline: after the program ended (normally or by a signal) or while it runs (a snapshot).
 * Internal; not thread-safe.
 *
 * The file is never mapped: it is copied with pread (the writer may be changing it), every offset
 * and count is checked against the copy, and a torn last event is clamped (a site's live figures
 * never exceed what it allocated). A file of a newer layout version, a truncated or corrupted one,
 * or one that is not the caller's is an error with a one-line message.
 */
#ifndef MEMKIT_ANALYZER_STATE_H
#define MEMKIT_ANALYZER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "memkit/error.h"
#include "rawread.h"

typedef struct mk__state_view {
    mk__raw_profile raw;     /* as if the recorder had written it now; sites in the state's order */
    uint32_t status;         /* enum mk__state_status */
    uint32_t state_flags;    /* enum mk__state_flags */
    uint64_t state_bytes;    /* size of the state file's allocated part */
    uint64_t lost_sites;     /* sites the state could not show (private memory, bad pointers) */
    uint64_t clamped;        /* sites whose torn figures were clamped */
    uint64_t snap_seq;       /* --snapshot-at crossings so far */
    uint64_t live_bytes;     /* live bytes now (the globals) */
    size_t npoints;          /* timeline: t (us), live bytes, live blocks, bytes allocated so far */
    uint64_t (*points)[4];
    size_t ndetailed;        /* detailed points: at t, n entries (raw site index, live bytes) */
    struct mk__state_dview {
        uint64_t t;
        size_t n;
        uint32_t *site;
        uint64_t *live;
    } *detailed;
} mk__state_view;

/* Loads the state file at path. now_tsc/now_ns: the reader's rdtsc and CLOCK_MONOTONIC now (the time
 * of death when the writer did not finish, or of the snapshot). Returns MK_OK, or an error with a
 * message in err: MK_EFORMAT (not a state file, newer version, truncated, corrupt), MK_EIO (cannot
 * read, not the caller's), MK_ENOMEM. Free with mk__state_free. */
mk_err mk__state_load(const char *path, uint64_t now_tsc, uint64_t now_ns, mk__state_view *out, char *err, size_t errlen);
void mk__state_free(mk__state_view *v);

/* Reads just the live figures and the --snapshot-at counter of a state file, cheaply (memkit run
 * polls it). Returns 0, or -1 if the file is not a readable state. */
int mk__state_peek(const char *path, uint64_t *snap_seq, uint64_t *live_bytes, uint32_t *status);

/* rdtsc and CLOCK_MONOTONIC (ns) now. */
void mk__state_now(uint64_t *tsc, uint64_t *ns);

#endif
