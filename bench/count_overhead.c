/* count_overhead.c - what the counting layer (libmemkit-count.a) adds to a malloc/free pair.
 *
 * The same program is built twice, plain and linked with libmemkit-count.a; each process times
 * N malloc/free pairs of 8..256 bytes (a few kept live at once, as real code does) and prints
 * ns per pair. count_overhead.sh runs the two interleaved and prints the table.
 */
#include "common.h"

#define LIVE 64

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    static uint32_t sizes[1 << 16];
    uint64_t seed = 0x5EED00C0;
    for (int i = 0; i < (1 << 16); i++) sizes[i] = 8 + (uint32_t)(splitmix64(&seed) % 249);
    void *live[LIVE] = {0};
    /* warm up the heap's caches, then time */
    for (long i = 0; i < 1000000; i++) {
        free(live[i % LIVE]);
        live[i % LIVE] = malloc(sizes[i & 0xffff]);
    }
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        size_t k = (size_t)i % LIVE;
        free(live[k]);
        char *p = malloc(sizes[i & 0xffff]);
        p[0] = (char)i;
        live[k] = p;
    }
    uint64_t t1 = now_ns();
    for (int i = 0; i < LIVE; i++) free(live[i]);
    printf("%.3f\n", (double)(t1 - t0) / (double)n);
    return 0;
}
