/* extras.h - what a DHAT file can carry beside the model of analyze.h: how the program ended, the
 * recorder's state size, the heap over time (a timeline of live bytes and detailed points with the
 * live bytes per site), and the time unit. All optional: valgrind's
 * files and memkit files without a timeline have none of it, and the readers say what is missing.
 *
 * The keys are those of docs/PROFILER.md ("mk" keys). They are read from the file again by a small
 * JSON tree reader of their own, after dhat.c built the model; detailed points refer to the file's
 * "pps" indices, which are mapped to the model's sites by their stacks. Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_EXTRAS_H
#define MEMKIT_ANALYZER_EXTRAS_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

struct mk__tl_point {
    uint64_t t, live_bytes, live_blocks, total_bytes;
};

struct mk__detail_site {
    size_t site; /* index into the model's sites */
    uint64_t bytes;
};

struct mk__detail_point {
    uint64_t t;
    struct mk__detail_site *sites;
    size_t nsites;
};

typedef struct mk__prof_extras {
    char ended_how[16];   /* "exit", "_exit", "signal", "running"; "" when not recorded */
    int64_t ended_status; /* exit status, or -1 */
    int64_t ended_signal; /* signal number, or -1 */
    char ended_name[64];  /* the signal's name */
    int have_state;
    uint64_t state_bytes;
    int time_us;          /* the time unit is microseconds (memkit), not instructions (valgrind) */
    struct mk__tl_point *points;
    size_t npoints;
    struct mk__detail_point *detailed;
    size_t ndetailed;
    char note[160];       /* why a present timeline was not used, or "" */
} mk__prof_extras;

/* Reads the optional keys from the DHAT JSON file at path into x, mapping detailed points to the
 * sites of p (built from the same file). A file that is not JSON, or has none of the keys, leaves
 * x empty; only a failed allocation returns non-zero. The caller frees x with mk__extras_free. */
int mk__extras_load(const char *path, const mk__prof *p, mk__prof_extras *x);

/* As mk__extras_load, from the file's bytes data[0..len). */
int mk__extras_parse(const char *data, size_t len, const mk__prof *p, mk__prof_extras *x);

void mk__extras_free(mk__prof_extras *x);

/* How the program ended, in words ("exit status 0", "killed by signal 9 (Killed)"), or NULL when
 * the profile does not say. */
const char *mk__extras_ended(const mk__prof_extras *x, char *buf, size_t cap);

/* Writes s as a JSON string that is safe inside an HTML <script> element: '<', '>' and '&' become
 * \u escapes, so no "</script>" or "<!--" can appear; control characters, U+2028 and U+2029 are
 * escaped; invalid UTF-8 becomes U+FFFD. */
void mk__json_str(FILE *o, const char *s, size_t len);

/* The HTML page: writes the embedded page with `data` (a function that writes one JSON value)
 * inside <script type="application/json">. Returns 0, or -1 on a write error. */
int mk__html_page(FILE *o, const char *title, int (*data)(FILE *o, void *ctx), void *ctx);

/* The self-contained HTML report of one profile (html.c). */
int mk__report_html(const mk__prof *p, const mk__prof_extras *x, FILE *o);

/* Writes the profile's header as JSON members (cmd, pid, times, totals, ending, timeline), each
 * beginning with ','; mk__html_profile_members adds frames, sites, detailed points and advice. */
int mk__html_profile_head(FILE *o, const mk__prof *p, const mk__prof_extras *x);

/* Writes the model's core as JSON members (cmd, pid, totals, frames, sites, timeline...), used by
 * the report and by the diff page. Members begin with ','. */
int mk__html_profile_members(FILE *o, const mk__prof *p, const mk__prof_extras *x);

#endif
