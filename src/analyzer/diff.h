/* diff.h - two profiles compared: totals side by side, sites matched by their symbolized stacks.
 *
 * A site's identity across runs is its stack of frames without addresses ("function (file:line)",
 * or "function (in object)"), so a rebuilt or relocated binary still matches; compiler clone
 * suffixes (.constprop.0), allocator entry frames and the frames below main are left out, so
 * valgrind's and memkit's files of one program match too. Sites whose stacks become equal that way
 * are added up. Sites still unmatched are then paired by looser keys, each site at most once, the
 * largest first: equal function names (file:line ignored), then the same job (the two outermost
 * functions, e.g. count_word called by main). Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_DIFF_H
#define MEMKIT_ANALYZER_DIFF_H

#include <stdio.h>

#include "analyze.h"
#include "html.h"

enum { MK_DV_TB, MK_DV_TBK, MK_DV_GB, MK_DV_EB, MK_DV_TMP, MK_DV_N };

/* How a site was matched: only one run has it, equal stacks, equal function names, the same job. */
enum { MK_DM_NONE, MK_DM_STACK, MK_DM_FUNCS, MK_DM_JOB };

typedef struct mk__diff_site {
    uint32_t *fs;          /* indices into frames, innermost first */
    uint32_t nfs;
    uint64_t b[MK_DV_N];   /* before: total bytes, blocks, bytes at t-gmax, bytes at exit, temporary */
    uint64_t a[MK_DV_N];   /* after */
    uint32_t *fs_a;        /* after's stack when a looser pass matched it (else NULL: fs is both's) */
    uint32_t nfs_a;
    int how;               /* MK_DM_* */
} mk__diff_site;

typedef struct mk__diff {
    const mk__prof *before, *after;
    const char *path_b, *path_a;
    char **frames;         /* frame texts without addresses */
    size_t nframes;
    mk__diff_site *sites;
    size_t nsites, matched, matched_funcs, matched_job, gone, added;
} mk__diff;

/* Matches the sites of before and after. Returns MK_OK or MK_ENOMEM; free with mk__diff_free. */
mk_err mk__diff_build(mk__diff *d, const mk__prof *before, const char *path_b, const mk__prof *after,
                      const char *path_a);
void mk__diff_free(mk__diff *d);

/* The text: totals side by side with the change, then the top sites by the size of their change in
 * total bytes (top 0: all), each with before, after and change, and whether it is new or gone. */
int mk__diff_text(const mk__diff *d, FILE *o, size_t top);

/* Differential folded stacks: "outer;...;inner BEFORE AFTER" (total bytes), the input of
 * flamegraph.pl's differential mode (difffolded.pl's output format). */
int mk__diff_folded(const mk__diff *d, FILE *o);

/* The differential HTML page: width from AFTER, colour by growth or shrinkage, both timelines. */
int mk__diff_html(const mk__diff *d, FILE *o);

#endif
