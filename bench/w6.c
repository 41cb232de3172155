/* w6.c - W6 runner: whole-process wall time of `memkit count` and its peers over one file, in
 * interleaved rounds, as a Markdown table.
 *
 *   build/w6                 the table (driver.h: $W6_ROUNDS rounds, default 7, after one warm-up
 *                            round; written to build/results/w6.md as well)
 *
 * The file is build/w6.txt (made by build/w6_gen when it is missing or not 1 GiB; it is reused across
 * runs; $W6_MB=N makes and uses build/w6-N.txt of N MiB instead, for a short run); FILE.needles holds the two needles (one a line, from w6_gen). Contenders: the floor
 * (build/w6_peers floor: memchr of an absent byte), ../build/rel/memkit count, the Rust
 * memchr::memmem (rust/target/release/w6), ripgrep and grep from PATH ($W6_GREP=0 leaves grep out: it
 * takes seconds a round), glibc memmem (build/w6_peers memmem). A missing one is skipped with a note.
 * Each contender is a fresh process; its output is checked: every contender but the floor must print
 * the same count. One untimed round warms the page cache. Reported: median and min-max wall time,
 * the median GB/s, and two median per-round ratios: the fraction of the floor's bandwidth (floor
 * time / time) and the time over memkit's (above 1: memkit is faster).
 */
#include "driver.h"

static char file[64] = "build/w6.txt";
static char needles[2][256];
static int nneedles;
static double bytes;

/* Groups: 2k for needle k's floor, 2k + 1 for the contenders that count needle k. */
static void print(FILE *out, const struct bench_run *r) {
    fprintf(out, "W6: count a fixed string in a %.0f MiB file of Zipf-drawn words (`%s`), whole-process "
                 "wall time, warm page cache (one warm-up round), ", bytes / 1048576.0, file);
    bench_put_conditions(out, r);
    fprintf(out, ".\n\n");
    for (int k = 0; k < nneedles; k++) {
        const struct bench_contender *floor = bench_nth(r, 2 * k, 0), *mk = bench_nth(r, 2 * k + 1, 0);
        fprintf(out, "Needle %d: `%s` (%zu bytes, %s matches)\n\n", k + 1, needles[k], strlen(needles[k]),
                mk ? mk->sum : "?");
        fprintf(out, "| contender | median ms | min-max ms | GB/s | of floor bandwidth | time / memkit's |\n");
        fprintf(out, "|---|---|---|---|---|---|\n");
        for (int i = 0; i < r->nc; i++) {
            const struct bench_contender *c = &r->c[i];
            if (c->group / 2 != k || !c->ok) continue;
            double med = bench_median(c->wall, c->n);
            fprintf(out, "| %s | %.1f | %.1f-%.1f | %.2f | %.2fx | %.2fx |\n", c->label, med * 1e3,
                    bench_min(c->wall, c->n) * 1e3, bench_max(c->wall, c->n) * 1e3, bytes / med / 1e9,
                    floor ? bench_ratio(floor->wall, c->wall, c->n) : 0, mk ? bench_ratio(c->wall, mk->wall, c->n) : 0);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "Reproduce: `make bench` (or `make -C bench w6-run`); the runner is bench/w6.c. "
                 "\"of floor bandwidth\" is the median over rounds of floor time / time; "
                 "\"time / memkit's\" the median of time / memkit's time in the same round.\n");
    if (r->notes[0]) fprintf(out, "\n%s", r->notes);
}

int main(int argc, char **argv) {
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: w6 (no arguments; W6_ROUNDS, W6_GREP=0, W6_MB)\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w6", 7);
    r.warmup = 1;
    r.sum_col = 0;
    struct stat st;
    char np[4096], gen[256];
    const char *mb_env = getenv("W6_MB");
    long mb = mb_env && atol(mb_env) > 0 ? atol(mb_env) : 1024;
    if (mb != 1024) snprintf(file, sizeof file, "build/w6-%ld.txt", mb);
    snprintf(np, sizeof np, "%s.needles", file);
    if (stat(file, &st) != 0 || st.st_size != (off_t)mb << 20 || access(np, R_OK) != 0) {
        fprintf(stderr, "w6: generating %s (%ld MiB, once; later runs reuse it)\n", file, mb);
        snprintf(gen, sizeof gen, "build/w6_gen %s %lld", file, (long long)mb << 20);
        if (system(gen) != 0) return 2;
        if (stat(file, &st) != 0) return 2;
    }
    bytes = (double)st.st_size;
    FILE *nf = fopen(np, "r");
    if (!nf) { perror(np); return 2; }
    while (nneedles < 2 && fgets(needles[nneedles], sizeof needles[0], nf)) {
        needles[nneedles][strcspn(needles[nneedles], "\n")] = 0;
        nneedles++;
    }
    fclose(nf);
    const char *memkit = "../build/rel/memkit", *peers = "build/w6_peers", *rust = "rust/target/release/w6";
    char rg[4096], grep[4096];
    int have_rust = bench_have(&r, rust, "the Rust memchr::memmem row");
    int have_rg = bench_in_path("rg", rg, sizeof rg), have_grep = bench_in_path("grep", grep, sizeof grep);
    if (!have_rg) bench_note(&r, "rg not found: the ripgrep row skipped");
    const char *g = getenv("W6_GREP");
    if (g && !strcmp(g, "0")) have_grep = 0;
    if (!bench_have(&r, memkit, "memkit count (make MODE=rel tools first)") || !bench_have(&r, peers, "W6")) return 2;
    for (int k = 0; k < nneedles; k++) {
        const char *nd = needles[k];
        bench_add(&r, "floor: memchr of an absent byte (C)", 2 * k, peers, "floor", file, NULL);
        bench_add(&r, "memkit count", 2 * k + 1, memkit, "count", nd, file, NULL);
        if (have_rust) bench_add(&r, "Rust memchr::memmem over memmap2", 2 * k + 1, rust, "memmem", nd, file, NULL);
        if (have_rg) bench_add(&r, "rg --count-matches -F", 2 * k + 1, rg, "--count-matches", "-F", "--", nd, file, NULL);
        bench_add(&r, "glibc memmem over mmap", 2 * k + 1, peers, "memmem", nd, file, NULL);
        if (have_grep)
            bench_add(&r, "grep -F -o \\| wc -l", 2 * k + 1, "/bin/sh", "-c", "LC_ALL=C \"$0\" -F -o -- \"$1\" \"$2\" | wc -l",
                      grep, nd, file, NULL);
    }
    return bench_main(&r, print);
}
