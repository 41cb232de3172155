/* state.h - the recorder's shared state file: what libmemkit-prof.so keeps in a file-backed shared
 * mapping while the program runs, and what memkit (run, snapshot, top) reads from it, during the
 * run or after the program died. Internal; never installed. Design: docs/RECORDER-STATE.md.
 *
 * The file has two parts. At offset 0, the recorder's globals (page aligned, hdr_rec_size bytes),
 * starting with struct mk__state_hdr. At offset rec_size, the region: memory the recorder hands out
 * for sites, the site pointer array, modules, the command line, the timeline and the detailed
 * points; region_addr is where it is mapped in the writer, so a writer pointer p is at file offset
 * rec_size + (p - region_addr). A reader must check every pointer against that range and every
 * count against the bytes it has, and may find the last event of each thread half applied.
 *
 * The layout describes itself: the header lists the offset and size of every global figure in the
 * first part and of every field of a site record, so the recorder's structs can change without a
 * new version. MK_STATE_VERSION changes only when the meaning of something here changes. Integers
 * are the machine's (little-endian x86-64).
 */
#ifndef MEMKIT_FORMAT_STATE_H
#define MEMKIT_FORMAT_STATE_H

#include <stdint.h>

#define MK_STATE_MAGIC "MKSTATE\x00" /* 8 bytes */
#define MK_STATE_VERSION 1u
#define MK_STATE_TIMELINE 1024 /* timeline points kept (decimated to half when full) */
#define MK_STATE_DETAILED 64   /* detailed points kept (likewise) */
#define MK_STATE_DETAIL_MAX 8192 /* site entries per detailed point: the largest ones */
#define MK_STATE_SNAP_AT 8     /* --snapshot-at thresholds */

enum mk__state_status {
    MK_STATE_RUNNING = 0, /* the writer has not finished: still running, or it died */
    MK_STATE_EXIT = 1,    /* finished at a normal exit (exit, return from main, last thread) */
    MK_STATE__EXIT = 2,   /* finished in _exit or _Exit */
};

enum mk__state_flags {
    MK_STATE_INCOMPLETE = 1u << 0, /* tmpfs refused memory: some sites live only in private memory */
};

/* The globals a reader needs, by index into mk__state_hdr.global. */
enum mk__state_global {
    MK_SG_FLAGS, MK_SG_DEPTH, MK_SG_SAMPLE, MK_SG_PID, MK_SG_PPID, MK_SG_TSC0, MK_SG_NS0, MK_SG_TICKS_PER_US,
    MK_SG_LIVE_BYTES, MK_SG_LIVE_BLOCKS, MK_SG_MAX_BYTES, MK_SG_MAX_BLOCKS, MK_SG_TGMAX_TSC, MK_SG_PEAK_SEQ,
    MK_SG_UNKNOWN_FREES, MK_SG_THREADS, MK_SG_NSITES, MK_SG_SITES, MK_SG_UNS_TB, MK_SG_UNS_TBK, MK_SG_UNS_FREES,
    MK_SG_N
};

/* The fields of a site record, by index into mk__state_hdr.site. */
enum mk__state_site {
    MK_SS_TB, MK_SS_TBK, MK_SS_TL, MK_SS_MB, MK_SS_MBK, MK_SS_GB, MK_SS_GBK, MK_SS_LIVE, MK_SS_LIVEK,
    MK_SS_BIRTH_SUM, MK_SS_TEMPORARY, MK_SS_SHORT_LIVED, MK_SS_REALLOCS, MK_SS_MAX_CHAIN, MK_SS_MIN_SIZE,
    MK_SS_MAX_SIZE, MK_SS_SMALL, MK_SS_RAW_TB, MK_SS_RAW_TBK, MK_SS_RAW_FREES, MK_SS_RAW_REALLOCS, MK_SS_SEQ,
    MK_SS_NFRAMES, MK_SS_KIND, MK_SS_FRAMES, MK_SS_N
};

struct mk__state_field {
    uint32_t off, size; /* size 4 or 8 (MK_SS_FRAMES: 8, the first frame) */
};

/* One timeline point: a clock reading and the figures then. */
struct mk__state_point {
    uint64_t tsc, live_bytes, live_blocks, total_bytes;
};

/* One detailed point: the live bytes of (the largest) sites at one instant. seq is odd while the
 * writer fills the slot; entries (n of them, cap allocated) are a region pointer. */
struct mk__state_detail {
    uint64_t seq, tsc, entries, live_bytes;
    uint32_t n, cap;
};

struct mk__state_entry {
    uint32_t site, pad_;
    uint64_t live;
};

struct mk__state_hdr {
    char magic[8];
    uint32_t version;      /* MK_STATE_VERSION */
    uint32_t hdr_size;     /* sizeof(struct mk__state_hdr) as the writer knew it */
    uint32_t status;       /* enum mk__state_status */
    uint32_t state_flags;  /* enum mk__state_flags */
    uint64_t gen;          /* odd while the writer changes the timeline, a detailed slot or the modules */
    uint64_t rec_size;     /* bytes of the first part; the region's file offset */
    uint64_t rec_addr;     /* the first part's address in the writer */
    uint64_t region_addr;  /* the region's address in the writer */
    uint64_t region_cap;   /* bytes reserved */
    uint64_t region_used;  /* bytes of the region a reader copies (allocated ranges lie below it) */
    uint32_t site_size;    /* bytes of a site record without its frames */
    uint32_t nglobal, nsite; /* entries used in the tables below */
    uint32_t pad_;
    struct mk__state_field global[MK_SG_N];
    struct mk__state_field site[MK_SS_N];
    /* clock: the end calibration (status != RUNNING) */
    uint64_t end_tsc, end_ns;
    /* the module list (a sequence of raw.h MK_RAW_MODULE records) and the command line (argv
     * strings, each NUL-terminated): region pointers and lengths */
    uint64_t mods_ptr, mods_len, cmd_ptr, cmd_len;
    /* the timeline: tl_n points at tl_ptr (a region pointer to MK_STATE_TIMELINE points) */
    uint64_t tl_ptr, tl_n, tl_interval, tl_next;
    uint64_t dt_n, dt_interval, dt_next;
    struct mk__state_detail dt[MK_STATE_DETAILED];
    /* --snapshot-at: thresholds in bytes, ascending; snap_hit of them were crossed, snap_seq counts
     * crossings (memkit run polls it) */
    uint64_t snap_at[MK_STATE_SNAP_AT];
    uint32_t nsnap_at, snap_hit;
    uint64_t snap_seq;
    uint64_t recorder_bytes; /* the recorder's own memory at the last timeline point */
    uint64_t lost_sites;     /* sites kept in private memory (tmpfs refused) */
};

#endif
