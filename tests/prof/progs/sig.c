/* sig.c - a signal handler that allocates, interrupting the main thread while it allocates: the
 * recorder must not deadlock on its own locks, and the counts stay consistent (everything freed).
 * A second thread sends SIGUSR1 to the main thread for as long as it loops. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

static pthread_t main_thread;
static volatile int done;
static volatile long handled;

static void on_usr1(int sig) {
    (void)sig;
    void *p = malloc(48);
    free(p);
    handled++;
}

static void *pester(void *arg) {
    (void)arg;
    while (!done) pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

int main(void) {
    main_thread = pthread_self();
    signal(SIGUSR1, on_usr1);
    pthread_t t;
    pthread_create(&t, NULL, pester, NULL);
    for (int i = 0; i < 200000; i++) {
        void *p = malloc(16 + (size_t)(i & 255));
        free(p);
    }
    done = 1;
    pthread_join(t, NULL);
    return 0;
}
