/* peaks.c - two global peaks of equal bytes and different block counts: one block of 100000 bytes,
 * freed, then two of 50000 live at once. DHAT's rule keeps the latest of equal peaks, so t-gmax must
 * show the two blocks. "mt": after a thread was created (every later event takes the recorder's
 * multi-threaded path); "st": single-threaded (with --sample, the inline fast path). Ends with
 * _exit after freeing the blocks, so what is live at t-end is what was live before the peaks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *nothing(void *arg) { return arg; }

static __attribute__((noinline)) void *one(size_t n) { return malloc(n); }
static __attribute__((noinline)) void *two(size_t n) { return malloc(n); }

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "mt")) {
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    void *a = one(100000);
    free(a);
    void *b = two(50000), *c = two(50000);
    free(b);
    free(c);
    _exit(0);
}
