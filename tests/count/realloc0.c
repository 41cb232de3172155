/* realloc0.c - realloc(p, 0) frees p (glibc returns NULL): the counting API must see one free and
 * the block's bytes leave the balance, under libmemkit-count and under the recorder alike. Prints
 * one line of figures and exits 0 when they are right, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>

#include "memkit/count.h"

static void *volatile sink;

int main(void) {
    if (!mk_count_available()) {
        printf("counting unavailable: %s\n", mk_count_unavailable_reason());
        return 1;
    }
    mk_count_region r;
    struct mk_count_stats d;
    void *p = malloc(100);
    sink = p;
    mk_count_region_begin(&r);
    void *q = realloc(p, 0);
    sink = q;
    mk_count_region_end(&r, &d);
    printf("realloc(p, 0) returned %s: allocs %llu, frees %llu, reallocs %llu, bytes freed %llu\n",
           q ? "a block" : "NULL", (unsigned long long)d.allocs, (unsigned long long)d.frees,
           (unsigned long long)d.reallocs, (unsigned long long)d.bytes_freed);
    if (q) { /* not glibc's behaviour: nothing to check */
        free(q);
        return 2;
    }
    return d.frees == 1 && d.allocs == 0 && d.reallocs == 0 && d.bytes_freed >= 100 ? 0 : 1;
}
