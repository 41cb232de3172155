/* common.h - what every memkit benchmark shares: the workloads' random numbers, a clock, RSS, and
 * the medians and ratios that WORKLOADS.md asks for. The driver that runs contenders in interleaved
 * rounds of processes is driver.h.
 */
#ifndef MEMKIT_BENCH_COMMON_H
#define MEMKIT_BENCH_COMMON_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Peak resident set size of this process in bytes (VmHWM), or 0. */
static inline uint64_t peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lu kB", (unsigned long *)&kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

/* Keeps a value alive so the compiler cannot drop the work that made it. */
#define BENCH_MAXR 64 /* rounds a benchmark keeps figures for */

#define BENCH_KEEP(x) __asm__ volatile("" : : "g"(x) : "memory")

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values (sorts a copy). */
static inline double bench_median(const double *v, int n) {
    double tmp[256];
    if (n <= 0 || n > 256) return 0;
    memcpy(tmp, v, sizeof(double) * (size_t)n);
    qsort(tmp, (size_t)n, sizeof(double), bench_cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static inline double bench_min(const double *v, int n) {
    double m = v[0];
    for (int i = 1; i < n; i++) m = v[i] < m ? v[i] : m;
    return m;
}

static inline double bench_max(const double *v, int n) {
    double m = v[0];
    for (int i = 1; i < n; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/* Median of the per-round ratios v[i] / ref[i]. */
static inline double bench_ratio(const double *v, const double *ref, int n) {
    double r[256];
    for (int i = 0; i < n && i < 256; i++) r[i] = ref[i] > 0 ? v[i] / ref[i] : 0;
    return bench_median(r, n);
}

/* This program's own path (for re-running itself as a contender), in buf; 0 if unknown. */
static inline int bench_self_exe(char *buf, size_t n) {
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0) return 0;
    buf[len] = '\0';
    return 1;
}

#endif
