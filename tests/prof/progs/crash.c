/* crash.c - dies of SIGABRT after allocating: no profile is written (and no temporary file left). */
#include <stdlib.h>

int main(void) {
    void *p = malloc(123);
    __asm__ volatile("" : : "r"(p) : "memory");
    abort();
}
