/* w1_demo.c - `make demo`: many small objects, filled and thrown away, with malloc/free against
 * mk_arena (reset) and mk_pool (reset), on a reduced workload W1 (see bench/w1.c for the full one).
 *
 * Each contender runs in a child process of its own, so its RSS is its own: three rounds of "allocate
 * N objects, touch each, then free them all" (cold = round 1, warm = mean of rounds 2-3), three
 * processes per contender interleaved, medians printed. The point to see: an arena or pool that is
 * reset keeps its pages, so after the first round allocation is a pointer bump, and it wastes nothing
 * beyond alignment, while malloc pays a header and a free per object every round.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memkit/arena.h"
#include "memkit/pool.h"

#define N 1000000
#define PROCS 3

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The "name: value kB" line of /proc/self/status, in bytes. */
static uint64_t status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t v = 0;
    size_t klen = strlen(key);
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, klen) && line[klen] == ':') {
            v = strtoull(line + klen + 1, NULL, 10) * 1024;
            break;
        }
    fclose(f);
    return v;
}

enum who { MALLOC_VAR, ARENA, MALLOC_32, POOL, NWHO };
static const char *const names[NWHO] = {"malloc/free", "mk_arena, reset", "malloc/free", "mk_pool, reset"};
static const char *const sizes[NWHO] = {"16..64 B", "16..64 B", "32 B", "32 B"};

typedef struct { double cold, warm, over; } result;

/* Runs in the child: three rounds, returns the figures. */
static result measure(enum who w) {
    result r = {0, 0, 0};
    uint8_t *sz = malloc(N);
    char **ptrs = malloc(N * sizeof *ptrs);
    if (!sz || !ptrs) return r;
    uint64_t seed = 0x5EED0001, requested = 0;
    for (size_t i = 0; i < N; i++) {
        sz[i] = (uint8_t)(w == MALLOC_VAR || w == ARENA ? 16 + splitmix64(&seed) % 49 : 32);
        requested += sz[i];
    }
    memset(ptrs, 0xA5, N * sizeof *ptrs); /* fault it in now, so it is not counted below */
    mk_arena arena;
    mk_pool pool;
    if (mk_arena_init(&arena, NULL) != MK_OK || mk_pool_init(&pool, 32, 8, NULL) != MK_OK) return r;
    uint64_t base = status_kb("VmRSS");
    double ns[3];
    for (int round = 0; round < 3; round++) {
        uint64_t t0 = now_ns();
        switch (w) {
        case MALLOC_VAR:
        case MALLOC_32:
            for (size_t i = 0; i < N; i++) {
                char *p = malloc(sz[i]);
                if (!p) return r;
                p[0] = (char)i;
                ptrs[i] = p;
            }
            for (size_t i = 0; i < N; i++) free(ptrs[i]);
            break;
        case ARENA:
            for (size_t i = 0; i < N; i++) {
                char *p = mk_arena_alloc(&arena, sz[i], 8);
                if (!p) return r;
                p[0] = (char)i;
                ptrs[i] = p;
            }
            mk_arena_reset(&arena);
            break;
        case POOL:
            for (size_t i = 0; i < N; i++) {
                char *p = mk_pool_alloc(&pool);
                if (!p) return r;
                p[0] = (char)i;
                ptrs[i] = p;
            }
            mk_pool_reset(&pool);
            break;
        default: break;
        }
        ns[round] = (double)(now_ns() - t0) / N;
        __asm__ volatile("" : : "g"(ptrs) : "memory"); /* the stores into ptrs are kept */
    }
    uint64_t peak = status_kb("VmHWM");
    r.cold = ns[0];
    r.warm = (ns[1] + ns[2]) / 2;
    r.over = peak > base ? (double)(peak - base) / (double)requested - 1 : 0;
    mk_pool_destroy(&pool);
    mk_arena_destroy(&arena);
    free(ptrs);
    free(sz);
    return r;
}

static int run_child(enum who w, result *out) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fd[0]);
        result r = measure(w);
        ssize_t k = write(fd[1], &r, sizeof r);
        _exit(k == (ssize_t)sizeof r && r.cold > 0 ? 0 : 1);
    }
    close(fd[1]);
    ssize_t k = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return k == (ssize_t)sizeof *out && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(void) {
    double cold[NWHO][PROCS], warm[NWHO][PROCS], over[NWHO][PROCS];
    printf("W1, reduced: %d small objects allocated, touched and freed, 3 rounds per process,\n"
           "%d processes per row, interleaved; medians. (The full run: make -C bench w1)\n\n", N, PROCS);
    fflush(stdout);
    for (int p = 0; p < PROCS; p++)
        for (int w = 0; w < NWHO; w++) {
            result r;
            if (run_child((enum who)w, &r) != 0) {
                fprintf(stderr, "w1_demo: the %s run failed\n", names[w]);
                return 1;
            }
            cold[w][p] = r.cold, warm[w][p] = r.warm, over[w][p] = r.over;
        }
    printf("%-17s %-9s %12s %12s %10s %12s\n", "contender", "sizes", "cold ns/obj", "warm ns/obj",
           "warm gain", "RSS over req");
    double ref = 0;
    for (int w = 0; w < NWHO; w++) {
        double c = median(cold[w], PROCS), m = median(warm[w], PROCS), o = median(over[w], PROCS);
        if (w == MALLOC_VAR || w == MALLOC_32) ref = m;
        printf("%-17s %-9s %12.1f %12.1f %9.1fx %+11.0f%%\n", names[w], sizes[w], c, m, ref / m, o * 100);
    }
    printf("\ncold = first round (every page faulted in); warm = rounds 2-3 (reset keeps the pages);\n"
           "warm gain = malloc/free's warm time over the row's; RSS over req = peak RSS growth over the\n"
           "bytes asked for (malloc: its 16-byte header and rounding; arena/pool: alignment only).\n");
    return 0;
}
