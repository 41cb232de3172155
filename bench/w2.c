/* w2.c - W2 of WORKLOADS.md: 5,000,000 small vectors of u32, transient and retained, for
 * memkit's vec, smallvec and arrayvec, a malloc/realloc C vector, the hand-written C floors, and the
 * Rust peers (Vec, SmallVec<[u32; 4]>, ArrayVec<u32, 8>, bench/rust/src/bin/w2.rs).
 *
 *   build/w2                                  the table (driver.h: $W2_ROUNDS interleaved rounds,
 *                                             default 7; also written to build/results/w2.md)
 *   build/w2 one <contender> <transient|retained>   one measurement: prints "<ns/vector> <checksum>"
 *
 * Each process builds the workload (vector i gets k[i] pushes of (u32)(i + j), k from splitmix64
 * seed 0x5EED0002 and the cumulative table of WORKLOADS.md), runs it three times and reports the
 * mean of runs 2 and 3 (warm). Transient: build, read len and last, drop, one vector at a time.
 * Retained: build all into a pre-faulted array, read all, drop all. The built vector's address is
 * passed through BENCH_KEEP (std::hint::black_box in Rust) so no contender's stores can be elided.
 */
#include "driver.h"

#include "memkit/vec.h"

#define NVEC 5000000u

/* ---- memkit ---- */
MK_VEC_DEFINE(mkv, uint32_t)
MK_SMALLVEC_DEFINE(mksv, uint32_t, 4)
MK_ARRAYVEC_DEFINE(mkav, uint32_t, 8)

static inline void mkv_init0(mkv *v) { mkv_init(v, NULL); }
static inline void mksv_init0(mksv *v) { mksv_init(v, NULL); }
static inline uint32_t mkv_last0(mkv *v) { return *mkv_last(v); }
static inline uint32_t mksv_last0(mksv *v) { return *mksv_last(v); }
static inline uint32_t mkav_last0(mkav *v) { return *mkav_last(v); }
static inline void mkav_free0(mkav *v) { (void)v; }

/* ---- a malloc/realloc C vector, as one writes it by hand ---- */
typedef struct cvec { uint32_t *p; size_t len, cap; } cvec;
static inline void cvec_init(cvec *v) { v->p = NULL, v->len = v->cap = 0; }
static inline void cvec_push(cvec *v, uint32_t x) {
    if (v->len == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 4;
        uint32_t *p = realloc(v->p, nc * sizeof *p);
        if (!p) return;
        v->p = p, v->cap = nc;
    }
    v->p[v->len++] = x;
}
static inline size_t cvec_len(cvec *v) { return v->len; }
static inline uint32_t cvec_last(cvec *v) { return v->p[v->len - 1]; }
static inline void cvec_free(cvec *v) { free(v->p); }

/* ---- the C inline-4 floor: the least a 4-inline-then-heap vector can do ---- */
typedef struct in4 {
    uint32_t len, cap; /* cap 4: inline */
    union { uint32_t inl[4]; uint32_t *heap; } u;
} in4;
static inline void in4_init(in4 *v) { v->len = 0, v->cap = 4; }
static inline uint32_t *in4_data(in4 *v) { return v->cap == 4 ? v->u.inl : v->u.heap; }
static void in4_grow(in4 *v) {
    uint32_t nc = v->cap * 2, *p;
    if (v->cap == 4) {
        p = malloc(nc * sizeof *p);
        if (!p) return;
        memcpy(p, v->u.inl, sizeof v->u.inl);
    } else {
        p = realloc(v->u.heap, nc * sizeof *p);
        if (!p) return;
    }
    v->u.heap = p, v->cap = nc;
}
static inline void in4_push(in4 *v, uint32_t x) {
    if (v->len == v->cap) {
        in4_grow(v);
        if (v->len == v->cap) return;
    }
    in4_data(v)[v->len++] = x;
}
static inline size_t in4_len(in4 *v) { return v->len; }
static inline uint32_t in4_last(in4 *v) { return in4_data(v)[v->len - 1]; }
static inline void in4_free(in4 *v) { if (v->cap != 4) free(v->u.heap); }

/* ---- the C u32[8] floor ---- */
typedef struct a8 { uint32_t len; uint32_t d[8]; } a8;
static inline void a8_init(a8 *v) { v->len = 0; }
static inline void a8_push(a8 *v, uint32_t x) { if (v->len < 8) v->d[v->len++] = x; }
static inline size_t a8_len(a8 *v) { return v->len; }
static inline uint32_t a8_last(a8 *v) { return v->d[v->len - 1]; }
static inline void a8_free(a8 *v) { (void)v; }

#define W2_CONTENDER(f, T, INIT, PUSH, LEN, LAST, FREE)                                              \
    static uint64_t f##_transient(const uint8_t *k, size_t n, void *mem) {                          \
        (void)mem;                                                                                   \
        uint64_t sum = 0;                                                                            \
        for (size_t i = 0; i < n; i++) {                                                             \
            T v;                                                                                     \
            INIT(&v);                                                                                \
            for (uint32_t j = 0; j < k[i]; j++) PUSH(&v, (uint32_t)(i + j));                         \
            BENCH_KEEP(&v);                                                                          \
            size_t len = LEN(&v);                                                                    \
            sum += len + (len ? LAST(&v) : 0);                                                       \
            FREE(&v);                                                                                \
        }                                                                                            \
        return sum;                                                                                  \
    }                                                                                                \
    static uint64_t f##_retained(const uint8_t *k, size_t n, void *mem) {                           \
        T *arr = mem;                                                                                \
        uint64_t sum = 0;                                                                            \
        for (size_t i = 0; i < n; i++) {                                                             \
            INIT(&arr[i]);                                                                           \
            for (uint32_t j = 0; j < k[i]; j++) PUSH(&arr[i], (uint32_t)(i + j));                    \
            BENCH_KEEP(&arr[i]);                                                                     \
        }                                                                                            \
        for (size_t i = 0; i < n; i++) {                                                             \
            size_t len = LEN(&arr[i]);                                                               \
            sum += len + (len ? LAST(&arr[i]) : 0);                                                  \
        }                                                                                            \
        for (size_t i = 0; i < n; i++) FREE(&arr[i]);                                                \
        return sum;                                                                                  \
    }

W2_CONTENDER(mk_vec, mkv, mkv_init0, mkv_push, mkv_len, mkv_last0, mkv_free)
W2_CONTENDER(mk_smallvec, mksv, mksv_init0, mksv_push, mksv_len, mksv_last0, mksv_free)
W2_CONTENDER(mk_arrayvec, mkav, mkav_init, mkav_push, mkav_len, mkav_last0, mkav_free0)
W2_CONTENDER(c_vec, cvec, cvec_init, cvec_push, cvec_len, cvec_last, cvec_free)
W2_CONTENDER(c_inline4, in4, in4_init, in4_push, in4_len, in4_last, in4_free)
W2_CONTENDER(c_u32x8, a8, a8_init, a8_push, a8_len, a8_last, a8_free)

typedef uint64_t (*w2_fn)(const uint8_t *, size_t, void *);
static const struct c_contender {
    const char *name, *label;
    w2_fn transient, retained;
    size_t size;
} C_CONTENDERS[] = {
    {"mk_smallvec", "memkit smallvec (u32, 4 inline)", mk_smallvec_transient, mk_smallvec_retained, sizeof(mksv)},
    {"c_inline4", "C inline-4 floor", c_inline4_transient, c_inline4_retained, sizeof(in4)},
    {"mk_arrayvec", "memkit arrayvec (u32, 8)", mk_arrayvec_transient, mk_arrayvec_retained, sizeof(mkav)},
    {"c_u32x8", "C u32[8] floor", c_u32x8_transient, c_u32x8_retained, sizeof(a8)},
    {"mk_vec", "memkit vec (heap)", mk_vec_transient, mk_vec_retained, sizeof(mkv)},
    {"c_vec", "C malloc/realloc vector", c_vec_transient, c_vec_retained, sizeof(cvec)},
};
#define NC (sizeof C_CONTENDERS / sizeof C_CONTENDERS[0])

static uint8_t *make_k(size_t n) {
    static const unsigned cum[9] = {5, 35, 60, 80, 86, 91, 95, 98, 100};
    uint8_t *k = malloc(n);
    uint64_t seed = 0x5EED0002ull;
    if (!k) exit(2);
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)(splitmix64(&seed) % 100), j = 0;
        while (r >= cum[j]) j++;
        k[i] = (uint8_t)j;
    }
    return k;
}

static int run_one(const char *name, const char *mode) {
    const struct c_contender *c = NULL;
    for (size_t i = 0; i < NC; i++)
        if (strcmp(C_CONTENDERS[i].name, name) == 0) c = &C_CONTENDERS[i];
    if (!c) { fprintf(stderr, "w2: unknown contender %s\n", name); return 2; }
    int retained = strcmp(mode, "retained") == 0;
    uint8_t *k = make_k(NVEC);
    void *mem = NULL;
    if (retained) {
        mem = malloc(NVEC * c->size);
        if (!mem) return 2;
        memset(mem, 0, NVEC * c->size); /* pre-faulted */
    }
    double t[3];
    uint64_t sum = 0;
    for (int r = 0; r < 3; r++) {
        uint64_t t0 = now_ns();
        sum = (retained ? c->retained : c->transient)(k, NVEC, mem);
        t[r] = (double)(now_ns() - t0) / NVEC;
    }
    printf("%.2f %llu\n", (t[1] + t[2]) / 2, (unsigned long long)sum);
    free(mem);
    free(k);
    return 0;
}

/* ---- the table: each contender and mode in its own processes (driver.h); group = mode ---- */

static const char *const modes[2] = {"transient", "retained"};

static void print(FILE *out, const struct bench_run *r) {
    fprintf(out, "W2 small vectors: %u vectors of u32, mean 2.5 pushes; ns per vector (build + read len and last +"
                 " drop), warm; ", NVEC);
    bench_put_conditions(out, r);
    fprintf(out, ".\n\n");
    for (int m = 0; m < 2; m++) {
        const struct bench_contender *ref = bench_nth(r, m, 0);
        fprintf(out, "| %s | median ns/vector | min-max | ratio to memkit smallvec |\n|---|---|---|---|\n", modes[m]);
        for (int i = 0; i < r->nc; i++) {
            const struct bench_contender *c = &r->c[i];
            if (c->group != m || !c->ok) continue;
            fprintf(out, "| %s | %.1f | %.1f-%.1f | %.2f |\n", c->label, bench_med(c, 0), bench_lo(c, 0), bench_hi(c, 0),
                    bench_rat(c, ref, 0));
        }
        fprintf(out, "\n");
        bench_put_ratio(out, bench_nth(r, m, 0), bench_nth(r, m, 1), 0, "smallvec vs C inline-4 floor (target <= 1.2)");
        bench_put_ratio(out, bench_nth(r, m, NC), bench_nth(r, m, 0), 0, "smallvec crate vs memkit smallvec (target >= 2)");
        bench_put_ratio(out, bench_nth(r, m, 2), bench_nth(r, m, 3), 0, "arrayvec vs C u32[8] floor (target <= 1.2)");
        bench_put_ratio(out, bench_nth(r, m, NC + 1), bench_nth(r, m, 2), 0, "arrayvec crate vs memkit arrayvec");
        bench_put_ratio(out, bench_nth(r, m, NC + 2), bench_nth(r, m, 4), 0, "Rust Vec vs memkit vec");
        bench_put_ratio(out, bench_nth(r, m, 5), bench_nth(r, m, 4), 0, "C realloc vector vs memkit vec");
        fprintf(out, "\n");
    }
    if (r->notes[0]) fprintf(out, "%s", r->notes);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "one") == 0) return run_one(argv[2], argv[3]);
    if (argc != 1) {
        fprintf(stderr, "usage: w2 [one <contender> <transient|retained>]\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w2", 7);
    r.sum_col = 1;
    const char *rust = "rust/target/release/w2";
    int have_rust = bench_have(&r, rust, "the Rust peers");
    static const char *const rust_names[][2] = {
        {"smallvec", "Rust SmallVec<[u32; 4]>"}, {"arrayvec", "Rust ArrayVec<u32, 8>"}, {"vec", "Rust Vec<u32>"}};
    for (int m = 0; m < 2; m++) {
        for (size_t i = 0; i < NC; i++) bench_add_own(&r, C_CONTENDERS[i].label, m, C_CONTENDERS[i].name, modes[m]);
        if (have_rust)
            for (int i = 0; i < 3; i++) bench_add(&r, rust_names[i][1], m, rust, rust_names[i][0], modes[m], NULL);
    }
    return bench_main(&r, print);
}
