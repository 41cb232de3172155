/* forker.c - allocates, forks a child that allocates differently, waits for it: for
 * `memkit run --follow-fork` (one profile per process). Not compared with valgrind. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink; /* keeps the allocations: the compiler may drop an unused malloc/free pair */

int main(void) {
    void *p = malloc(1111); /* SITE:parent */
    sink = p;
    pid_t pid = fork();
    if (pid == 0) {
        void *q = malloc(2222); /* SITE:child */
        sink = q;
        free(q);
        free(p);
        return 0;
    }
    int st;
    waitpid(pid, &st, 0);
    free(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
