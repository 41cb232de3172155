/* Thousands of short names kept in a table, sizes varying: wants inline small strings. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    enum { N = 5000 };
    static char *names[N];
    for (int i = 0; i < N; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "user%d", i * 7);
        names[i] = strdup(buf);
    }
    size_t total = 0;
    for (int i = 0; i < N; i++) { total += strlen(names[i]); free(names[i]); }
    return total == 1;
}
