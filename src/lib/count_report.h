/* count_report.h - printing the stacks of a failed expectation (count.c). Internal. */
#ifndef MEMKIT_COUNT_REPORT_H
#define MEMKIT_COUNT_REPORT_H

#include <stdio.h>

#include "count_iface.h"

/* Which watch hits belong to an expectation: index > after_index, and, when asked, bytes or
 * balance after the allocation above a threshold. */
struct mk__report_filter {
    uint64_t after_index, after_bytes;
    int64_t after_balance;
    int use_bytes, use_balance;
};

__attribute__((visibility("hidden"))) int mk__report_keep(const struct mk__report_filter *k,
                                                          const struct mk__watch_hit *h);

/* Prints frames (return addresses) as "    #i function at file:line (module+0xoff)", one line per
 * frame and inlined call, leading frames of a sanitizer runtime dropped. Symbolizes through
 * addr2line (MEMKIT_ADDR2LINE names another, "none" turns it off) and falls back to dladdr's
 * symbol names. Allocates; never call it from a malloc hook or a signal handler. */
__attribute__((visibility("hidden"))) void mk__report_stack(FILE *out, void *const *frames, int n);

#endif
