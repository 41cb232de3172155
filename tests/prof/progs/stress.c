/* stress.c - 4 threads share 4096 slots; each does 200000 random operations on random slots
 * (malloc into an empty slot, free, or realloc of a full slot), taking a slot's pointer with an
 * atomic exchange, so blocks are freed and reallocated by threads other than their allocator. At
 * the end everything is freed. Prints the number of blocks the program allocated by DHAT's rules
 * (mallocs + reallocs that returned a block) and the bytes; the profile must agree exactly and end
 * with nothing live. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 4096
#define OPS 200000
static void *slot[SLOTS];
static size_t slot_size[SLOTS];
static uint64_t blocks, bytes;

static uint64_t next(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void *run(void *arg) {
    uint64_t rng = (uint64_t)(uintptr_t)arg * 7919 + 1, nb = 0, nby = 0;
    for (int i = 0; i < OPS; i++) {
        uint64_t r = next(&rng);
        int s = (int)(r % SLOTS);
        size_t size = 1 + (size_t)((r >> 20) % 700);
        void *p = __atomic_exchange_n(&slot[s], (void *)1, __ATOMIC_ACQUIRE); /* 1: taken */
        if (p == (void *)1) continue; /* another thread holds it */
        if (!p) {
            p = malloc(size);
            nb++, nby += size;
            slot_size[s] = size;
        } else if ((r >> 40) & 1) {
            free(p);
            p = NULL;
        } else {
            void *q = realloc(p, size);
            if (q) {
                p = q;
                nb++, nby += size;
                slot_size[s] = size;
            }
        }
        __atomic_store_n(&slot[s], p, __ATOMIC_RELEASE);
    }
    __atomic_add_fetch(&blocks, nb, __ATOMIC_RELAXED);
    __atomic_add_fetch(&bytes, nby, __ATOMIC_RELAXED);
    return NULL;
}

int main(void) {
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < SLOTS; i++) free(slot[i]);
    printf("%lu %lu\n", (unsigned long)blocks, (unsigned long)bytes);
    return 0;
}
