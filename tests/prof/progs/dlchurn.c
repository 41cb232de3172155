/* dlchurn.c - dlopen/dlclose churn: loads a library (argv[2]), allocates 100 bytes from it, frees
 * them and unloads it, argv[1] times (default 2000; the last cycle allocates 101 bytes through
 * last_cycle), then allocates 777 bytes from its own code. Under the recorder every one of these
 * stacks must stay whole: the library's frames, then the program's. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void *last_cycle(void *(*alloc)(size_t)) {
    void *p = alloc(101);
    __asm__ volatile("" ::: "memory");
    return p;
}

__attribute__((noinline)) static void *own_alloc(size_t n) {
    void *p = malloc(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

int main(int argc, char **argv) {
    long cycles = argc > 1 ? atol(argv[1]) : 2000;
    const char *lib = argc > 2 ? argv[2] : "./libchurn.so";
    for (long i = 0; i < cycles; i++) {
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "dlchurn: %s\n", dlerror());
            return 1;
        }
        void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "churn_alloc");
        if (!alloc) return 1;
        free(i + 1 == cycles ? last_cycle(alloc) : alloc(100));
        dlclose(h);
    }
    void *p = own_alloc(777);
    free(p);
    return 0;
}
