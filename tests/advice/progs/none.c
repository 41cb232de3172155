/* A few large, long-lived buffers allocated once: nothing to advise. */
#include <stdlib.h>
#include <string.h>
int main(void) {
    char *bufs[8];
    for (int i = 0; i < 8; i++) { bufs[i] = malloc(1 << 20); memset(bufs[i], i, 1 << 20); }
    long sum = 0;
    for (int i = 0; i < 8; i++) { sum += bufs[i][i]; free(bufs[i]); }
    return sum == 1;
}
