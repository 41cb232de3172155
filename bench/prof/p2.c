/* p2.c - P2 grow: vectors of 8-byte elements grown by realloc doubling from 1 to 4096 elements
 * (13 reallocs each), filled, summed and freed; 16 vectors live at a time. Usage: p2 [vectors]. */
#include "../common.h"

__attribute__((noinline)) static uint64_t *grow(uint64_t *v, size_t cap) { return realloc(v, cap * sizeof *v); }

int main(int argc, char **argv) {
    long nvec = argc > 1 ? atol(argv[1]) : 600000L;
    uint64_t *live[16] = {0}, sum = 0;
    for (long k = 0; k < nvec; k++) {
        uint64_t *v = NULL;
        size_t cap = 0, n = 0;
        for (size_t i = 0; i < 4096; i++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1;
                uint64_t *nv = grow(v, cap);
                if (!nv) return 1;
                v = nv;
            }
            v[n++] = i ^ (uint64_t)k;
        }
        sum += v[k % 4096];
        free(live[k % 16]);
        live[k % 16] = v;
    }
    for (int i = 0; i < 16; i++) free(live[i]);
    printf("%lu\n", (unsigned long)sum);
    return 0;
}
