/* memo.c - the unwinder's walk memo (src/unwind/unwind.c) must tell apart call chains that reach the
 * same allocation from the same stack position: leaf() calls malloc at the same pc and stack pointer
 * whether via_f() or via_g() called it, since both have the same frame and main calls both from the
 * same place. Each chain must be its own site with its own count:
 *   via_f -> leaf: 300 blocks of 24 bytes;  via_g -> leaf: 600 blocks of 24 bytes
 * (interleaved f g g f g g ..., so a memo that trusted pc and sp alone would merge them). Built with
 * and without frame pointers (check.sh). */
#include <stdlib.h>

__attribute__((noinline)) static void *leaf(size_t n) {
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}
__attribute__((noinline)) void *via_f(size_t n) {
    void *p = leaf(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}
__attribute__((noinline)) void *via_g(size_t n) {
    void *p = leaf(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

int main(void) {
    void *(*volatile fn[3])(size_t) = {via_f, via_g, via_g};
    for (int i = 0; i < 900; i++) free(fn[i % 3](24));
    return 0;
}
