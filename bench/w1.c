/* w1.c - workload W1 (small objects): mk_arena and mk_pool against malloc and the arena/pool peers.
 *
 *   build/w1                               the table (driver.h: $W1_ROUNDS processes per contender,
 *                                          default 5, of $W1_N objects, default 10M; also written to
 *                                          build/results/w1.md)
 *   build/w1 one <contender> [--fixed] [--n N]   one contender in this process, three rounds: prints
 *                                          "cold_ns warm_ns rss_over" (ns per object; rss_over = peak
 *                                          RSS growth over requested bytes, 1.0 = no overhead)
 *
 * The same source is linked three times (w1 with glibc, w1_je with -ljemalloc, w1_mi with -lmimalloc)
 * so that "malloc" means each of the three; the glibc build drives the table. A round is phase A (`p = alloc(size[i]); p[0] = (char)i; ptrs[i] = p;`) then phase B (free
 * everything the contender's way); cold = round 1, warm = mean of rounds 2-3. The size array and the
 * pointer array are faulted in before the baseline RSS is read, so neither counts as overhead.
 * A contender this build lacks prints "skip: <why>" and exits 3.
 * W1_DEBUG=1 in the environment adds the RSS baseline, peak and minor faults of the timed phase on stderr.
 */
#define _GNU_SOURCE
#include <obstack.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "driver.h"
#include "memkit/arena.h"
#include "memkit/pool.h"

#ifdef HAVE_TALLOC
#include <talloc.h>
#endif
#ifdef HAVE_APR
#include <apr_pools.h>
#endif
#ifdef HAVE_GLIB
#include <glib.h>
#endif

#define ROUNDS 3
#define FIXED_SIZE 32

/* ---- the naive bump floor: what thirty lines of C do with no care at all ------------------- */
/* Chunks of 1 MiB straight from mmap, align 8. naive_free munmaps them at the end of a round;
 * naive_reset keeps them and starts again at the first. */
#define NAIVE_CHUNK ((size_t)1 << 20)
typedef struct nchunk { struct nchunk *next; } nchunk;
typedef struct { char *ptr, *end; nchunk *cur, *first; } naive;

static __attribute__((noinline)) void *naive_more(naive *b, size_t size) {
    nchunk *c = b->cur ? b->cur->next : b->first;
    if (!c) {
        c = mmap(NULL, NAIVE_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED) return NULL;
        c->next = NULL;
        if (b->cur) b->cur->next = c; else b->first = c;
    }
    b->cur = c;
    b->ptr = (char *)(c + 1) + size;
    b->end = (char *)c + NAIVE_CHUNK;
    return c + 1; /* sizes here are far below a chunk */
}
static inline void *naive_alloc(naive *b, size_t size) {
    char *p = (char *)(((uintptr_t)b->ptr + 7) & ~(uintptr_t)7);
    if (size > (size_t)(b->end - p)) return naive_more(b, size);
    b->ptr = p + size;
    return p;
}
static void naive_reset(naive *b) { b->cur = NULL, b->ptr = b->end = NULL; }
static void naive_free(naive *b) {
    for (nchunk *c = b->first, *n; c; c = n) n = c->next, munmap(c, NAIVE_CHUNK);
    *b = (naive){0};
}

/* ---- rounds --------------------------------------------------------------------------------- */
static size_t n_obj;
static char **ptrs;
static uint8_t *sz;

#define FILL(ALLOC)                                                                                \
    for (size_t i = 0; i < n; i++) {                                                               \
        char *p = (char *)(ALLOC);                                                                 \
        p[0] = (char)i;                                                                            \
        ptrs[i] = p;                                                                               \
    }

enum kind { K_MALLOC, K_NAIVE_FREE, K_NAIVE_KEEP, K_ARENA, K_ARENA_NEW, K_POOL,
            K_POOL_FREE, K_OBSTACK, K_TALLOC, K_APR, K_GSLICE };

static const struct { const char *name; enum kind k; } kinds[] = {
    {"malloc", K_MALLOC}, {"naive-free", K_NAIVE_FREE}, {"naive-keep", K_NAIVE_KEEP},
    {"arena", K_ARENA}, {"arena-new", K_ARENA_NEW},
    {"pool", K_POOL}, {"pool-free", K_POOL_FREE}, {"obstack", K_OBSTACK}, {"talloc", K_TALLOC},
    {"apr", K_APR}, {"gslice", K_GSLICE},
};

#define obstack_chunk_alloc malloc
#define obstack_chunk_free free

/* State that lives across rounds (the contenders that keep memory between rounds). */
static naive nv;
static mk_arena arena;
static mk_pool pool;
static struct obstack ob;
static void *ob_base;
#ifdef HAVE_APR
static apr_pool_t *apr;
#endif

static int setup(enum kind k) {
    switch (k) {
    case K_ARENA: return mk_arena_init(&arena, NULL) != MK_OK;
    case K_POOL: case K_POOL_FREE: return mk_pool_init(&pool, FIXED_SIZE, 8, NULL) != MK_OK;
    case K_OBSTACK:
        obstack_init(&ob);
        obstack_alignment_mask(&ob) = 7; /* arenas align 8 in W1 */
        ob_base = obstack_alloc(&ob, 0);
        return 0;
#ifdef HAVE_APR
    case K_APR: return apr_initialize() != APR_SUCCESS || apr_pool_create(&apr, NULL) != APR_SUCCESS;
#endif
    default: return 0;
    }
}

/* One round: phase A and phase B of all n objects. Returns nanoseconds. */
static uint64_t round_once(enum kind k, size_t n) {
    uint64_t t0 = now_ns();
    switch (k) {
    case K_MALLOC:
        FILL(malloc(sz[i]));
        for (size_t i = 0; i < n; i++) free(ptrs[i]);
        break;
    case K_NAIVE_FREE:
        FILL(naive_alloc(&nv, sz[i]));
        naive_free(&nv);
        break;
    case K_NAIVE_KEEP:
        FILL(naive_alloc(&nv, sz[i]));
        naive_reset(&nv);
        break;
    case K_ARENA:
        FILL(mk_arena_alloc(&arena, sz[i], 8));
        mk_arena_reset(&arena);
        break;
    case K_ARENA_NEW: {
        mk_arena a;
        (void)mk_arena_init(&a, NULL);
        FILL(mk_arena_alloc(&a, sz[i], 8));
        mk_arena_destroy(&a);
        break;
    }
    case K_POOL:
        FILL(mk_pool_alloc(&pool));
        mk_pool_reset(&pool);
        break;
    case K_POOL_FREE:
        FILL(mk_pool_alloc(&pool));
        for (size_t i = 0; i < n; i++) mk_pool_free(&pool, ptrs[i]);
        break;
    case K_OBSTACK:
        FILL(obstack_alloc(&ob, sz[i]));
        obstack_free(&ob, ob_base);
        ob_base = obstack_alloc(&ob, 0);
        break;
#ifdef HAVE_TALLOC
    case K_TALLOC: {
        void *ctx = talloc_new(NULL);
        FILL(talloc_size(ctx, sz[i]));
        talloc_free(ctx);
        break;
    }
#endif
#ifdef HAVE_APR
    case K_APR:
        FILL(apr_palloc(apr, sz[i]));
        apr_pool_clear(apr);
        break;
#endif
#ifdef HAVE_GLIB
    case K_GSLICE:
        FILL(g_slice_alloc(sz[i]));
        for (size_t i = 0; i < n; i++) g_slice_free1(sz[i], ptrs[i]);
        break;
#endif
    default: break;
    }
    uint64_t t1 = now_ns();
    BENCH_KEEP(ptrs);
    return t1 - t0;
}

static uint64_t current_rss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int available(enum kind k, const char **why) {
    (void)why;
    switch (k) {
#ifndef HAVE_TALLOC
    case K_TALLOC: *why = "talloc not installed"; return 0;
#endif
#ifndef HAVE_APR
    case K_APR: *why = "APR not installed"; return 0;
#endif
#ifndef HAVE_GLIB
    case K_GSLICE: *why = "GLib not installed"; return 0;
#endif
    default: return 1;
    }
}

static int run_one(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    int fixed = 0;
    n_obj = 10000000;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--fixed")) fixed = 1;
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) n_obj = strtoull(argv[++i], NULL, 10);
    }
    int idx = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].name, name)) idx = (int)i;
    if (idx < 0 || n_obj == 0) {
        fprintf(stderr, "usage: w1 [one <contender> [--fixed] [--n N]]; contenders:");
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) fprintf(stderr, " %s", kinds[i].name);
        fprintf(stderr, "\n");
        return 2;
    }
    enum kind k = kinds[idx].k;
    const char *why = "";
    if (!available(k, &why)) {
        printf("skip: %s\n", why);
        return 3;
    }
    /* Inputs, faulted in before the baseline. */
    size_t n = n_obj;
    sz = malloc(n);
    ptrs = malloc(n * sizeof *ptrs);
    if (!sz || !ptrs) return 1;
    uint64_t seed = 0x5EED0001, requested = 0;
    for (size_t i = 0; i < n; i++) {
        sz[i] = (uint8_t)(fixed ? FIXED_SIZE : 16 + splitmix64(&seed) % 49);
        requested += sz[i];
    }
    /* Not 0: gcc turns malloc + memset 0 into calloc, which faults nothing in. */
    memset(ptrs, 0xA5, n * sizeof *ptrs);
    if ((k == K_POOL || k == K_POOL_FREE) && !fixed) {
        printf("skip: a pool holds one size (fixed variant only)\n");
        return 3;
    }
    if (setup(k)) {
        printf("skip: setup failed\n");
        return 3;
    }
    uint64_t base = current_rss();
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) ns[r] = (double)round_once(k, n) / (double)n;
    uint64_t peak = peak_rss();
    getrusage(RUSAGE_SELF, &ru1);
    double over = peak > base ? (double)(peak - base) / (double)requested : 0;
    if (getenv("W1_DEBUG"))
        fprintf(stderr, "base %lu peak %lu req %lu minflt %ld\n", (unsigned long)base, (unsigned long)peak,
                (unsigned long)requested, ru1.ru_minflt - ru0.ru_minflt);
    printf("%.3f %.3f %.4f\n", ns[0], (ns[1] + ns[2]) / 2, over);
    return 0;
}

/* ---- the table: every contender in processes of its own (driver.h); group 0 = sizes 16..64 B, 1 = fixed 32 B */

#define RUST "rust/target/release/w1"
static const struct w1_row {
    const char *label, *bin, *arg; /* bin relative to the bench directory; NULL: this program */
    int fixed, ref;
} rows[] = {
    /* variable sizes 16..64 B */
    {"naive bump, frees chunks", NULL, "naive-free", 0, 0},
    {"naive bump, keeps chunks (reset)", NULL, "naive-keep", 0, 0},
    {"**mk_arena, reset**", NULL, "arena", 0, 1},
    {"mk_arena, new per round", NULL, "arena-new", 0, 0},
    {"bumpalo, new Bump per round", RUST, "bumpalo-new", 0, 0},
    {"bumpalo, reset", RUST, "bumpalo-reset", 0, 0},
    {"APR pool (clear)", NULL, "apr", 0, 0},
    {"obstack (free to base)", NULL, "obstack", 0, 0},
    {"talloc (free context)", NULL, "talloc", 0, 0},
    {"GLib g_slice", NULL, "gslice", 0, 0},
    {"glibc malloc+free", NULL, "malloc", 0, 0},
    {"jemalloc", "build/w1_je", "malloc", 0, 0},
    {"mimalloc", "build/w1_mi", "malloc", 0, 0},
    /* fixed 32 B */
    {"naive bump, frees chunks", NULL, "naive-free", 1, 0},
    {"naive bump, keeps chunks (reset)", NULL, "naive-keep", 1, 0},
    {"mk_arena, reset", NULL, "arena", 1, 0},
    {"**mk_pool, reset**", NULL, "pool", 1, 1},
    {"mk_pool, free each", NULL, "pool-free", 1, 0},
    {"typed-arena, new per round", RUST, "typed-arena", 1, 0},
    {"bumpalo, reset", RUST, "bumpalo-reset", 1, 0},
    {"APR pool (clear)", NULL, "apr", 1, 0},
    {"GLib g_slice", NULL, "gslice", 1, 0},
    {"glibc malloc+free", NULL, "malloc", 1, 0},
    {"jemalloc", "build/w1_je", "malloc", 1, 0},
    {"mimalloc", "build/w1_mi", "malloc", 1, 0},
};
#define NROWS (sizeof rows / sizeof rows[0])
static size_t n_table = 10000000;

/* Figures: 0 cold ns/obj, 1 warm ns/obj, 2 RSS over requested. */
static void table(FILE *out, const struct bench_run *r, int fixed) {
    const struct bench_contender *ref = NULL;
    for (int i = 0; i < r->nc; i++)
        if (r->c[i].group == fixed && r->c[i].ok && strstr(r->c[i].label, "**")) ref = &r->c[i];
    fprintf(out, "| contender (%s) | cold ns/obj | warm ns/obj | cold ratio | warm ratio | RSS over requested |\n",
            fixed ? "fixed 32 B" : "sizes 16..64 B");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (int i = 0; i < r->nc; i++) {
        const struct bench_contender *c = &r->c[i];
        if (c->group != fixed) continue;
        if (!c->ok) {
            fprintf(out, "| %s | skipped: %s | | | | |\n", c->label, c->note);
            continue;
        }
        fprintf(out, "| %s | %.1f (%.1f-%.1f) | %.2f (%.2f-%.2f) | ", c->label, bench_med(c, 0), bench_lo(c, 0),
                bench_hi(c, 0), bench_med(c, 1), bench_lo(c, 1), bench_hi(c, 1));
        if (ref) fprintf(out, "%.2fx | %.2fx | ", bench_rat(c, ref, 0), bench_rat(c, ref, 1));
        else fprintf(out, "- | - | ");
        double o = bench_med(c, 2);
        fprintf(out, "%+.1f%% (%+.1f..%+.1f) |\n", (o - 1) * 100, (bench_lo(c, 2) - 1) * 100, (bench_hi(c, 2) - 1) * 100);
    }
}

static void print(FILE *out, const struct bench_run *r) {
    fprintf(out, "W1: %zu objects, 3 rounds per process (cold = round 1, warm = mean of rounds 2-3); ", n_table);
    bench_put_conditions(out, r);
    fprintf(out, ".\nMedians (min-max); ratios are medians of the per-process ratios to the **bold** row "
                 "(above 1 = slower than it); RSS over requested = (peak RSS - baseline) / requested - 1, "
                 "median (min..max).\n\n");
    table(out, r, 0);
    fprintf(out, "\n");
    table(out, r, 1);
    if (r->notes[0]) fprintf(out, "\n%s", r->notes);
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "one")) return run_one(argc - 1, argv + 1);
    if (argc != 1) {
        fprintf(stderr, "usage: w1 [one <contender> [--fixed] [--n N]]\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w1", 5);
    /* Shuffled per round (fixed seed): on this VM a process's cold figure depends on what the
     * previous process left in the page allocator (a process after one that freed 400 MB of small
     * pages gets its huge pages slower), so no row may always follow the same one. */
    r.order = BENCH_SHUFFLE;
    const char *e = getenv("W1_N");
    if (e && strtoull(e, NULL, 10) > 0) n_table = strtoull(e, NULL, 10);
    char n[32];
    snprintf(n, sizeof n, "%zu", n_table);
    int have_rust = bench_have(&r, RUST, "the bumpalo and typed-arena rows");
    int have_je = bench_have(&r, "build/w1_je", "the jemalloc rows");
    int have_mi = bench_have(&r, "build/w1_mi", "the mimalloc rows");
    for (size_t i = 0; i < NROWS; i++) {
        const struct w1_row *w = &rows[i];
        const char *bin = w->bin ? w->bin : r.self, *fx = w->fixed ? "--fixed" : NULL;
        int rust = w->bin && !strcmp(w->bin, RUST);
        if (w->bin && ((rust && !have_rust) || (!strcmp(w->bin, "build/w1_je") && !have_je) ||
                       (!strcmp(w->bin, "build/w1_mi") && !have_mi)))
            continue;
        if (rust) bench_add(&r, w->label, w->fixed, bin, w->arg, "--n", n, fx, NULL);
        else bench_add(&r, w->label, w->fixed, bin, "one", w->arg, "--n", n, fx, NULL);
    }
    return bench_main(&r, print);
}
