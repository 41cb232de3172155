/* pipe_writer.c - writes lines to stdout until nobody reads them, then exits with status 3.
 * With "ignore" it ignores SIGPIPE and stops at the first EPIPE; without, the closed pipe kills it;
 * with "quiet" it writes nothing.
 * Either way it ends only after the reader has gone, so whoever writes to that pipe afterwards
 * (memkit's report on a shared stderr) meets a closed pipe, with no timing involved. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "ignore")) signal(SIGPIPE, SIG_IGN);
    sink = malloc(100);
    free(sink);
    sink = malloc(200); /* live at exit */
    if (argc > 1 && !strcmp(argv[1], "quiet")) return 3;
    for (;;)
        if (write(1, "line\n", 5) < 0 && errno != EINTR) break;
    return 3;
}
