/* common.h - what every memkit benchmark shares: the workloads' random numbers, a clock, RSS, and
 * the median/ratio table that WORKLOADS.md asks for.
 *
 * A benchmark runs each contender in its own process (so RSS and page faults are its own), in
 * interleaved rounds A B C A B C ..., collects one figure per round, and prints medians, min-max and
 * the median of the per-round ratios against the reference row. Output is a Markdown table that
 * docs/BENCHMARKS.md quotes as is.
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

/* The no-argument mode of a table-printing benchmark: runs table(out, rounds, self, rust) with
 * $<rounds_env> rounds (default 7), prints the Markdown and writes it to result_path as well. */
static inline int bench_table_main(int (*table)(FILE *, int, const char *, const char *), const char *rounds_env,
                                   const char *self, const char *rust, const char *result_path) {
    const char *env = getenv(rounds_env);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return 2;
    int rc = table(mem, env ? atoi(env) : 7, self, rust);
    fclose(mem);
    fwrite(text, 1, len, stdout);
    FILE *f = fopen(result_path, "w");
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
    free(text);
    return rc;
}

/* ---- the two-mode tables of w2 and w5: each contender in its own process, interleaved ---- */

#define BENCH_MAXR 64
/* One contender: the command run as "<cmd> transient|retained", which prints "ns sum [extra]". */
struct bench_row {
    char label[64], cmd[512];
    double ns[2][BENCH_MAXR];
    unsigned long long sum[2];
    double extra; /* a figure the workload adds (w5: allocations avoided) */
    int ok;
};
static const char *const bench_modes[2] = {"transient", "retained"};

/* Appends a row whose command is "prefix arg". */
static inline void bench_row_add(struct bench_row *rows, int *nr, const char *label, const char *prefix, const char *arg) {
    struct bench_row *r = &rows[(*nr)++];
    snprintf(r->label, sizeof r->label, "%s", label);
    snprintf(r->cmd, sizeof r->cmd, "%.400s %.100s", prefix, arg);
    r->ok = 1;
}

/* Runs every row in every mode, rounds times, interleaved; a row whose run fails is dropped (ok 0)
 * with a note naming id. Returns the rounds run (at most BENCH_MAXR). */
static inline int bench_rows_measure(struct bench_row *rows, int nr, int rounds, const char *id) {
    if (rounds > BENCH_MAXR) rounds = BENCH_MAXR;
    for (int r = 0; r < rounds; r++)
        for (int m = 0; m < 2; m++)
            for (int i = 0; i < nr; i++) {
                if (!rows[i].ok) continue;
                char full[640];
                snprintf(full, sizeof full, "%s %s", rows[i].cmd, bench_modes[m]);
                FILE *f = popen(full, "r");
                int n = f ? fscanf(f, "%lf %llu %lf", &rows[i].ns[m][r], &rows[i].sum[m], &rows[i].extra) : 0;
                int st = f ? pclose(f) : -1;
                if (n < 2 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                    fprintf(stderr, "%s: %s %s failed; its row is dropped\n", id, rows[i].cmd, bench_modes[m]);
                    rows[i].ok = 0;
                }
            }
    return rounds;
}

/* "- what: R (median of per-round a / b)" when both rows ran. */
static inline void bench_ratio_line(FILE *out, const struct bench_row *rows, int m, int a, int b, int rounds,
                                    const char *what) {
    if (!rows[a].ok || !rows[b].ok) return;
    fprintf(out, "- %s: %.2fx (median of per-round %s / %s)\n", what, bench_ratio(rows[a].ns[m], rows[b].ns[m], rounds),
            rows[a].label, rows[b].label);
}

/* Every contender must have computed row 0's checksum in each mode. */
static inline void bench_check_sums(FILE *out, const struct bench_row *rows, int nr) {
    for (int m = 0; m < 2; m++)
        for (int i = 1; i < nr; i++)
            if (rows[i].ok && rows[0].ok && rows[i].sum[m] != rows[0].sum[m])
                fprintf(out, "**checksum mismatch: %s %s %llu != %llu**\n", rows[i].label, bench_modes[m],
                        rows[i].sum[m], rows[0].sum[m]);
}

/* This program's own path (for re-running itself as a contender), in buf; 0 if unknown. */
static inline int bench_self_exe(char *buf, size_t n) {
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0) return 0;
    buf[len] = '\0';
    return 1;
}

/* main() of a two-mode workload program (w2, w5): no arguments runs the table the way `make bench`
 * does ($<ID>_ROUNDS rounds, default 7, the Rust peer at rust/target/release/<id>, the result also
 * written to build/results/<id>.md); `run <contender> <transient|retained>` runs one contender in
 * this process; `table [rounds] [rust-binary]` prints the table only. id is "w2", "w5". */
static inline int bench_two_mode_main(int argc, char **argv, const char *id, int (*run_one)(const char *, const char *),
                                      int (*table)(FILE *, int, const char *, const char *)) {
    char env[32], rust[64], result[64];
    snprintf(env, sizeof env, "%c%s_ROUNDS", id[0] - 'a' + 'A', id + 1);
    snprintf(rust, sizeof rust, "rust/target/release/%s", id);
    snprintf(result, sizeof result, "build/results/%s.md", id);
    if (argc == 1) return bench_table_main(table, env, argv[0], rust, result);
    if (argc == 4 && strcmp(argv[1], "run") == 0) return run_one(argv[2], argv[3]);
    if (argc >= 2 && strcmp(argv[1], "table") == 0)
        return table(stdout, argc > 2 ? atoi(argv[2]) : 7, argv[0], argc > 3 ? argv[3] : NULL);
    fprintf(stderr, "usage: %s [run <contender> <transient|retained> | table [rounds] [rust-%s]]\n", argv[0], id);
    return 2;
}

#endif
