/* realloc.c - realloc chains with known counts (DHAT's rules: every realloc call is one more block
 * on the original site; the block keeps its birth).
 *   grow(): malloc(10) -> 20 -> 40 -> 80 -> shrink to 30 -> free: tb 180, tbk 5, max_chain 4
 *   leak(): realloc(NULL, 50), kept: tb 50, tbk 1, eb 50
 *   arr():  reallocarray(NULL, 6, 11) = 66, then reallocarray(p, 12, 11) = 132, freed
 *   zero(): malloc(60), then realloc(p, 0), which frees it (glibc, and valgrind 3.19's DHAT too)
 */
#define _GNU_SOURCE
#include <stdlib.h>

static void *keep;
static void *volatile null_ptr; /* keeps realloc(NULL, n) a realloc call */

__attribute__((noinline)) static void grow(void) {
    char *p = malloc(10);
    p = realloc(p, 20);
    p = realloc(p, 40);
    p = realloc(p, 80);
    p = realloc(p, 30);
    free(p);
}

__attribute__((noinline)) static void leak(void) { keep = realloc(null_ptr, 50); }

__attribute__((noinline)) static void arr(void) {
    void *p = reallocarray(null_ptr, 6, 11);
    p = reallocarray(p, 12, 11);
    free(p);
}

void *volatile sink;

__attribute__((noinline)) static void zero(void) {
    void *p = malloc(60);
    sink = p;
    sink = realloc(p, 0);
}

int main(void) {
    zero();
    grow();
    leak();
    arr();
    return 0;
}
