/* many.c - 100000 blocks of 32 bytes from one site, all live at once, then freed: the sampled
 * estimate of the site's block count must come out near 100000. */
#include <stdlib.h>

#define N 100000
static void *p[N];

__attribute__((noinline)) static void *one(void) { return malloc(32); }

int main(void) {
    for (int i = 0; i < N; i++) p[i] = one();
    for (int i = 0; i < N; i++) free(p[i]);
    return 0;
}
