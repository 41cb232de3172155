/* threads.c - 4 threads (one call site, so one site); thread i allocates 1000 blocks of 64 + i bytes, frees the even ones and
 * hands the odd ones to thread (i + 1) % 4, which frees them after a barrier (cross-thread frees);
 * thread 0 keeps 10 of what it receives. Known: tbk 4000, tb = 1000 * (64+65+66+67) = 262000,
 * frees 3990, t-end 10 blocks of 67 bytes (thread 3's blocks, received by thread 0). */
#include <pthread.h>
#include <stdlib.h>

#define N 1000
static void *handed[4][N / 2];
static pthread_barrier_t bar;
static void *kept[10];

static void *run(void *arg) {
    int i = (int)(long)arg;
    void *mine[N];
    for (int k = 0; k < N; k++) mine[k] = malloc(64 + (size_t)i);
    for (int k = 0; k < N; k += 2) free(mine[k]);
    for (int k = 1; k < N; k += 2) handed[i][k / 2] = mine[k];
    pthread_barrier_wait(&bar);
    int from = (i + 3) % 4;
    for (int k = 0; k < N / 2; k++) {
        if (i == 0 && k < 10) kept[k] = handed[from][k];
        else free(handed[from][k]);
    }
    return NULL;
}

int main(void) {
    pthread_t t[4];
    pthread_barrier_init(&bar, NULL, 4);
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    __asm__ volatile("" : : "r"(kept) : "memory");
    return 0;
}
