/* chdir_.c - allocates a block of 555 bytes and keeps it, then changes directory to / before
 * exiting: a relative MEMKIT_OUT must still land in the directory the program started in. */
#include <stdlib.h>
#include <unistd.h>

void *volatile sink;

int main(void) {
    sink = malloc(555);
    return chdir("/") == 0 ? 0 : 1;
}
