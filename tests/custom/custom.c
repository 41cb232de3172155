/* custom.c - a program whose own allocators report their blocks (memkit/prof.h), for check.py.
 *
 * annotate: an mk_arena with mk_arena_annotate (100 blocks of 24 bytes, reset; 10 blocks of 40
 * bytes left live at exit), a hand-written pool over one malloc'd slab (8 blocks of 64 bytes, the
 * first at the slab's own address; one freed, the rest by a reset), 5 blocks of 100 bytes reported
 * without a pool and freed, one block of 1 MiB in a static buffer, live at the program's peak, an
 * mk_pool with mk_pool_annotate (20 objects of 48 bytes, 5 freed, the rest by mk_pool_reset) and a
 * claim of 2^48 bytes (ignored).
 * threads: see pool_thread.
 * plain: the same allocations with no annotation. Prints "annotate=N" (mk_arena_annotate's result)
 * and "region=ALLOCS,BYTES,FREES,BYTES_FREED": what the counting API saw of the pool part.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/arena.h"
#include "memkit/count.h"
#include "memkit/pool.h"
#include "memkit/prof.h"

static char big[1 << 20];
static char loose[5 * 128];

static __attribute__((noinline)) void *arena_small(mk_arena *a) { return mk_arena_alloc(a, 24, 8); }
static __attribute__((noinline)) void *arena_kept(mk_arena *a) { return mk_arena_alloc(a, 40, 8); }

static __attribute__((noinline)) void pool_part(int on) {
    char *slab = malloc(4096);
    if (!slab) exit(1);
    for (int i = 0; i < 8; i++)
        if (on) MK_PROF_POOL_ALLOC(slab, slab + i * 64, 64);
    memset(slab, 1, 512);
    if (on) MK_PROF_POOL_FREE(slab, slab);
    if (on) MK_PROF_POOL_RESET(slab);
    free(slab);
}

static __attribute__((noinline)) void loose_part(int on) {
    for (int i = 0; i < 5; i++)
        if (on) MK_PROF_ALLOC(loose + i * 128, 100);
    for (int i = 0; i < 5; i++)
        if (on) MK_PROF_FREE(loose + i * 128);
    if (on) MK_PROF_FREE(loose + 1); /* never reported: ignored */
}

static __attribute__((noinline)) void mkpool_part(int on) {
    mk_pool p;
    void *obj[20];
    if (mk_pool_init(&p, 48, 8, NULL) != MK_OK) exit(1);
    if (on && !mk_pool_annotate(&p, true)) exit(1);
    for (int i = 0; i < 20; i++)
        if (!(obj[i] = mk_pool_alloc(&p))) exit(1);
    for (int i = 0; i < 5; i++) mk_pool_free(&p, obj[i]);
    mk_pool_reset(&p);
    mk_pool_destroy(&p);
}

static __attribute__((noinline)) void big_part(int on) {
    if (on) MK_PROF_ALLOC(big, sizeof big);
    if (on) MK_PROF_ALLOC(big, (size_t)1 << 48);
    memset(big, 2, sizeof big);
    if (on) MK_PROF_FREE(big);
}

/* threads: 4 threads, each with a pool of its own over a malloc'd slab: 1000 blocks of 32 bytes,
 * the even ones freed one by one, the rest by a reset. */
static void *pool_thread(void *arg) {
    (void)arg;
    char *slab = malloc(1000 * 32);
    if (!slab) return NULL;
    for (int i = 0; i < 1000; i++) MK_PROF_POOL_ALLOC(slab, slab + i * 32, 32);
    for (int i = 0; i < 1000; i += 2) MK_PROF_POOL_FREE(slab, slab + i * 32);
    MK_PROF_POOL_RESET(slab);
    free(slab);
    return slab;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "threads")) {
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            if (pthread_create(&t[i], NULL, pool_thread, NULL)) return 1;
        for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
        return 0;
    }
    int on = argc > 1 && !strcmp(argv[1], "annotate");
    static mk_arena a;
    if (mk_arena_init(&a, NULL) != MK_OK) return 1;
    int ann = on ? mk_arena_annotate(&a, true) : 0;
    printf("annotate=%d\n", ann);
    for (int i = 0; i < 100; i++)
        if (!arena_small(&a)) return 1;
    mk_arena_reset(&a);
    mk_count_region r;
    struct mk_count_stats d;
    mk_count_region_begin(&r);
    pool_part(on);
    mk_count_region_end(&r, &d);
    printf("region=%llu,%llu,%llu,%llu\n", (unsigned long long)d.allocs, (unsigned long long)d.bytes_allocated,
           (unsigned long long)d.frees, (unsigned long long)d.bytes_freed);
    loose_part(on);
    big_part(on);
    mkpool_part(on);
    for (int i = 0; i < 10; i++)
        if (!arena_kept(&a)) return 1;
    return 0; /* the arena and its 10 blocks stay live at exit */
}
