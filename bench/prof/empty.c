/* empty.c - the floor of any preloaded malloc interposer: malloc and free forward to glibc and do
 * nothing else (the other functions are not interposed; P1-P5 call only these two often). Its row in
 * bench/prof/run.py is what interposition alone costs, before counting or recording anything. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

__attribute__((visibility("default"))) void *malloc(size_t n) { return __libc_malloc(n); }
__attribute__((visibility("default"))) void free(void *p) { __libc_free(p); }
