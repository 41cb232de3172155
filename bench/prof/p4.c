/* p4.c - P4 two threads, cross-thread frees: a producer allocates blocks of 16-512 bytes and
 * passes them through a single-producer single-consumer ring to a consumer that frees them.
 * Usage: p4 [blocks] (default 2M); waits yield, so the two threads also run on a busy machine. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "../common.h"

#define RING 4096
static void *ring[RING];
static volatile uint64_t head, tail; /* written by the producer / the consumer */
static long nblocks;

static void *consume(void *arg) {
    (void)arg;
    uint64_t sum = 0;
    for (long i = 0; i < nblocks; i++) {
        while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) == tail) sched_yield();
        char *p = ring[tail % RING];
        sum += (unsigned char)p[0];
        free(p);
        __atomic_store_n(&tail, tail + 1, __ATOMIC_RELEASE);
    }
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
    nblocks = argc > 1 ? atol(argv[1]) : 2000000L;
    pthread_t t;
    uint64_t rng = 3;
    pthread_create(&t, NULL, consume, NULL);
    for (long i = 0; i < nblocks; i++) {
        size_t size = 16 + (size_t)(splitmix64(&rng) % 497);
        char *p = malloc(size);
        if (!p) return 1;
        p[0] = (char)i;
        while (head - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= RING) sched_yield();
        ring[head % RING] = p;
        __atomic_store_n(&head, head + 1, __ATOMIC_RELEASE);
    }
    void *sum;
    pthread_join(t, &sum);
    printf("%lu\n", (unsigned long)(uintptr_t)sum);
    return 0;
}
