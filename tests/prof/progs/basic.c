/* basic.c - one thread, known counts: each site allocates a size no other site uses.
 *   site A (size 100): 10 blocks, all freed               -> tb 1000, tbk 10, eb 0
 *   site B (size 200): 3 blocks, 1 leaked                 -> tb 600, tbk 3, eb 200
 *   site C (size 7):   1 block freed at once (temporary)
 *   peak: A's 10 blocks live with B's 3 -> 1000 + 600 = 1600 bytes in 13 blocks
 */
#include <stdlib.h>

__attribute__((noinline)) void *site_a(void) { return malloc(100); }
__attribute__((noinline)) void *site_b(void) { return malloc(200); }
__attribute__((noinline)) void *site_c(void) { return malloc(7); }

int main(void) {
    void *a[10], *b[3];
    for (int i = 0; i < 3; i++) b[i] = site_b();
    for (int i = 0; i < 10; i++) a[i] = site_a();
    for (int i = 0; i < 10; i++) free(a[i]);
    free(b[0]);
    free(b[1]);
    void *c = site_c();
    free(c);
    __asm__ volatile("" : : "r"(b[2]) : "memory");
    return 0;
}
