/* test_pool.c - mk_pool: slots, reuse, reset, stats, typed wrapper, double free in checked builds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "memkit/pool.h"

typedef struct node { struct node *next; int value; double weight; } node;
MK_POOL_DEFINE(node_pool, node)

TEST(alloc_free_reuse) {
    mk_pool p;
    CHECK_EQ(mk_pool_init(&p, 24, 8, NULL), MK_OK);
    void *a = mk_pool_alloc(&p), *b = mk_pool_alloc(&p);
    CHECK_NOT_NULL(a);
    CHECK_NOT_NULL(b);
    CHECK(a != b);
    CHECK_EQ((uintptr_t)a % 8, 0);
    mk_pool_free(&p, a);
    CHECK_PTR_EQ(mk_pool_alloc(&p), a); /* the freed slot comes back first */
    mk_pool_free(&p, NULL);
    mk_pool_destroy(&p);
}

TEST(many_objects_stats_and_reset) {
    mk_pool p;
    mk_pool_init(&p, 32, 8, NULL);
    enum { N = 100000 };
    static void *objs[N];
    for (int i = 0; i < N; i++) {
        objs[i] = mk_pool_alloc(&p);
        CHECK_NOT_NULL(objs[i]);
        memset(objs[i], i & 0xff, 32);
    }
    for (int i = 0; i < N; i += 2) mk_pool_free(&p, objs[i]);
    struct mk_pool_stats s;
    mk_pool_stats(&p, &s);
    CHECK_EQ(s.version, MK_POOL_STATS_VERSION);
    CHECK_EQ(s.object_size, 32);
    CHECK_EQ(s.slot_size, 32);
    CHECK_EQ(s.live, N / 2);
    CHECK_EQ(s.free, N / 2);
    /* No per-object overhead; chunks double, so at most twice the live bytes are reserved (pages
     * never touched are not resident: bench/ measures RSS). */
    CHECK_LE(s.reserved, (size_t)N * 32 * 2 + 8192);
    mk_pool_reset(&p);
    mk_pool_stats(&p, &s);
    CHECK_EQ(s.live, 0);
    CHECK_EQ(s.free, 0);
    size_t reserved = s.reserved;
    for (int i = 0; i < N; i++) CHECK_PTR_EQ(mk_pool_alloc(&p), objs[i]);
    mk_pool_stats(&p, &s);
    CHECK_EQ(s.reserved, reserved);
    mk_pool_destroy(&p);
}

TEST(sizes_and_alignment) {
    mk_pool p;
    CHECK_EQ(mk_pool_init(&p, 1, 1, NULL), MK_OK); /* a slot holds at least a pointer */
    struct mk_pool_stats s;
    mk_pool_stats(&p, &s);
    CHECK_EQ(s.slot_size, sizeof(void *));
    mk_pool_destroy(&p);
    CHECK_EQ(mk_pool_init(&p, 40, 64, NULL), MK_OK);
    for (int i = 0; i < 100; i++) CHECK_EQ((uintptr_t)mk_pool_alloc(&p) % 64, 0);
    mk_pool_destroy(&p);
    memset(&p, 0xA5, sizeof p);
    CHECK_EQ(mk_pool_init(&p, 8, 3, NULL), MK_EINVAL);
    mk_pool_destroy(&p); /* a failed init leaves a pool that destroy accepts (CONTRIBUTING.md) */
    memset(&p, 0xA5, sizeof p);
    CHECK_EQ(mk_pool_init(&p, SIZE_MAX - 2, 16, NULL), MK_EOVERFLOW);
    mk_pool_destroy(&p);
    CHECK_EQ(mk_pool_init(&p, SIZE_MAX / 2, 8, NULL), MK_OK);
    CHECK_NULL(mk_pool_alloc(&p)); /* a slot that cannot exist fails, never aborts */
    mk_pool_destroy(&p);
}

TEST(limit_reached) {
    mk_pool p;
    CHECK_EQ(mk_pool_init_opts(&p, 64, 8, &(mk_arena_opts){.first_chunk = 1024, .limit = 4096}), MK_OK);
    int n = 0;
    while (mk_pool_alloc(&p)) n++;
    CHECK_GT(n, 20);
    CHECK_LE(n, 4096 / 64);
    mk_pool_destroy(&p);
}

TEST(typed_wrapper) {
    node_pool np;
    CHECK_EQ(node_pool_init(&np, NULL), MK_OK);
    node *head = NULL;
    for (int i = 0; i < 1000; i++) {
        node *n = node_pool_alloc(&np);
        n->value = i;
        n->next = head;
        head = n;
    }
    int sum = 0;
    for (node *n = head; n; n = n->next) sum += n->value;
    CHECK_EQ(sum, 999 * 1000 / 2);
    node_pool_free(&np, head);
    node_pool_reset(&np);
    node_pool_destroy(&np);
}

TEST(reuse_and_refill_allocate_nothing) {
    REQUIRE_COUNTING();
    mk_pool p;
    mk_pool_init(&p, 32, 8, NULL);
    void *objs[1000];
    for (int i = 0; i < 1000; i++) objs[i] = mk_pool_alloc(&p);
    for (int i = 0; i < 1000; i++) mk_pool_free(&p, objs[i]);
    CHECK_NO_ALLOCS({
        for (int i = 0; i < 1000; i++) objs[i] = mk_pool_alloc(&p); /* from the free list */
        mk_pool_reset(&p);
        for (int i = 0; i < 1000; i++) objs[i] = mk_pool_alloc(&p); /* carved again from kept memory */
    });
    mk_pool_destroy(&p);
}

#ifndef NDEBUG
static int free_twice(void *arg) {
    (void)arg;
    mk_pool p;
    mk_pool_init(&p, 32, 8, NULL);
    void *x = mk_pool_alloc(&p);
    mk_pool_free(&p, x);
    mk_pool_free(&p, x);
    return 0;
}
#endif

/* Checked builds (dbg, asan) catch a double free: the child frees twice and must abort. */
TEST(double_free_is_caught) {
#ifdef NDEBUG
    SKIP("double-free detection is for checked builds");
#else
    char buf[512];
    int status = mk_t_run_child(free_twice, NULL, buf, sizeof buf);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
#endif
}

TEST_MAIN()
