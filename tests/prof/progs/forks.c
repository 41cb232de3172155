/* forks.c - the parent allocates 5 blocks of 300 bytes, forks; the child allocates 7 blocks of 400,
 * frees 2 of the parent's blocks, exits with 0; the parent waits, frees its 5 blocks, allocates one
 * block of 500 and keeps it. The parent's profile: tb 2000, tbk 6, eb 500. A followed child's:
 * inherited history + 7 * 400 = tb 4300, tbk 12, eb 3 * 300 + 7 * 400 = 3700. Prints the child pid. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    void *p[5], *c[7];
    for (int i = 0; i < 5; i++) p[i] = malloc(300);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 7; i++) c[i] = malloc(400);
        free(p[0]);
        free(p[1]);
        __asm__ volatile("" : : "r"(c) : "memory");
        exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 5; i++) free(p[i]);
    void *keep = malloc(500);
    __asm__ volatile("" : : "r"(keep) : "memory");
    printf("%d\n", (int)pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
