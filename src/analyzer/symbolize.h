/* symbolize.h - turns return addresses of a raw profile into frame strings, with elfutils' libdw.
 *
 * One symbolizer per raw profile: the modules of the profile are reported to libdw at their load
 * bias and looked up offline (the program need not be running). An address may expand to several
 * frames (inlined calls), innermost first. Results are cached per address, so a profile with
 * millions of identical frames costs one lookup per distinct address. Internal; not thread-safe.
 */
#ifndef MEMKIT_CLI_SYMBOLIZE_H
#define MEMKIT_CLI_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#include "rawread.h"

typedef struct mk__symtab mk__symtab;

/* One symbolized frame. Strings live as long as the symbolizer. */
typedef struct mk__symtab_frame {
    uint64_t addr;        /* the return address as recorded */
    const char *func;     /* function name (demangled when possible) or NULL */
    const char *file;     /* source file (as in the debug info) or NULL */
    unsigned line;        /* 0 when unknown */
    const char *module;   /* path of the object the address lies in, or NULL */
    int recorder;         /* lies in the recorder (libmemkit-prof.so): the analyzer drops it */
    int alloc;            /* the function is an allocation entry point (malloc, calloc, ...) */
    long user;            /* -1 when first returned; the caller may keep its own index here */
} mk__symtab_frame;

/* Creates a symbolizer for the modules of p (p must outlive it). Returns NULL when out of memory. */
mk__symtab *mk__symtab_new(const mk__raw_profile *p);

/* Symbolizes addr: sets *out to an array of *n frames (innermost inlined frame first), valid until
 * mk__symtab_free. Never fails: an unknown address yields one frame with func NULL. */
void mk__symtab_lookup(mk__symtab *s, uint64_t addr, mk__symtab_frame **out, size_t *n);

void mk__symtab_free(mk__symtab *s);

#endif
