/* A scratch buffer malloc'ed and freed for every item: wants reuse or an arena. */
#include <stdlib.h>
#include <string.h>
int main(void) {
    unsigned long sum = 0;
    for (int i = 0; i < 20000; i++) {
        char *buf = malloc(200 + (size_t)(i % 300));
        memset(buf, i, 200);
        sum += (unsigned char)buf[i % 200];
        free(buf);
    }
    return sum == 1; /* keeps the work */
}
