/* reallocs.c - deterministic: every allocation function and realloc's corner cases (realloc(NULL),
 * shrinking, growing in place or moving, realloc to 0 is avoided: glibc frees and DHAT's accounting
 * of it differs by version). Compared with valgrind's DHAT by the analyzer suite. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *chain(int steps) {
    char *p = realloc(NULL, 8); /* SITE:chain_start */
    for (int i = 1; p && i <= steps; i++) {
        char *q = realloc(p, (size_t)8 << i); /* SITE:chain_grow */
        if (!q) break;
        p = q;
        p[0] = (char)i;
    }
    return p;
}

__attribute__((noinline)) static void *aligned(void) {
    void *p = NULL;
    if (posix_memalign(&p, 64, 200) != 0) return NULL; /* SITE:posix_memalign */
    void *q = memalign(128, 300); /* SITE:memalign */
    void *r = aligned_alloc(32, 96); /* SITE:aligned_alloc */
    free(q);
    free(r);
    return p;
}

__attribute__((noinline)) static char *dup(const char *s) {
    return strdup(s); /* SITE:strdup */
}

char *volatile sink[2]; /* keeps the leaks observable: the compiler may drop an unused strdup */

int main(void) {
    char *a = chain(6);
    char *b = chain(3);
    b = realloc(b, 4); /* SITE:shrink */
    void *c = aligned();
    char *d = dup("a string that is longer than twenty-four bytes");
    int *e = calloc(10, sizeof *e); /* SITE:calloc */
    free(a);
    free(c);
    free(e);
    sink[0] = b; /* b and d leak */
    sink[1] = d;
    return 0;
}
