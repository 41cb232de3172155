/* test_bytes_mt.c - views of one buffer cloned and dropped from several threads (run under TSan).
 *
 * Each worker receives its own clones, cuts them further, reads the bytes and drops everything; the
 * last drop, on whichever thread, must release the buffer exactly once and only after every other
 * thread's reads. ThreadSanitizer reports a race if the count's ordering is too weak.
 */
#include <pthread.h>

#include "harness.h"
#include "memkit/bytes.h"

enum { THREADS = 4, ROUNDS = 200, VIEWS = 64 };

static int releases;
static void on_release(void *ctx) {
    unsigned char *p = ctx;
    p[0] = 0xEE; /* a write after the readers: TSan checks they happened before */
    __atomic_fetch_add(&releases, 1, __ATOMIC_RELAXED);
    free(p);
}

struct job {
    mk_bytes views[VIEWS];
    unsigned long sum;
};

static void *worker(void *arg) {
    struct job *j = arg;
    for (int i = 0; i < VIEWS; i++) {
        mk_bytes c = mk_bytes_clone(&j->views[i]);
        mk_bytes head = mk_bytes_split_to(&c, 7);
        mk_bytes s = mk_bytes_slice(&c, 1, 30);
        for (size_t k = 0; k < s.len; k++) j->sum += s.ptr[k];
        j->sum += head.ptr[0];
        mk_bytes_drop(&s);
        mk_bytes_drop(&head);
        mk_bytes_drop(&c);
        mk_bytes_drop(&j->views[i]);
    }
    return NULL;
}

TEST(clones_dropped_from_many_threads) {
    releases = 0;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *data = malloc(256);
        for (int i = 0; i < 256; i++) data[i] = (unsigned char)i;
        mk_bytes b;
        CHECK_EQ(mk_bytes_from_owner(&b, data, 256, on_release, data, NULL), MK_OK);
        static struct job jobs[THREADS];
        pthread_t t[THREADS];
        for (int k = 0; k < THREADS; k++) {
            jobs[k].sum = 0;
            for (int i = 0; i < VIEWS; i++) jobs[k].views[i] = mk_bytes_slice(&b, (size_t)i, (size_t)i + 100);
        }
        mk_bytes_drop(&b); /* the workers hold the only references now */
        for (int k = 0; k < THREADS; k++) CHECK_EQ(pthread_create(&t[k], NULL, worker, &jobs[k]), 0);
        for (int k = 0; k < THREADS; k++) pthread_join(t[k], NULL);
        unsigned long want = 0;
        for (int i = 0; i < VIEWS; i++) {
            for (int k = i + 8; k < i + 37; k++) want += (unsigned)k;
            want += (unsigned)i;
        }
        for (int k = 0; k < THREADS; k++) CHECK_EQ(jobs[k].sum, want);
    }
    CHECK_EQ(releases, ROUNDS);
}

struct mut_job {
    mk_bytes_mut part;
    int id;
};

/* Halves of one mutable buffer written by different threads, then frozen and dropped there. */
static void *mut_worker(void *arg) {
    struct mut_job *j = arg;
    for (size_t i = 0; i < j->part.len; i++) j->part.ptr[i] = (unsigned char)j->id;
    mk_bytes f = mk_bytes_mut_freeze(&j->part);
    mk_bytes c = mk_bytes_clone(&f);
    mk_bytes_drop(&f);
    mk_bytes_drop(&c);
    return NULL;
}

TEST(mut_halves_written_and_dropped_on_threads) {
    for (int r = 0; r < ROUNDS; r++) {
        mk_bytes_mut m;
        CHECK_EQ(mk_bytes_mut_with_capacity(&m, 4096, NULL), MK_OK);
        static unsigned char zeros[4096];
        CHECK_EQ(mk_bytes_mut_put(&m, zeros, sizeof zeros), MK_OK);
        struct mut_job jobs[THREADS];
        pthread_t t[THREADS];
        for (int k = 0; k < THREADS; k++) {
            jobs[k].part = mk_bytes_mut_split_to(&m, 1024);
            jobs[k].id = k + 1;
        }
        mk_bytes_mut_drop(&m);
        for (int k = 0; k < THREADS; k++) CHECK_EQ(pthread_create(&t[k], NULL, mut_worker, &jobs[k]), 0);
        for (int k = 0; k < THREADS; k++) pthread_join(t[k], NULL);
    }
}

TEST_MAIN()
