/* rawread.h - loads a raw profile (raw.h) into memory. Used by the analyzer and by the tests.
 * Internal; never installed. Lives with the analyzer, not in the preloaded recorder (it uses malloc). */
#ifndef MEMKIT_ANALYZER_RAWREAD_H
#define MEMKIT_ANALYZER_RAWREAD_H

#include <stddef.h>

#include "memkit/error.h"
#include "memkit/vec.h"
#include "../format/raw.h"

typedef struct mk__raw_site_rec {
    struct mk__raw_site s;
    const uint64_t *frames; /* s.nframes return addresses, innermost first (points into the file data) */
} mk__raw_site_rec;

typedef struct mk__raw_module_rec {
    struct mk__raw_module m;
    const char *path;
} mk__raw_module_rec;

MK_VEC_DEFINE(mk__raw_argv_vec, const char *)
MK_VEC_DEFINE(mk__raw_module_vec, mk__raw_module_rec)
MK_VEC_DEFINE(mk__raw_site_vec, mk__raw_site_rec)

typedef struct mk__raw_profile {
    struct mk__raw_header header;
    struct mk__raw_totals totals;
    const char **argv;  /* argc strings (argv_.data) */
    size_t argc;
    mk__raw_module_rec *modules; /* modules_.data */
    size_t nmodules;
    mk__raw_site_rec *sites;     /* sites_.data */
    size_t nsites;
    /* Private: the vectors that own the arrays above, and the file's bytes that they point into. */
    mk__raw_argv_vec argv_;
    mk__raw_module_vec modules_;
    mk__raw_site_vec sites_;
    void *data_;
} mk__raw_profile;

/* Reads and validates the raw profile at path. On failure returns an mk_err and writes a message
 * that names the path and the problem into err[0..errlen). The caller frees with mk__raw_free. */
mk_err mk__raw_load(const char *path, mk__raw_profile *out, char *err, size_t errlen);

/* As mk__raw_load, from bytes in memory (the profile takes ownership of data, a malloc'ed buffer). */
mk_err mk__raw_parse(void *data, size_t len, mk__raw_profile *out, char *err, size_t errlen);

/* Frees what mk__raw_load or mk__raw_parse made (also after a failure) and zeroes p. */
void mk__raw_free(mk__raw_profile *p);

#endif
