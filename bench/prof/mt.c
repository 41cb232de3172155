/* mt.c - threads doing malloc/free pairs: each of T threads keeps a ring of 16 live blocks of
 * 16-271 bytes, and every pair allocates a block and frees the one it replaces in the ring. With
 * CROSS > 0, every CROSS-th pair hands the replaced block to a mailbox shared by all threads and
 * frees whatever block was there instead (usually another thread's), so some frees are of blocks
 * another thread allocated.
 * Usage: mt THREADS PAIRS_PER_THREAD [CROSS] (defaults 2, 1000000, 0). Prints a checksum. */
#define _GNU_SOURCE
#include <pthread.h>

#include "../common.h"

#define LIVE 16
static long pairs;
static int cross;
static void *mailbox;

static void *work(void *arg) {
    uint64_t rng = 0x5EED0700 + (uint64_t)(uintptr_t)arg, sum = 0;
    void *ring[LIVE] = {0};
    for (long i = 0; i < pairs; i++) {
        size_t size = 16 + (size_t)(splitmix64(&rng) & 255);
        unsigned char *p = malloc(size);
        if (!p) abort();
        p[0] = (unsigned char)i;
        void **slot = &ring[i % LIVE];
        void *old = *slot;
        *slot = p;
        if (!old) continue;
        sum += *(unsigned char *)old;
        if (cross && i % cross == 0) old = __atomic_exchange_n(&mailbox, old, __ATOMIC_ACQ_REL);
        free(old);
    }
    for (int i = 0; i < LIVE; i++) free(ring[i]);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    pairs = argc > 2 ? atol(argv[2]) : 1000000L;
    cross = argc > 3 ? atoi(argv[3]) : 0;
    if (threads < 1 || threads > 1024 || pairs < 1 || cross < 0) {
        fprintf(stderr, "usage: mt THREADS PAIRS_PER_THREAD [CROSS]\n");
        return 2;
    }
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    if (!t) return 1;
    for (int i = 1; i < threads; i++)
        if (pthread_create(&t[i], NULL, work, (void *)(uintptr_t)i) != 0) return 1;
    uint64_t sum = (uint64_t)(uintptr_t)work(NULL);
    for (int i = 1; i < threads; i++) {
        void *s;
        pthread_join(t[i], &s);
        sum += (uint64_t)(uintptr_t)s;
    }
    free(mailbox);
    free(t);
    printf("%lu\n", (unsigned long)sum);
    return 0;
}
