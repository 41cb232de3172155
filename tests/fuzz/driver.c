/* driver.c - runs a libFuzzer target without libFuzzer, so `make check` replays every fuzz target.
 *
 * With file arguments it feeds each file once (a corpus or a crash to reproduce). Without, it feeds
 * MK_FUZZ_RUNS (default 20000) inputs of 0..4096 random bytes from a fixed seed, so a run is
 * repeatable. A target reports a bug by crashing or aborting (under ASan in make check); the driver
 * ends with the harness's line "name: 1 passed, 0 failed".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    static uint8_t buf[1 << 20];
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            FILE *f = fopen(argv[i], "rb");
            if (!f) { perror(argv[i]); return 2; }
            size_t n = fread(buf, 1, sizeof buf, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, n);
        }
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
    }
    printf("%s: 1 passed, 0 failed\n", name);
    return 0;
}
