/* exit_.c - leaks 3 blocks of 111 bytes, frees 2 of 222, then leaves through _exit(3) without
 * running atexit handlers or destructors: the recorder writes from its _exit. t-end: 333 in 3. */
#include <stdlib.h>
#include <unistd.h>

void *volatile sink; /* keeps malloc/free pairs from being elided */

int main(void) {
    void *k[3], *f[2];
    for (int i = 0; i < 3; i++) k[i] = malloc(111);
    for (int i = 0; i < 2; i++) sink = f[i] = malloc(222);
    free(f[0]);
    free(f[1]);
    __asm__ volatile("" : : "r"(k) : "memory");
    _exit(3);
}
