/* A vector grown one element at a time by realloc: wants a reserve. */
#include <stdlib.h>
int main(void) {
    for (int v = 0; v < 20; v++) {
        int *a = NULL;
        for (int i = 0; i < 200; i++) { a = realloc(a, (size_t)(i + 1) * sizeof *a); a[i] = i; }
        free(a);
    }
    return 0;
}
