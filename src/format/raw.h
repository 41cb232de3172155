/* raw.h - the raw profile: what the recorder (libmemkit-prof.so) writes at exit and the analyzer
 * (memkit run / memkit report) reads. Internal; never installed.
 *
 * A raw profile is a sequence of records, each an 8-byte record header {u32 tag, u32 payload length
 * in bytes} followed by the payload, padded with zeros to a multiple of 8. The file starts with a
 * MK_RAW_HEADER record and ends with a MK_RAW_END record (a file without it was cut short and is
 * rejected). A reader skips records whose tag it does not know, so fields are added by adding tags
 * or by growing a payload at its end (the payload length says how much a writer wrote; a reader
 * takes the fields it knows and zero for the ones the writer did not write). Integers are the
 * machine's (little-endian x86-64); the version changes only on an incompatible change.
 *
 * Sizes and counts are u64. Times are in microseconds since the recorder started (DHAT's "tu").
 */
#ifndef MEMKIT_PROF_RAW_H
#define MEMKIT_PROF_RAW_H

#include <stdint.h>

#define MK_RAW_MAGIC "MKPROF\x01\x00" /* 8 bytes: the payload of MK_RAW_HEADER starts with it */
#define MK_RAW_VERSION 1u

enum mk__raw_tag {
    MK_RAW_HEADER = 1, /* struct mk__raw_header */
    MK_RAW_CMD = 2,    /* the command line: argv strings, each NUL-terminated */
    MK_RAW_MODULE = 3, /* struct mk__raw_module, then the path (NUL-terminated) */
    MK_RAW_SITE = 4,   /* struct mk__raw_site, then nframes u64 return addresses */
    MK_RAW_TOTALS = 5, /* struct mk__raw_totals */
    MK_RAW_END = 6,    /* no payload */
};

enum mk__raw_flags {
    MK_RAW_SAMPLED = 1u << 0, /* stacks for a byte-sampled subset; per-site figures are scaled */
    MK_RAW_CHILD = 1u << 1,   /* written by a child that --follow-fork followed */
    MK_RAW_TRUNCATED = 1u << 2, /* the recorder ran out of its own memory and stopped recording */
};

struct mk__raw_record {
    uint32_t tag;
    uint32_t len;
};

struct mk__raw_header {
    char magic[8];         /* MK_RAW_MAGIC */
    uint32_t version;      /* MK_RAW_VERSION */
    uint32_t flags;        /* enum mk__raw_flags */
    uint64_t pid, ppid;
    uint64_t sample_bytes; /* 0: a stack for every allocation */
    uint64_t max_depth;    /* frames kept per stack */
    uint64_t t_end;        /* DHAT te: time of the end snapshot */
    uint64_t t_gmax;       /* DHAT tg: time of the global peak (the latest of equal peaks) */
};

/* A loaded object at the time the profile was written (from dl_iterate_phdr). An address a belongs
 * to it when start <= a < end; its file offset for symbolization is a - bias. */
struct mk__raw_module {
    uint64_t start, end;   /* lowest and highest address of its PT_LOAD segments */
    uint64_t bias;         /* dlpi_addr: the load bias */
    uint32_t build_id_len; /* bytes used in build_id (0: none) */
    uint32_t path_len;     /* bytes of the path that follows, NUL included */
    uint8_t build_id[40];
};

/* One allocation site: a distinct stack and what the blocks allocated there did. Accounting follows
 * valgrind's DHAT (src/recorder/README.md lists the rules; realloc is a new block on the original
 * block's site). */
struct mk__raw_site {
    uint64_t tb, tbk;     /* total bytes / blocks allocated here */
    uint64_t tl;          /* sum of block lifetimes (blocks live at exit count up to t_end) */
    uint64_t mb, mbk;     /* live bytes / blocks the last time an allocation here reached a global peak
                             (DHAT's definition; the site's own maximum can be higher) */
    uint64_t gb, gbk;     /* live bytes / blocks at the global peak */
    uint64_t eb, ebk;     /* live bytes / blocks at exit */
    uint64_t temporary;   /* blocks freed before their thread allocated anything else (heaptrack) */
    uint64_t short_lived; /* blocks that lived less than MK_RAW_SHORT_LIVED_US */
    uint64_t reallocs;    /* realloc calls that moved or resized a block of this site */
    uint64_t max_chain;   /* the most reallocs one block went through */
    uint64_t min_size, max_size; /* smallest and largest block (requested sizes) */
    uint64_t small;       /* blocks of at most 24 bytes */
    uint32_t nframes;     /* return addresses that follow, innermost (the allocating call) first */
    uint32_t kind;        /* the first allocation function seen here: enum mk__raw_fn */
};

#define MK_RAW_SHORT_LIVED_US 10 /* DHAT's tuth as dhat-rs sets it */

/* A site's kind: the allocation function of its first block. MK_FN_CUSTOM: a block a custom
 * allocator reported through memkit/prof.h (inside memory the allocator got elsewhere). */
enum mk__raw_fn { MK_FN_MALLOC, MK_FN_CALLOC, MK_FN_REALLOC, MK_FN_MEMALIGN, MK_FN_OTHER, MK_FN_CUSTOM };
#define MK_FN_LAST MK_FN_CUSTOM

/* Process totals: exact even when stacks are sampled. */
struct mk__raw_totals {
    uint64_t tb, tbk;        /* everything allocated (DHAT "Total") */
    uint64_t gb, gbk;        /* live at the global peak (DHAT "At t-gmax") */
    uint64_t eb, ebk;        /* live at exit (DHAT "At t-end") */
    uint64_t frees;          /* free calls on known blocks (free(NULL) not counted) */
    uint64_t unknown_frees;  /* frees of pointers the recorder never saw: they change nothing */
    uint64_t reallocs;       /* realloc calls */
    uint64_t threads;        /* threads that allocated */
    uint64_t recorder_bytes; /* memory the recorder itself mapped for its tables */
};

#endif
