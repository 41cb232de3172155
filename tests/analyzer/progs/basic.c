/* basic.c - a deterministic single-threaded program with known allocation sites, for the analyzer's
 * tests: the synthetic raw profiles point at its call sites, and the DHAT comparison runs it for
 * real. Each allocating line carries a SITE marker that the tests look up to know the true line.
 * Keep it free of stdio before exit (stdio buffers would add a libc site). */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *make_buf(size_t n) {
    char *p = malloc(n); /* SITE:make_buf */
    if (p) memset(p, 'x', n);
    return p;
}

__attribute__((noinline)) static int *make_zeroed(size_t n) {
    int *p = calloc(n, sizeof(int)); /* SITE:make_zeroed */
    if (p) p[n - 1] = 7;
    return p;
}

static inline __attribute__((always_inline)) void *inlined_alloc(size_t n) {
    char *p = malloc(n); /* SITE:inlined_alloc */
    if (p) p[0] = 1;
    return p;
}

__attribute__((noinline)) static void *via_inline(size_t n) {
    char *p = inlined_alloc(n); /* SITE:via_inline_call */
    if (p) p[n - 1] = 2;
    return p;
}

__attribute__((noinline)) static char *grow(void) {
    char *p = NULL;
    for (size_t n = 16; n <= 1024; n *= 2) {
        char *q = realloc(p, n); /* SITE:grow */
        if (!q) break;
        p = q;
        p[n - 1] = 1;
    }
    return p;
}

int main(int argc, char **argv) {
    (void)argv;
    int rounds = argc > 5 ? 1 : 10;
    for (int i = 0; i < rounds; i++) {
        char *b = make_buf(100); /* SITE:main_make_buf */
        free(b);
    }
    int *z = make_zeroed(50); /* SITE:main_make_zeroed */
    void *v = via_inline(64); /* SITE:main_via_inline */
    char *g = grow(); /* SITE:main_grow */
    char *leak = make_buf(333); /* SITE:main_leak */
    (void)leak;
    free(z);
    free(v);
    free(g);
    return 0;
}
