/* foreign.c - frees 4 blocks the recorder never saw (taken from glibc's __libc_malloc directly, as
 * memory allocated before the recorder loaded would be): they change nothing and are counted as
 * unknown frees. Its own allocations: 2 blocks of 77, freed. */
#include <stdlib.h>

extern void *__libc_malloc(size_t);

/* Stores through a volatile pointer keep the compiler from eliding malloc/free pairs. */
void *volatile sink;

int main(void) {
    void *x[4];
    for (int i = 0; i < 4; i++) x[i] = __libc_malloc(1000);
    void *a = malloc(77), *b = malloc(77);
    sink = a;
    sink = b;
    for (int i = 0; i < 4; i++) free(x[i]);
    free(a);
    free(b);
    return 0;
}
