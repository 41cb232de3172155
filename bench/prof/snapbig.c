/* snapbig.c - a program for the cost of `memkit snapshot`: 10,000 distinct allocation sites (14
 * levels of recursion, each through one of two call sites, so every pattern is its own stack) hold
 * a million live blocks; then it churns malloc/free pairs for argv[1] seconds, printing how many
 * pairs it did in each 100 ms window, so a pause caused by a reader would show as a slow window. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SITES 10000
#define PER_SITE 100

static void **blocks;
static void *volatile sink;
static size_t nblocks;

static __attribute__((noinline)) void rec(int level, unsigned bits);
static __attribute__((noinline)) void left(int level, unsigned bits) { rec(level, bits); __asm__ volatile(""); }
static __attribute__((noinline)) void right(int level, unsigned bits) { rec(level, bits); __asm__ volatile(""); }

static __attribute__((noinline)) void rec(int level, unsigned bits) {
    if (level == 14) {
        for (int i = 0; i < PER_SITE; i++) blocks[nblocks++] = malloc(64);
        return;
    }
    if (bits >> level & 1) left(level + 1, bits);
    else right(level + 1, bits);
    __asm__ volatile("");
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 5;
    blocks = malloc(sizeof *blocks * SITES * PER_SITE);
    for (unsigned s = 0; s < SITES; s++) rec(0, s);
    printf("ready %zu\n", nblocks);
    fflush(stdout);
    double t0 = now(), w = t0;
    long pairs = 0;
    while (now() - t0 < secs) {
        for (int i = 0; i < 1000; i++) {
            sink = malloc(48 + (i & 63));
            free(sink);
        }
        pairs += 1000;
        double t = now();
        if (t - w >= 0.1) {
            printf("%.3f %ld\n", t - t0, pairs);
            fflush(stdout);
            pairs = 0;
            w = t;
        }
    }
    return 0;
}
