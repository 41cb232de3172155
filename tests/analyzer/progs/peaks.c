/* peaks.c - deterministic: two equal global peaks (DHAT takes the later one), a site whose own
 * peak is not at the global peak, many small temporary blocks, and a leak. */
#include <stdlib.h>

__attribute__((noinline)) static void *big(size_t n) {
    return malloc(n); /* SITE:big */
}

__attribute__((noinline)) static void *small(size_t n) {
    return malloc(n); /* SITE:small */
}

void *volatile sink;

int main(void) {
    void *x = big(1000);
    free(x);
    for (int i = 0; i < 100; i++) { /* temporaries: freed before the next allocation */
        void *t = small(16);
        free(t);
    }
    void *parts[10];
    for (int i = 0; i < 10; i++) parts[i] = small(100); /* 1000 live: the second, equal, peak */
    for (int i = 0; i < 10; i++) free(parts[i]);
    void *leak = big(50);
    sink = leak;
    return 0;
}
