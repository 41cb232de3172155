/* solib.c - a shared library reached through its soname link (libsolib.so.1 -> libsolib.so.1.0),
 * built without debug information so its frame names the file it lies in. */
#include <stdlib.h>

void *volatile solib_sink;

__attribute__((noinline)) void solib_alloc(void) {
    solib_sink = malloc(4242);
    free(solib_sink);
}
