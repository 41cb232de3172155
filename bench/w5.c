/* w5.c - W5 of WORKLOADS.md: 10,000,000 small strings, transient and retained, for mk_string,
 * strndup/free, a hand-written C 23-inline floor, and the Rust peers (String, kstring;
 * bench/rust/src/bin/w5.rs).
 *
 *   build/w5                                  the table (driver.h: $W5_ROUNDS interleaved rounds,
 *                                             default 7; also written to build/results/w5.md)
 *   build/w5 one <contender> <transient|retained>   prints "<ns/string> <checksum> <% allocations avoided>"
 *
 * The workload: a 65,536-letter source ('a' + splitmix64 % 26, seed 0x5EED0007); then per string,
 * from the same generator, r = next % 100, len = r < 80 ? next % 24 : 24 + next % 17 (80% are 0..23
 * bytes, the rest 24..40), off = next % (65536 - len + 1). Offsets and lengths are made before
 * timing. Each string is made from source[off..off+len), then read (checksum += its length + its
 * first byte; a C string's length is strlen, which is what a C string costs), then dropped:
 * one at a time (transient), or all made into a pre-faulted array, all read, all dropped (retained).
 * Three runs per process; the figure is the mean of runs 2 and 3. "Allocations avoided" is counted
 * in an untimed pass: for mk_string with a counting mk_allocator, for the others by their rule.
 */
#include "driver.h"

#include "memkit/str.h"

#define NSTR 10000000u
#define SRCLEN 65536u

static char src[SRCLEN];
static uint32_t *offs;
static uint8_t *lens;

static void make_workload(void) {
    uint64_t x = 0x5EED0007ull;
    for (size_t i = 0; i < SRCLEN; i++) src[i] = (char)('a' + splitmix64(&x) % 26);
    offs = malloc(NSTR * sizeof *offs);
    lens = malloc(NSTR);
    if (!offs || !lens) exit(2);
    for (size_t i = 0; i < NSTR; i++) {
        unsigned r = (unsigned)(splitmix64(&x) % 100);
        unsigned len = r < 80 ? (unsigned)(splitmix64(&x) % 24) : 24 + (unsigned)(splitmix64(&x) % 17);
        lens[i] = (uint8_t)len;
        offs[i] = (uint32_t)(splitmix64(&x) % (SRCLEN - len + 1));
    }
}

/* ---- memkit ---- */
typedef mk_string mks;
static inline void mks_make(mks *s, const char *p, size_t n) {
    if (!mk_string_from_len(s, p, n, NULL)) abort();
}
static inline size_t mks_len(const mks *s) { return mk_string_len(s); }
static inline unsigned char mks_first(const mks *s) { return (unsigned char)mk_string_data(s)[0]; }
static inline void mks_drop(mks *s) { mk_string_free(s, NULL); }

/* ---- strndup/free ---- */
typedef char *cstr;
static inline void cstr_make(cstr *s, const char *p, size_t n) { *s = strndup(p, n); }
static inline size_t cstr_len(const cstr *s) { return strlen(*s); }
static inline unsigned char cstr_first(const cstr *s) { return (unsigned char)(*s)[0]; }
static inline void cstr_drop(cstr *s) { free(*s); }

/* ---- the C 23-inline floor: the least a 24-byte, 23-inline string can do ---- */
typedef union fs {
    char inl[24];
    struct { char *p; size_t len; char pad[7]; unsigned char tag; } h;
} fs;
static inline void fs_make(fs *s, const char *p, size_t n) {
    if (n <= 23) {
        memcpy(s->inl, p, n);
        s->inl[n] = 0;
        s->h.tag = (unsigned char)(23 - n);
    } else {
        char *d = malloc(n + 1);
        memcpy(d, p, n);
        d[n] = 0;
        s->h.p = d, s->h.len = n, s->h.tag = 0xFF;
    }
}
static inline size_t fs_len(const fs *s) { return s->h.tag < 24 ? 23u - s->h.tag : s->h.len; }
static inline unsigned char fs_first(const fs *s) { return (unsigned char)(s->h.tag < 24 ? s->inl[0] : s->h.p[0]); }
static inline void fs_drop(fs *s) { if (s->h.tag >= 24) free(s->h.p); }

#define W5_CONTENDER(f, T, MAKE, LEN, FIRST, DROP)                                                   \
    static uint64_t f##_transient(void *mem) {                                                       \
        (void)mem;                                                                                   \
        uint64_t sum = 0;                                                                            \
        for (size_t i = 0; i < NSTR; i++) {                                                          \
            T s;                                                                                     \
            MAKE(&s, src + offs[i], lens[i]);                                                        \
            BENCH_KEEP(&s);                                                                          \
            sum += LEN(&s) + FIRST(&s);                                                              \
            DROP(&s);                                                                                \
        }                                                                                            \
        return sum;                                                                                  \
    }                                                                                                \
    static uint64_t f##_retained(void *mem) {                                                        \
        T *arr = mem;                                                                                \
        uint64_t sum = 0;                                                                            \
        for (size_t i = 0; i < NSTR; i++) {                                                          \
            MAKE(&arr[i], src + offs[i], lens[i]);                                                   \
            BENCH_KEEP(&arr[i]);                                                                     \
        }                                                                                            \
        for (size_t i = 0; i < NSTR; i++) sum += LEN(&arr[i]) + FIRST(&arr[i]);                      \
        for (size_t i = 0; i < NSTR; i++) DROP(&arr[i]);                                             \
        return sum;                                                                                  \
    }

W5_CONTENDER(mk_string, mks, mks_make, mks_len, mks_first, mks_drop)
W5_CONTENDER(strndup, cstr, cstr_make, cstr_len, cstr_first, cstr_drop)
W5_CONTENDER(c_inline23, fs, fs_make, fs_len, fs_first, fs_drop)

/* Allocations counted through the real API: an mk_allocator that counts. */
static size_t counted;
static void *cnt_alloc(void *ctx, size_t size, size_t align) { (void)ctx; counted++; return mk_alloc(NULL, size, align); }
static void *cnt_resize(void *ctx, void *p, size_t o, size_t n, size_t align) {
    (void)ctx;
    counted++;
    return mk_resize(NULL, p, o, n, align);
}
static void cnt_free(void *ctx, void *p, size_t size, size_t align) { (void)ctx; mk_free(NULL, p, size, align); }

static double avoided_pct(const char *name) {
    size_t allocs = 0;
    if (strcmp(name, "mk_string") == 0) {
        mk_allocator a = {cnt_alloc, cnt_resize, cnt_free, NULL};
        counted = 0;
        for (size_t i = 0; i < NSTR; i++) {
            mk_string s;
            if (!mk_string_from_len(&s, src + offs[i], lens[i], &a)) exit(2);
            mk_string_free(&s, &a);
        }
        allocs = counted;
    } else if (strcmp(name, "strndup") == 0) {
        allocs = NSTR; /* every strndup allocates, the empty string included */
    } else {
        for (size_t i = 0; i < NSTR; i++) allocs += lens[i] > 23;
    }
    return 100.0 * (double)(NSTR - allocs) / NSTR;
}

typedef uint64_t (*w5_fn)(void *);
static const struct c_contender {
    const char *name, *label;
    w5_fn transient, retained;
    size_t size;
} C_CONTENDERS[] = {
    {"mk_string", "memkit mk_string", mk_string_transient, mk_string_retained, sizeof(mks)},
    {"strndup", "strndup/free", strndup_transient, strndup_retained, sizeof(cstr)},
    {"c_inline23", "C 23-inline floor", c_inline23_transient, c_inline23_retained, sizeof(fs)},
};
#define NC (sizeof C_CONTENDERS / sizeof C_CONTENDERS[0])

static int run_one(const char *name, const char *mode) {
    const struct c_contender *c = NULL;
    for (size_t i = 0; i < NC; i++)
        if (strcmp(C_CONTENDERS[i].name, name) == 0) c = &C_CONTENDERS[i];
    if (!c) { fprintf(stderr, "w5: unknown contender %s\n", name); return 2; }
    int retained = strcmp(mode, "retained") == 0;
    make_workload();
    void *mem = NULL;
    if (retained) {
        mem = malloc((size_t)NSTR * c->size);
        if (!mem) return 2;
        memset(mem, 0, (size_t)NSTR * c->size); /* pre-faulted */
    }
    double t[3];
    uint64_t sum = 0;
    for (int r = 0; r < 3; r++) {
        uint64_t t0 = now_ns();
        sum = (retained ? c->retained : c->transient)(mem);
        t[r] = (double)(now_ns() - t0) / NSTR;
    }
    printf("%.2f %llu %.1f\n", (t[1] + t[2]) / 2, (unsigned long long)sum, avoided_pct(name));
    free(mem);
    return 0;
}

/* ---- the table: each contender and mode in its own processes (driver.h); group = mode ---- */

static const char *const modes[2] = {"transient", "retained"};

static void print(FILE *out, const struct bench_run *r) {
    fprintf(out, "W5 small strings: %u strings (80%% of 0..23 bytes, 20%% of 24..40); ns per string (make + read"
                 " length and first byte + drop), warm; ", NSTR);
    bench_put_conditions(out, r);
    fprintf(out, ".\n\n");
    for (int m = 0; m < 2; m++) {
        const struct bench_contender *ref = bench_nth(r, m, 0);
        fprintf(out, "| %s | median ns/string | min-max | ratio to mk_string | allocations avoided |\n"
                     "|---|---|---|---|---|\n", modes[m]);
        for (int i = 0; i < r->nc; i++) {
            const struct bench_contender *c = &r->c[i];
            if (c->group != m || !c->ok) continue;
            fprintf(out, "| %s | %.1f | %.1f-%.1f | %.2f | %.1f%% |\n", c->label, bench_med(c, 0), bench_lo(c, 0),
                    bench_hi(c, 0), bench_rat(c, ref, 0), bench_med(c, 2));
        }
        fprintf(out, "\n");
        bench_put_ratio(out, bench_nth(r, m, 1), bench_nth(r, m, 0), 0, "strndup/free vs mk_string (target >= 1.8 retained)");
        bench_put_ratio(out, bench_nth(r, m, NC), bench_nth(r, m, 0), 0, "kstring vs mk_string (target >= 1.0)");
        bench_put_ratio(out, bench_nth(r, m, 0), bench_nth(r, m, 2), 0, "mk_string vs C 23-inline floor");
        fprintf(out, "\n");
    }
    if (r->notes[0]) fprintf(out, "%s", r->notes);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "one") == 0) return run_one(argv[2], argv[3]);
    if (argc != 1) {
        fprintf(stderr, "usage: w5 [one <contender> <transient|retained>]\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w5", 7);
    r.sum_col = 1;
    const char *rust = "rust/target/release/w5";
    int have_rust = bench_have(&r, rust, "the Rust peers");
    static const char *const rust_names[][2] = {{"kstring", "Rust kstring (max_inline)"}, {"string", "Rust String"}};
    for (int m = 0; m < 2; m++) {
        for (size_t i = 0; i < NC; i++) bench_add_own(&r, C_CONTENDERS[i].label, m, C_CONTENDERS[i].name, modes[m]);
        if (have_rust)
            for (int i = 0; i < 2; i++) bench_add(&r, rust_names[i][1], m, rust, rust_names[i][0], modes[m], NULL);
    }
    return bench_main(&r, print);
}
