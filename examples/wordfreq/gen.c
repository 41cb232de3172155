/* gen.c - writes the demo's deterministic input: about N megabytes (default 50) of English-like
 * text, words drawn from a Zipf distribution over a made-up vocabulary, with punctuation, mixed
 * case and line breaks, so a word counter has real work to do. Same bytes on every machine.
 *
 *   gen [MEGABYTES] > input.txt
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VOCAB 60000

static uint64_t rng = 0x5EED0008ull;
static uint64_t next(void) {
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static char words[VOCAB][16];
static double cdf[VOCAB];

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 50;
    if (mb <= 0 || mb > 100000) {
        fprintf(stderr, "usage: gen [MEGABYTES (1..100000)] > file\n");
        return 2;
    }
    static const char cons[] = "bcdfghjklmnprstvwz", vow[] = "aeiou";
    for (int i = 0; i < VOCAB; i++) {
        int len = 2 + (int)(next() % 9);
        for (int j = 0; j < len; j++)
            words[i][j] = j % 2 ? vow[next() % 5] : cons[next() % (sizeof cons - 1)];
        words[i][len] = '\0';
    }
    double sum = 0;
    for (int i = 0; i < VOCAB; i++) sum += 1.0 / (i + 1);
    double acc = 0;
    for (int i = 0; i < VOCAB; i++) cdf[i] = (acc += 1.0 / (i + 1) / sum);
    static char line[4096];
    long long target = mb * 1000000LL, written = 0;
    while (written < target) {
        size_t n = 0;
        int nwords = 6 + (int)(next() % 10);
        for (int w = 0; w < nwords; w++) {
            double u = (double)(next() >> 11) / 9007199254740992.0;
            int lo = 0, hi = VOCAB - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (cdf[mid] < u) lo = mid + 1; else hi = mid;
            }
            const char *word = words[lo];
            size_t len = strlen(word);
            memcpy(line + n, word, len);
            if (w == 0 || next() % 50 == 0) line[n] = (char)(line[n] - 'a' + 'A');
            n += len;
            uint64_t r = next() % 20;
            line[n++] = r == 0 ? ',' : r == 1 ? ';' : ' ';
            if (r < 2) line[n++] = ' ';
        }
        line[n - 1] = '.';
        line[n++] = '\n';
        fwrite(line, 1, n, stdout);
        written += (long long)n;
    }
    return ferror(stdout) ? 1 : 0;
}
