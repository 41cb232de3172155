/* timeline.h - the heap over time: how the program ended, the timeline and the detailed points
 * (from the recorder's state, or read back from memkit's DHAT keys), the "Heap over time" chart,
 * the "Growing sites" list and their DHAT keys (mkEnded, mkStateBytes, mkTimeline, mkDetailed).
 * Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_TIMELINE_H
#define MEMKIT_ANALYZER_TIMELINE_H

#include <stdio.h>

#include "analyze.h"
#include "state.h"

/* Copies v's timeline and detailed points into p (its arena), mapping raw sites to p's sites
 * through p->raw_site_map, and the state's size. MK_OK or MK_ENOMEM. */
mk_err mk__prof_attach_state(mk__prof *p, const mk__state_view *v);

/* A site whose live bytes rose across the run and did not come back down. */
typedef struct mk__growth {
    size_t site;        /* index into p->sites */
    uint64_t t_from;    /* the first detailed point where it had live bytes (us) */
    uint64_t from, to;  /* live bytes then, and at the end (t-end) */
    size_t rises, steps; /* intervals in which it grew, of those it was followed over */
} mk__growth;

/* Up to max growing sites into out, the most live bytes at the end first; returns how many. The
 * criteria (timeline.c): followed over at least 4 intervals covering at least half the run, grew
 * in at least 60% of them and fell in at most 20%, ended within 10% of its maximum, at least
 * doubled, and holds at least 4 KiB and 1% of the live heap at the end. */
size_t mk__prof_growing(const mk__prof *p, mk__growth *out, size_t max);

/* "Heap over time" (a text chart with the time axis and the peak marked) and "Growing sites".
 * Prints nothing when p has no timeline. */
int mk__report_time(const mk__prof *p, FILE *out);

/* How the program ended, as a clause: "exited with status 0", "killed by signal 9 (Killed)". */
void mk__ended_text(const mk__prof *p, char *buf, size_t len);

/* The mk keys of the DHAT file for p (each starting with ","); order: the pps order the writer
 * used (order[k] is the site written as pps[k]). */
int mk__dhat_write_time(const mk__prof *p, FILE *o, const size_t *order);

/* 1 when path starts with a state file's magic. */
int mk__state_is_file(const char *path);

/* Builds p from the state file at path as of now (a snapshot when the writer still runs: ended is
 * MK_ENDED_RUNNING, or finished: its status). MK_OK, or an error with a message naming path. */
mk_err mk__prof_from_state(const char *path, mk__prof *p, char *err, size_t errlen);

#endif
