/* driver.c - runs a libFuzzer target without libFuzzer, so `make check` replays every fuzz target.
 *
 * With file arguments it feeds each file once (a crash to reproduce). Without, it feeds MK_FUZZ_RUNS
 * (default 20000) inputs of 0..4096 random bytes from a fixed seed, so a run is repeatable, and
 * then every file of the target's seed corpus, MK_FUZZ_CORPUS/<target name>/ (the build names
 * tests/fuzz/corpus), when it has one. A target reports a bug by crashing or aborting (under ASan in
 * make check); the driver ends with the harness's line "name: N passed, 0 failed": one for the
 * random inputs, one for the corpus.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint8_t buf[1 << 20];

/* Feeds the file at path to the target; 0, or -1 when it cannot be read. */
static int feed(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }
static int not_dot(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Replays every file of MK_FUZZ_CORPUS/name/ in name order; returns the files fed, or -1. */
static int replay_corpus(const char *name) {
#ifdef MK_FUZZ_CORPUS
    char dir[4096], path[8192];
    snprintf(dir, sizeof dir, "%s/%s", MK_FUZZ_CORPUS, name);
    struct dirent **list;
    int n = scandir(dir, &list, not_dot, by_name);
    if (n < 0) return 0;
    int fed = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (fed >= 0 && feed(path) == 0) fed++;
        else fed = -1;
        free(list[i]);
    }
    free(list);
    return fed;
#else
    (void)name;
    return 0;
#endif
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    int passed = 1;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (feed(argv[i]) != 0) return 2;
    } else {
        const char *env = getenv("MK_FUZZ_RUNS");
        long runs = env ? atol(env) : 20000;
        uint64_t seed = 0x5EEDF022ull;
        for (long r = 0; r < runs; r++) {
            size_t n = (size_t)(next(&seed) % 4097);
            /* Mostly small inputs, the occasional long one. */
            if (r % 8) n %= 256;
            for (size_t i = 0; i < n; i += 8) {
                uint64_t v = next(&seed);
                memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
            }
            LLVMFuzzerTestOneInput(buf, n);
        }
        int fed = replay_corpus(name);
        if (fed < 0) {
            printf("%s: 1 passed, 1 failed (a corpus file could not be read)\n", name);
            return 1;
        }
        if (fed > 0) {
            printf("%s: %d corpus files replayed\n", name, fed);
            passed++;
        }
    }
    printf("%s: %d passed, 0 failed\n", name, passed);
    return 0;
}
