/* ending.c - a program whose allocations are known, ending the way argv[1] says.
 *
 * It allocates KEEP blocks of 100 bytes (kept) and FREED blocks of 200 bytes (freed), writes
 * "ready <pid>\n" to stdout with write(2) (no stdio buffer on the heap), then:
 *   exit     returns from main           _exit   _exit(3)
 *   kill     raise(SIGKILL)              segv    writes through a null pointer
 *   abort    abort()                     double  frees a block twice (glibc aborts)
 *   wait     blocks reading stdin (the test kills it from outside, or closes stdin: exit 0)
 *   threads  two more threads allocate THREAD_KEEP blocks of 64 bytes each, then wait
 *   fork     a child allocates 300 blocks of 32 bytes and raises SIGKILL; the parent waits for it
 *   grow     grows steadily: a leaking site, a cache that frees some of its entries, churn
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP 1000
#define FREED 500
#define THREAD_KEEP 400

static void *keep[KEEP];

static void say_ready(void) {
    char buf[64];
    int n = snprintf(buf, sizeof buf, "ready %d\n", (int)getpid());
    if (write(1, buf, (size_t)n) != n) _exit(9);
}

static void *thread_main(void *arg) {
    void **mine = arg;
    for (int i = 0; i < THREAD_KEEP; i++) mine[i] = malloc(64);
    return NULL;
}

static __attribute__((noinline)) void *leak_site(size_t n) { return malloc(n); }
static __attribute__((noinline)) void *cache_site(size_t n) { return malloc(n); }
static __attribute__((noinline)) void *churn_site(size_t n) { return malloc(n); }

static volatile unsigned sink;

static void grow(void) {
    static void *cache[20000];
    int nc = 0;
    for (int i = 0; i < 20000; i++) {
        void *l = leak_site(64);
        memset(l, i, 64);
        cache[nc++] = cache_site(128);
        if (i % 4 == 3) free(cache[--nc - 1]), cache[nc - 1] = cache[nc]; /* evicts some, not enough */
        void *c = churn_site(256);
        memset(c, 1, 256);
        free(c);
        for (unsigned k = 0; k < 2000; k++) sink += k * (unsigned)i; /* work between allocations */
    }
}

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "exit";
    if (!strcmp(how, "fork")) {
        pid_t c = fork();
        if (c == 0) {
            for (int i = 0; i < 300; i++) keep[i] = malloc(32);
            raise(SIGKILL);
        }
        int st;
        waitpid(c, &st, 0);
    }
    if (!strcmp(how, "grow")) {
        grow();
        say_ready();
        return 0;
    }
    for (int i = 0; i < KEEP; i++) keep[i] = malloc(100);
    for (int i = 0; i < FREED; i++) free(malloc(200));
    if (!strcmp(how, "threads")) {
        static void *a[THREAD_KEEP], *b[THREAD_KEEP];
        pthread_t t1, t2;
        pthread_create(&t1, NULL, thread_main, a);
        pthread_create(&t2, NULL, thread_main, b);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        how = "wait";
    }
    say_ready();
    if (!strcmp(how, "kill")) raise(SIGKILL);
    if (!strcmp(how, "segv")) *(volatile int *)(argv[2]) = 1; /* argv[2] is NULL */
    if (!strcmp(how, "abort")) abort();
    if (!strcmp(how, "double")) {
        void *p = malloc(24);
        free(p);
        free(p);
    }
    if (!strcmp(how, "_exit")) _exit(3);
    if (!strcmp(how, "wait")) {
        char c;
        while (read(0, &c, 1) > 0) {}
    }
    return 0;
}
