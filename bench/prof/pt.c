/* pt.c - threads doing malloc/free pairs (16 live blocks per thread, sizes 16-271 bytes):
 * pt THREADS PAIRS_PER_THREAD. The recorder's multi-threaded cost (issue 14's first rows). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
static long pairs;
static void *run(void *arg) {
    (void)arg;
    void *live[16] = {0};
    unsigned x = 12345;
    for (long i = 0; i < pairs; i++) {
        x = x * 1103515245 + 12345;
        int k = (x >> 8) & 15;
        free(live[k]);
        live[k] = malloc(16 + ((x >> 12) & 255));
    }
    for (int k = 0; k < 16; k++) free(live[k]);
    return NULL;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2;
    pairs = argc > 2 ? atol(argv[2]) : 1000000;
    pthread_t t[256];
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, run, NULL);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    return 0;
}
