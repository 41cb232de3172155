/* w4.c - W4 interning: mk_interner (single-threaded and concurrent) against a C open-addressing
 * floor, GLib's g_intern_string and the common Rust idiom HashSet<&'static str> + Box::leak
 * (bench/rust/src/bin/w4.rs, SipHash and an Fx-style hasher).
 *
 *   build/w4            the table (driver.h: $W4_ROUNDS interleaved rounds, default 5; also written
 *                       to build/results/w4.md)
 *   build/w4 one NAME   one contender once: prints "ns_per_op rss_bytes_per_string own_bytes_per_string
 *                       checksum cpu_ns_per_op"
 *
 * Workload (WORKLOADS.md): 100,000 distinct words of 6..16 letters and 10,000,000 operations drawn
 * Zipf(s = 1.0) over them, all from splitmix64 seed 0x5EED0005, generated exactly as in w4.rs:
 * a word is len = 6 + next() % 11 letters 'a' + next() % 26 (duplicates skipped); the word of rank
 * k has weight 1/(k+1); an op draws u = (next() >> 11) * 2^-53 and takes the first rank whose
 * cumulative share is >= u. Each op interns its word and returns the canonical string; the checksum
 * adds its first and last bytes. Memory is the growth of VmRSS over the timed phase per distinct string.
 */
#include "driver.h"

#include <pthread.h>

#include "memkit/intern.h"
#ifdef HAVE_GLIB
#include <glib.h>
#endif

#define NWORDS 100000
#define NOPS 10000000
#define ROUNDS 5

static char *text;
static uint32_t woff[NWORDS];
static uint8_t wlen[NWORDS];
static uint32_t *ops;

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static void gen(void) {
    uint64_t seed = 0x5EED0005;
    text = malloc((size_t)NWORDS * 17);
    size_t dmask = (1u << 18) - 1, used = 0;
    uint32_t *dedup = calloc(dmask + 1, sizeof *dedup); /* word index + 1 */
    char w[17];
    int n = 0;
    while (n < NWORDS) {
        size_t len = 6 + splitmix64(&seed) % 11;
        for (size_t j = 0; j < len; j++) w[j] = (char)('a' + splitmix64(&seed) % 26);
        size_t i = fnv(w, len) & dmask;
        int dup = 0;
        for (; dedup[i]; i = (i + 1) & dmask) {
            uint32_t k = dedup[i] - 1;
            if (wlen[k] == len && memcmp(text + woff[k], w, len) == 0) { dup = 1; break; }
        }
        if (dup) continue;
        dedup[i] = (uint32_t)n + 1;
        woff[n] = (uint32_t)used;
        wlen[n] = (uint8_t)len;
        memcpy(text + used, w, len);
        text[used + len] = 0;
        used += len + 1;
        n++;
    }
    free(dedup);
    double *cdf = malloc(sizeof *cdf * NWORDS), acc = 0;
    for (int k = 0; k < NWORDS; k++) acc += 1.0 / (double)(k + 1), cdf[k] = acc;
    for (int k = 0; k < NWORDS; k++) cdf[k] /= acc;
    ops = malloc(sizeof *ops * NOPS);
    for (int i = 0; i < NOPS; i++) {
        double u = (double)(splitmix64(&seed) >> 11) * (1.0 / 9007199254740992.0);
        size_t lo = 0, hi = NWORDS - 1; /* first k with cdf[k] >= u */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] >= u) hi = mid; else lo = mid + 1;
        }
        ops[i] = (uint32_t)lo;
    }
    free(cdf);
}

static uint64_t cpu_ns(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static uint64_t rss_now(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

/* ---- the floor: open addressing over {hash, pointer}, one malloc per string, same hash as memkit -- */

static inline uint64_t fold(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
static inline uint64_t hash16(const char *p, size_t n) { /* 6..16 bytes only */
    uint64_t a, b;
    if (n >= 8) memcpy(&a, p, 8), memcpy(&b, p + n - 8, 8);
    else { uint32_t x, y; memcpy(&x, p, 4), memcpy(&y, p + n - 4, 4); a = x, b = y; }
    return fold(0x8ebc6af09c88c6e3ull ^ n, fold(a ^ 0xe7037ed1a0b428dbull, b ^ 0xa0761d6478bd642full));
}

struct fslot { uint64_t h; char *s; };
static struct fslot *ft;
static size_t fmask, fused;

static void floor_grow(void) {
    size_t n = ft ? (fmask + 1) * 2 : 256;
    struct fslot *t = calloc(n, sizeof *t);
    for (size_t i = 0; ft && i <= fmask; i++) {
        if (!ft[i].s) continue;
        size_t j = ft[i].h & (n - 1);
        while (t[j].s) j = (j + 1) & (n - 1);
        t[j] = ft[i];
    }
    free(ft);
    ft = t;
    fmask = n - 1;
}

static const char *floor_intern(const char *w, size_t len) {
    uint64_t h = hash16(w, len);
    size_t i = h & fmask;
    for (; ft[i].s; i = (i + 1) & fmask)
        if (ft[i].h == h && memcmp(ft[i].s, w, len) == 0 && ft[i].s[len] == 0) return ft[i].s;
    if ((fused + 1) * 8 > (fmask + 1) * 7) {
        floor_grow();
        for (i = h & fmask; ft[i].s; i = (i + 1) & fmask) {}
    }
    char *s = malloc(len + 1);
    memcpy(s, w, len);
    s[len] = 0;
    ft[i] = (struct fslot){h, s};
    fused++;
    return s;
}

/* ---- runs ------------------------------------------------------------------------------------- */

static mk_interner in;

struct part { size_t from, to; uint64_t sum; };

static void *mk_part(void *arg) {
    struct part *p = arg;
    uint64_t sum = 0;
    for (size_t i = p->from; i < p->to; i++) {
        uint32_t k = ops[i];
        size_t len = wlen[k];
        mk_sym sym = mk_intern(&in, text + woff[k], len);
        const char *s = mk_interner_str(&in, sym, NULL);
        sum += (unsigned char)s[0] + (unsigned char)s[len - 1];
    }
    p->sum = sum;
    return NULL;
}

static int run_one(const char *name) {
    gen();
    uint64_t sum = 0, r0 = rss_now(), c0 = cpu_ns(), t0 = now_ns();
    double own = 0;
    if (!strcmp(name, "floor")) {
        floor_grow();
        for (size_t i = 0; i < NOPS; i++) {
            uint32_t k = ops[i];
            size_t len = wlen[k];
            const char *s = floor_intern(text + woff[k], len);
            sum += (unsigned char)s[0] + (unsigned char)s[len - 1];
        }
    } else if (!strcmp(name, "mk") || !strcmp(name, "mk_conc1") || !strcmp(name, "mk_conc2")) {
        mk_interner_opts o = {0, strcmp(name, "mk") != 0, NULL};
        if (mk_interner_init(&in, &o) != MK_OK) return 1;
        if (!strcmp(name, "mk_conc2")) {
            struct part p[2] = {{0, NOPS / 2, 0}, {NOPS / 2, NOPS, 0}};
            pthread_t t;
            pthread_create(&t, NULL, mk_part, &p[1]);
            mk_part(&p[0]);
            pthread_join(t, NULL);
            sum = p[0].sum + p[1].sum;
        } else {
            struct part p = {0, NOPS, 0};
            mk_part(&p);
            sum = p.sum;
        }
    } else if (!strcmp(name, "glib")) {
#ifdef HAVE_GLIB
        for (size_t i = 0; i < NOPS; i++) {
            uint32_t k = ops[i];
            size_t len = wlen[k];
            const char *s = g_intern_string(text + woff[k]);
            sum += (unsigned char)s[0] + (unsigned char)s[len - 1];
        }
#else
        return 3;
#endif
    } else {
        return 2;
    }
    uint64_t t1 = now_ns(), c1 = cpu_ns(), r1 = rss_now();
    if (name[0] == 'm') {
        struct mk_interner_stats st;
        mk_interner_stats(&in, &st);
        own = (double)st.total_bytes / NWORDS;
    } else if (!strcmp(name, "floor")) {
        own = (double)((fmask + 1) * sizeof *ft + fused * 32) / NWORDS; /* 32: malloc's chunk for 7..17 B */
    }
    printf("%.3f %.1f %.1f %llu %.3f\n", (double)(t1 - t0) / NOPS, (double)(r1 - r0) / NWORDS, own,
           (unsigned long long)sum, (double)(c1 - c0) / NOPS);
    return 0;
}

/* Figures of `one`: 0 ns/op, 1 RSS growth per string, 2 own accounting per string, 3 checksum, 4 CPU ns/op. */
static void print(FILE *out, const struct bench_run *r) {
    const struct bench_contender *ref = &r->c[0];
    fprintf(out, "%d distinct words, %d Zipf(1.0) ops, ", NWORDS, NOPS);
    bench_put_conditions(out, r);
    fprintf(out, "; checksum %s\n\n| contender | ns/op median | min-max | ratio to floor | CPU ns/op | RSS growth B/string | "
                 "own accounting B/string |\n|---|---|---|---|---|---|---|\n", ref->sum);
    for (int i = 0; i < r->nc; i++) {
        const struct bench_contender *c = &r->c[i];
        if (!c->ok) {
            fprintf(out, "| %s | failed | | | | | |\n", c->label);
            continue;
        }
        char own[32] = "-";
        if (bench_med(c, 2) > 0) snprintf(own, sizeof own, "%.1f", bench_med(c, 2));
        fprintf(out, "| %s | %.1f | %.1f-%.1f | %.2fx | %.1f | %.1f | %s |\n", c->label, bench_med(c, 0), bench_lo(c, 0),
                bench_hi(c, 0), bench_rat(c, ref, 0), bench_med(c, 4), bench_med(c, 1), own);
    }
    /* 2-thread scaling: per-round throughput ratio of the concurrent interner, 2 threads over 1 */
    const struct bench_contender *one = &r->c[2], *two = &r->c[3];
    fprintf(out, "\nConcurrent interner, throughput with 2 threads over 1 (median of per-round ratios): %.2fx; "
                 "CPU time per op, 2 threads over 1: %.2fx (1.00x = no contention cost; wall-clock scaling then "
                 "depends on a second core being free)\n",
            bench_rat(one, two, 0), bench_rat(two, one, 4));
    if (r->notes[0]) fprintf(out, "\n%s", r->notes);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "one")) return run_one(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: w4 [one CONTENDER]\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w4", ROUNDS);
    r.sum_col = 3;
    bench_add_own(&r, "C open addressing + malloc per string (floor, reference)", 0, "floor", NULL);
    bench_add_own(&r, "mk_interner", 0, "mk", NULL);
    bench_add_own(&r, "mk_interner concurrent, 1 thread", 0, "mk_conc1", NULL);
    bench_add_own(&r, "mk_interner concurrent, 2 threads (wall ns per op)", 0, "mk_conc2", NULL);
#ifdef HAVE_GLIB
    bench_add_own(&r, "GLib g_intern_string", 0, "glib", NULL);
#else
    bench_note(&r, "glib-2.0 not found by pkg-config: the GLib row skipped");
#endif
    const char *rust = "rust/target/release/w4";
    if (bench_have(&r, rust, "the Rust rows")) {
        bench_add(&r, "Rust HashSet<&'static str> + Box::leak, SipHash", 0, rust, "sip", NULL);
        bench_add(&r, "Rust HashSet<&'static str> + Box::leak, Fx", 0, rust, "fx", NULL);
    }
    return bench_main(&r, print);
}
