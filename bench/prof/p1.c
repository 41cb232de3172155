/* p1.c - P1 churn: malloc/free pairs of 8-256 bytes from 10 call sites at stack depths 3 to 12.
 * Each pair allocates at one site (chosen at random), writes the block, and frees the block
 * allocated 64 pairs earlier, so about 64 blocks are live. Usage: p1 [pairs] (default 20M). */
#include "../common.h"

#define RING 64
static void *ring[RING];
static uint64_t rng = 42;

/* Recurses d more levels, then allocates: each depth is its own call stack, so its own site. */
__attribute__((noinline)) static void *descend(int d, size_t size) {
    if (d > 0) {
        void *p = descend(d - 1, size);
        BENCH_KEEP(p);
        return p;
    }
    char *p = malloc(size);
    p[0] = (char)size;
    return p;
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 20000000L;
    uint64_t sum = 0;
    for (long i = 0; i < pairs; i++) {
        uint64_t r = splitmix64(&rng);
        int site = (int)(r % 10);
        size_t size = 8 + (size_t)((r >> 8) % 249);
        char *p = descend(site + 1, size); /* main + descend x (site + 2): depths 3..12 */
        void **slot = &ring[i % RING];
        if (*slot) sum += *(unsigned char *)*slot;
        free(*slot);
        *slot = p;
    }
    for (int i = 0; i < RING; i++) free(ring[i]);
    printf("%lu\n", (unsigned long)sum);
    return 0;
}
