/* w4.c - W4 interning: mk_interner (single-threaded and concurrent) against a C open-addressing
 * floor, GLib's g_intern_string and the common Rust idiom HashSet<&'static str> + Box::leak
 * (bench/rust/src/bin/w4.rs, SipHash and an Fx-style hasher).
 *
 *   build/w4            interleaved rounds of every contender, each in its own process; prints the
 *                       Markdown table (also written to build/results/w4.md)
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
#include "common.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

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

struct contender { const char *label, *cmd; double ns[ROUNDS], rss[ROUNDS], own[ROUNDS], cpu[ROUNDS]; int ok; };

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "one")) return run_one(argv[2]);
    char self[4096];
    if (!bench_self_exe(self, sizeof self)) return 1;
    static char cmds[16][4200];
    static struct contender c[16];
    int nc = 0;
    const char *mine[][2] = {{"C open addressing + malloc per string (floor, reference)", "floor"},
                             {"mk_interner", "mk"},
                             {"mk_interner concurrent, 1 thread", "mk_conc1"},
                             {"mk_interner concurrent, 2 threads (wall ns per op)", "mk_conc2"},
#ifdef HAVE_GLIB
                             {"GLib g_intern_string", "glib"},
#endif
                             };
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        snprintf(cmds[nc], sizeof cmds[nc], "%s one %s", self, mine[i][1]);
        c[nc] = (struct contender){.label = mine[i][0], .cmd = cmds[nc], .ok = 1};
        nc++;
    }
#ifndef HAVE_GLIB
    fprintf(stderr, "w4: glib-2.0 not found by pkg-config; the GLib row is skipped\n");
#endif
    const char *rust = "rust/target/release/w4";
    if (access(rust, X_OK) == 0) {
        const char *rs[][2] = {{"Rust HashSet<&'static str> + Box::leak, SipHash", "sip"},
                               {"Rust HashSet<&'static str> + Box::leak, Fx", "fx"}};
        for (int i = 0; i < 2; i++) {
            snprintf(cmds[nc], sizeof cmds[nc], "%s %s", rust, rs[i][1]);
            c[nc] = (struct contender){.label = rs[i][0], .cmd = cmds[nc], .ok = 1};
            nc++;
        }
    } else {
        fprintf(stderr, "w4: %s not built; the Rust rows are skipped\n", rust);
    }
    unsigned long long ref_sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < nc; i++) {
            FILE *p = popen(c[i].cmd, "r");
            unsigned long long sum = 0;
            if (!p || fscanf(p, "%lf %lf %lf %llu %lf", &c[i].ns[r], &c[i].rss[r], &c[i].own[r], &sum, &c[i].cpu[r]) != 5) c[i].ok = 0;
            if (p) pclose(p);
            if (!ref_sum) ref_sum = sum;
            if (sum != ref_sum) {
                fprintf(stderr, "w4: %s: checksum %llu differs from %llu\n", c[i].label, sum, ref_sum);
                c[i].ok = 0;
            }
        }
    }
    char out[8192];
    int len = snprintf(out, sizeof out,
                       "%d distinct words, %d Zipf(1.0) ops, %d interleaved rounds (each contender in its own "
                       "process); checksum %llu\n\n| contender | ns/op median | min-max | ratio to floor | "
                       "CPU ns/op | RSS growth B/string | own accounting B/string |\n|---|---|---|---|---|---|---|\n",
                       NWORDS, NOPS, ROUNDS, ref_sum);
    for (int i = 0; i < nc; i++) {
        if (!c[i].ok) {
            len += snprintf(out + len, sizeof out - (size_t)len, "| %s | failed | | | | | |\n", c[i].label);
            continue;
        }
        char own[32] = "-";
        if (bench_median(c[i].own, ROUNDS) > 0) snprintf(own, sizeof own, "%.1f", bench_median(c[i].own, ROUNDS));
        len += snprintf(out + len, sizeof out - (size_t)len, "| %s | %.1f | %.1f-%.1f | %.2fx | %.1f | %.1f | %s |\n",
                        c[i].label, bench_median(c[i].ns, ROUNDS), bench_min(c[i].ns, ROUNDS),
                        bench_max(c[i].ns, ROUNDS), bench_ratio(c[i].ns, c[0].ns, ROUNDS), bench_median(c[i].cpu, ROUNDS),
                        bench_median(c[i].rss, ROUNDS), own);
    }
    /* 2-thread scaling: per-round throughput ratio of the concurrent interner, 2 threads over 1 */
    len += snprintf(out + len, sizeof out - (size_t)len,
                    "\nConcurrent interner, throughput with 2 threads over 1 (median of per-round ratios): %.2fx; "
                    "CPU time per op, 2 threads over 1: %.2fx (1.00x = no contention cost; wall-clock scaling then "
                    "depends on a second core being free)\n",
                    bench_ratio(c[2].ns, c[3].ns, ROUNDS), bench_ratio(c[3].cpu, c[2].cpu, ROUNDS));
    fputs(out, stdout);
    FILE *f = fopen("build/results/w4.md", "w");
    if (f) fputs(out, f), fclose(f);
    return 0;
}
