/* w6_gen.c - writes W6's text file: Zipf-drawn words, 12 words a line, exactly SIZE bytes.
 *
 *   w6_gen OUT [SIZE]        (SIZE defaults to 1 GiB)
 *
 * The vocabulary is 100,000 words of 2..12 lowercase letters (splitmix64, seed 0x5EED0006); word
 * ranks are drawn Zipf(s = 1.0) from the same stream. Also writes OUT.needles with the two needles
 * W6 counts, one a line: a 6-letter word of rank >= 100 (a common word) and the first 20 bytes of
 * line 1000 (a phrase that occurs at least once). The output is the same on every run.
 */
#include "common.h"

#define VOCAB 100000
#define WORDS_PER_LINE 12

static char words[VOCAB][13];
static unsigned char lens[VOCAB];
static double cdf[VOCAB];

static size_t draw(uint64_t *s) {
    double u = (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
    size_t lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: w6_gen OUT [SIZE]\n");
        return 2;
    }
    size_t size = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : (size_t)1 << 30;
    uint64_t s = 0x5EED0006ull;
    for (size_t i = 0; i < VOCAB; i++) {
        lens[i] = (unsigned char)(2 + splitmix64(&s) % 11);
        for (size_t k = 0; k < lens[i]; k++) words[i][k] = (char)('a' + splitmix64(&s) % 26);
    }
    double total = 0;
    for (size_t i = 0; i < VOCAB; i++) total += 1.0 / (double)(i + 1);
    double acc = 0;
    for (size_t i = 0; i < VOCAB; i++) cdf[i] = (acc += 1.0 / (double)(i + 1) / total);
    cdf[VOCAB - 1] = 1.0;

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "wb");
    if (!f) { perror(tmp); return 1; }
    static char buf[1 << 20];
    char line1000[256] = "";
    size_t written = 0, used = 0, line = 0;
    while (written + used < size) {
        char l[256];
        size_t n = 0;
        for (int w = 0; w < WORDS_PER_LINE; w++) {
            size_t r = draw(&s);
            memcpy(l + n, words[r], lens[r]);
            n += lens[r];
            l[n++] = w == WORDS_PER_LINE - 1 ? '\n' : ' ';
        }
        if (++line == 1000) memcpy(line1000, l, n);
        if (written + used + n > size) { /* the last line is cut to fit and still ends the file */
            n = size - written - used;
            if (n) l[n - 1] = '\n';
        }
        if (used + n > sizeof buf) {
            if (fwrite(buf, 1, used, f) != used) { perror(tmp); return 1; }
            written += used;
            used = 0;
        }
        memcpy(buf + used, l, n);
        used += n;
    }
    if (fwrite(buf, 1, used, f) != used || fclose(f) != 0) { perror(tmp); return 1; }
    if (rename(tmp, argv[1]) != 0) { perror(argv[1]); return 1; }

    size_t six = 100;
    while (six < VOCAB && lens[six] != 6) six++;
    snprintf(tmp, sizeof tmp, "%s.needles", argv[1]);
    f = fopen(tmp, "w");
    if (!f) { perror(tmp); return 1; }
    fprintf(f, "%.6s\n%.20s\n", words[six], line1000);
    fclose(f);
    return 0;
}
