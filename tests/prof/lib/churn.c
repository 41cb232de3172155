/* churn.c - the library tests/prof/progs/dlchurn.c loads and unloads: one function that allocates,
 * built without frame pointers as most libraries are, so only its CFI unwinds it. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *churn_inner(size_t n) {
    char *p = malloc(n);
    if (p) memset(p, 1, n);
    return p;
}

void *churn_alloc(size_t n) {
    void *p = churn_inner(n);
    __asm__ volatile("" ::: "memory"); /* no tail call: this frame stays on the stack */
    return p;
}
