/* p3.c - P3 strings: 5M words (3-12 random letters) strdup'd; every other one is freed at once,
 * the rest kept until the end (2.5M live). Usage: p3 [words]. */
#include "../common.h"

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 5000000L;
    char **kept = malloc(sizeof *kept * (size_t)(n / 2 + 1));
    uint64_t rng = 7, sum = 0;
    long nk = 0;
    char word[16];
    if (!kept) return 1;
    for (long i = 0; i < n; i++) {
        uint64_t r = splitmix64(&rng);
        int len = 3 + (int)(r % 10);
        for (int j = 0; j < len; j++) word[j] = (char)('a' + (r >> (8 + 4 * j)) % 26);
        word[len] = 0;
        char *s = strdup(word);
        if (!s) return 1;
        sum += (unsigned char)s[0];
        if (i & 1) free(s);
        else kept[nk++] = s;
    }
    for (long i = 0; i < nk; i++) free(kept[i]);
    free(kept);
    printf("%lu\n", (unsigned long)sum);
    return 0;
}
