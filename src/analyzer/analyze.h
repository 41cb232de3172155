/* analyze.h - the analyzer's in-memory profile: symbolized sites with their figures, the frame
 * table, the totals; built from a raw profile (symbolizing it) or read back from a DHAT file.
 *
 * The one decision to know: a site is identified by its frame-index sequence (fs). Building a
 * profile interns every frame string once (DHAT's ftbl) and merges sites whose stacks became equal
 * after symbolization and dropping the recorder's frames, because the DHAT viewer rejects repeated
 * stacks. The model is built from memkit's own library: frame strings live in an mk_interner, the
 * stacks and the command line in an mk_arena, the frame table and the sites in vectors
 * (MK_VEC_DEFINE), so every size computation is checked in one place; all of it goes away with
 * mk__prof_free. Internal; not thread-safe.
 */
#ifndef MEMKIT_ANALYZER_ANALYZE_H
#define MEMKIT_ANALYZER_ANALYZE_H

#include <stdio.h>

#include "memkit/arena.h"
#include "memkit/intern.h"
#include "memkit/vec.h"
#include "rawread.h"

/* Vectors the analyzer's files share (one definition: the fuzz target compiles them together). */
MK_VEC_DEFINE(mk__u32_vec, uint32_t)
MK_VEC_DEFINE(mk__char_vec, char)
MK_VEC_DEFINE(mk__cstr_vec, const char *)

typedef struct mk__prof_site {
    struct mk__raw_site f; /* the figures; f.nframes is unused (see nfs) */
    uint32_t *fs;         /* indices into ftbl, innermost first */
    uint32_t nfs;
} mk__prof_site;

MK_VEC_DEFINE(mk__site_vec, mk__prof_site)

/* An object file of the process: from the raw profile, or a memkit DHAT file's mkModules. */
typedef struct mk__prof_module {
    const char *path;
    uint64_t start, end;  /* lowest and highest address of its loaded segments */
    char build_id[81];    /* hex, "" when unknown */
} mk__prof_module;

typedef struct mk__prof {
    const char *cmd;        /* program and arguments joined by spaces */
    uint64_t pid, ppid, te, tg, sample_bytes, max_depth;
    uint32_t flags;         /* enum mk__raw_flags */
    int extra;              /* the recorder's extra figures (temporary, reallocs...) are known */
    int have_totals;        /* totals came from the recorder (else: sums of the sites) */
    int time_us;            /* times (te, tg, the timeline) are microseconds, not valgrind's instructions */
    struct mk__raw_totals totals;
    const char **ftbl;      /* ftbl[0] is "[root]"; the same array as frames_.data */
    size_t nftbl;           /* frames_.len */
    mk__prof_site *sites;   /* the same array as sites_.data */
    size_t nsites;          /* sites_.len */
    mk__prof_module *modules; /* in the arena; none for valgrind's files */
    size_t nmodules;
    /* How the program ended, the heap over time and the state's size: from the recorder's state
     * file or memkit's DHAT keys (timeline.c); zero/NULL when unknown. */
    int ended;              /* enum mk__ended */
    int ended_code;         /* exit status, or the signal number */
    uint64_t state_bytes;
    uint64_t (*timeline)[4]; /* t (us), live bytes, live blocks, bytes allocated so far */
    size_t ntimeline;
    struct mk__prof_detail {
        uint64_t t;
        size_t n;
        uint32_t *site;     /* indices into sites */
        uint64_t *live;
    } *detailed;
    size_t ndetailed;
    uint32_t *raw_site_map; /* after mk__prof_from_raw: raw site i is sites[raw_site_map[i]] */
    size_t last_site_;      /* the site mk__prof_add_site last added to or created */
    /* Private: only analyze.c writes these; readers use the fields above. */
    mk__cstr_vec frames_;   /* owns ftbl */
    mk__site_vec sites_;    /* owns sites */
    mk_interner strings_;   /* owns the frame strings */
    mk_arena arena;         /* owns the stacks (fs), cmd and whatever a reader puts there */
    void *ix_;              /* index tables while building */
} mk__prof;

enum mk__ended { MK_ENDED_UNKNOWN, MK_ENDED_EXIT, MK_ENDED__EXIT, MK_ENDED_SIGNAL, MK_ENDED_RUNNING };

/* Builds p from a raw profile, symbolizing its addresses. Returns MK_OK, or MK_ENOMEM with a
 * message in err. The caller frees p with mk__prof_free; raw may be freed afterwards. */
mk_err mk__prof_from_raw(const mk__raw_profile *raw, mk__prof *p, char *err, size_t errlen);

/* Building blocks for readers (dhat.c): init, intern a frame string (returns its index or -1 when
 * out of memory or when the string is too long to intern), add a site (merged with an equal stack;
 * MK_ENOMEM when out of memory), finish (computes missing totals and frees the index tables; no
 * frame or site may be added afterwards). mk__prof_free releases everything, after a failed init
 * too, and leaves p zeroed. */
mk_err mk__prof_init(mk__prof *p);
/* Copies the raw profile's modules into p (dhat.c reads a DHAT file's mkModules itself). Returns
 * MK_OK or MK_ENOMEM. */
mk_err mk__prof_set_modules(mk__prof *p, const mk__raw_profile *raw);
long mk__prof_frame(mk__prof *p, const char *s, size_t len);
mk_err mk__prof_add_site(mk__prof *p, const uint32_t *fs, uint32_t nfs, const struct mk__raw_site *fig);
void mk__prof_finish(mk__prof *p);
void mk__prof_free(mk__prof *p);

enum mk__sort { MK_SORT_BYTES, MK_SORT_BLOCKS, MK_SORT_PEAK, MK_SORT_LEAKS, MK_SORT_TEMPORARY };

/* Parses a --sort name; returns -1 when unknown. */
int mk__sort_parse(const char *name);

/* Returns a malloc'ed array of the site indices in the order of key, largest first (ties broken
 * by total bytes, then by stack), or NULL when out of memory. The caller frees it with free(). */
size_t *mk__prof_order(const mk__prof *p, enum mk__sort key);

/* The text report (totals, then the top sites by key, each with its stack). top 0 means all. */
/* 1234567 -> "1,234,567" (DHAT's style) in buf, which holds at least 27 bytes; returns buf. */
const char *mk__fmt_count(char *buf, uint64_t v);

int mk__report_text(const mk__prof *p, FILE *out, enum mk__sort key, size_t top);

/* The "Advice" section: for each heavy site, the memkit remedy its figures point at, with the
 * figure that triggered it (thresholds in advice.c and docs/PROFILER.md). Needs the recorder's
 * extra figures (p->extra); says so when they are missing. */
int mk__report_advice(const mk__prof *p, FILE *out);

/* Folded stacks for flame graphs: one line per distinct stack of function names, outermost first,
 * with its total bytes. */
int mk__report_folded(const mk__prof *p, FILE *out);

/* The function part of a frame string "0x...: func (file:line)" as [*start, *start+*len). */
void mk__frame_func(const char *frame, const char **start, size_t *len);


/* Output formats chosen with --format (a comma-separated list of dhat, text, folded, html, pprof). */
enum { MK_OUT_DHAT = 1u, MK_OUT_TEXT = 2u, MK_OUT_FOLDED = 4u, MK_OUT_HTML = 8u, MK_OUT_PPROF = 16u };

/* Parses a --format list into *mask; returns 0, or -1 naming nothing (the caller reports). */
int mk__formats_parse(const char *list, unsigned *mask);

/* Parses a count (--top, --depth): decimal, no sign, at most max; returns 0 or -1. */
int mk__parse_count(const char *s, uint64_t max, uint64_t *out);

#endif
