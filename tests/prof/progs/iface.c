/* iface.c - the counting interface the recorder exports (src/lib/count_iface.h), as libmemkit's count
 * API finds it: through dlsym. Prints "ok ..." or "FAIL ..." per check. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/lib/count_iface.h"

void *volatile sink;
static int fails;

static void check(const char *what, int cond) {
    printf("%s %s\n", cond ? "ok" : "FAIL", what);
    fails += !cond;
}

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 5; i++) {
        void *p = malloc(64);
        sink = p;
        free(p);
    }
    return NULL;
}

int main(void) {
    const struct mk__count_iface *(*get)(void) = (const struct mk__count_iface *(*)(void))dlsym(RTLD_DEFAULT, "mk__count_iface");
    check("mk__count_iface is exported", get != NULL);
    if (!get) return 1;
    const struct mk__count_iface *f = get();
    check("version, provider, available", f->version == MK__COUNT_IFACE_VERSION && !strcmp(f->provider, "memkit run") && !f->unavailable);

    uint64_t a[MK__C_N], b[MK__C_N];
    f->thread_counts(a);
    void *x = malloc(10), *y = malloc(20), *z = malloc(30);
    sink = x, sink = y, sink = z;
    z = realloc(z, 40);
    sink = z;
    free(x);
    free(y);
    f->thread_counts(b);
    check("thread: allocs", b[MK__C_ALLOCS] - a[MK__C_ALLOCS] == 4);
    check("thread: reallocs", b[MK__C_REALLOCS] - a[MK__C_REALLOCS] == 1);
    check("thread: frees", b[MK__C_FREES] - a[MK__C_FREES] == 2);
    check("thread: bytes allocated", b[MK__C_BYTES_ALLOC] - a[MK__C_BYTES_ALLOC] == 100);
    check("thread: bytes freed (realloc frees the old size)", b[MK__C_BYTES_FREED] - a[MK__C_BYTES_FREED] == 60);
    free(z);

    uint64_t peak;
    f->process_counts(a, &peak);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    f->process_counts(b, &peak);
    /* The exited thread's 5 mallocs and frees are still in the process sums (glibc may allocate
     * for the new thread too, so at least). */
    check("process: an exited thread's counts stay", b[MK__C_ALLOCS] - a[MK__C_ALLOCS] >= 5 && b[MK__C_FREES] - a[MK__C_FREES] >= 5);

    f->peak_reset();
    f->process_counts(a, &peak);
    uint64_t live0 = a[MK__C_BYTES_ALLOC] - a[MK__C_BYTES_FREED];
    void *big = malloc(100000);
    sink = big;
    free(big);
    f->process_counts(b, &peak);
    check("process: peak since reset", peak >= live0 + 100000);

    f->thread_counts(a);
    uint64_t old = f->watch(a[MK__C_ALLOCS] + 2);
    for (int i = 0; i < 4; i++) sink = malloc(8 + (size_t)i);
    f->watch(old);
    struct mk__watch_hit hits[8];
    int n = f->watch_hits(a[MK__C_ALLOCS], hits, 8);
    check("watch: two hits past the threshold", n == 2 && hits[0].index == a[MK__C_ALLOCS] + 3 && hits[1].index == a[MK__C_ALLOCS] + 4);
    Dl_info info;
    check("watch: the first frame is the caller of malloc", n >= 1 && hits[0].nframes > 0 && dladdr(hits[0].frames[0], &info) &&
                                                               info.dli_sname && !strcmp(info.dli_sname, "main"));
    return fails ? 1 : 0;
}
