/* allfuncs.c - every allocation function and its edge cases. Prints what each call returned and
 * errno, so check.sh can compare the output with and without the recorder (glibc's behaviour must
 * not change), and leaks one block per function with a size no other call uses so the profile's
 * sites can be checked:
 *   malloc 101, calloc 3x5=15, realloc(NULL,103), reallocarray(NULL,2,52)=104, memalign(64,105),
 *   posix_memalign(128,106), aligned_alloc(32,107), valloc 108, pvalloc 109 (the request), malloc(0)
 *   counts as 1 byte. Everything else is freed. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep[16];
static void *volatile null_ptr; /* keeps the compiler from turning realloc(NULL, n) into malloc */
static int nk;

static void show(const char *what, void *p) {
    printf("%s: %s errno=%d\n", what, p ? "ptr" : "NULL", errno);
    errno = 0;
}

int main(void) {
    void *p;
    errno = 0;
    show("malloc 101", keep[nk++] = malloc(101));
    show("calloc 3x5", keep[nk++] = calloc(3, 5));
    show("realloc NULL 103", keep[nk++] = realloc(null_ptr, 103));
    show("reallocarray NULL 2x52", keep[nk++] = reallocarray(null_ptr, 2, 52));
    show("memalign 64 105", keep[nk++] = memalign(64, 105));
    printf("aligned 64: %d\n", ((uintptr_t)keep[nk - 1] & 63) == 0);
    int r = posix_memalign(&p, 128, 106);
    printf("posix_memalign 128 106: %d aligned=%d\n", r, r == 0 && ((uintptr_t)p & 127) == 0);
    keep[nk++] = p;
    show("aligned_alloc 32 107", keep[nk++] = aligned_alloc(32, 107));
    show("valloc 108", keep[nk++] = valloc(108));
    show("pvalloc 109", keep[nk++] = pvalloc(109));
    show("malloc 0", keep[nk++] = malloc(0));
    printf("usable >= 101: %d\n", malloc_usable_size(keep[0]) >= 101);
    /* Edge cases, nothing kept. */
    errno = 0;
    show("malloc SIZE_MAX", malloc(SIZE_MAX));
    show("calloc overflow", calloc(SIZE_MAX / 2, 3));
    show("reallocarray overflow", reallocarray(NULL, SIZE_MAX / 2, 3));
    p = (void *)1;
    r = posix_memalign(&p, 3, 8);
    printf("posix_memalign 3: %d untouched=%d errno=%d\n", r, p == (void *)1, errno);
    r = posix_memalign(&p, 16, SIZE_MAX);
    printf("posix_memalign huge: %d errno=%d\n", r, errno);
    errno = 0;
    show("memalign huge alignment", memalign(SIZE_MAX / 2 + 2, 8));
    p = aligned_alloc(3, 16);
    show("aligned_alloc 3", p);
    free(p);
    p = malloc(200);
    show("realloc p 0", realloc(p, 0)); /* glibc frees p and returns NULL */
    p = malloc(201);
    void *q = realloc(p, SIZE_MAX);
    show("realloc fail", q);
    free(p); /* still ours after a failed realloc */
    errno = 0;
    free(NULL);
    show("free NULL keeps errno", (void *)1);
    errno = 42;
    p = malloc(10);
    free(p);
    printf("errno kept over malloc/free: %d\n", errno);
    return 0;
}
