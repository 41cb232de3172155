/* w1_driver.c - runs workload W1 for every contender, interleaved, and prints the Markdown tables.
 *
 *   w1_driver [--quick] [--procs K] [--n N] [--out FILE]
 *
 * Each contender runs in processes of its own (build/w1*, rust/target/release/w1), K processes each,
 * interleaved in passes (each pass runs every contender once, in a shuffled order) so that a burst of
 * noise on this shared machine hits every row alike. Each process reports its cold (round 1) and warm (mean of rounds 2-3) ns per object and its
 * RSS growth over requested bytes; the table gives medians, min-max, and the median of the paired
 * per-process ratios against the reference row (mk_arena for variable sizes, mk_pool for fixed).
 * A contender whose binary is missing or that answers "skip:" is left out with a one-line note.
 */
#include "common.h" /* first: it defines _GNU_SOURCE */

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXP 64

typedef struct {
    const char *label;
    const char *bin; /* relative to the bench directory */
    const char *arg;
    int fixed;       /* 0: variable sizes, 1: fixed 32 B */
    int ref;
    int nres, skipped;
    char note[640];
    double cold[MAXP], warm[MAXP], over[MAXP];
} contender;

#define RUST "rust/target/release/w1"
#define C(label, bin, arg, fixed, ref) {label, bin, arg, fixed, ref, 0, 0, "", {0}, {0}, {0}}
static contender cs[] = {
    /* variable sizes 16..64 B */
    C("naive bump, frees chunks", "build/w1", "naive-free", 0, 0),
    C("naive bump, keeps chunks (reset)", "build/w1", "naive-keep", 0, 0),
    C("**mk_arena, reset**", "build/w1", "arena", 0, 1),
    C("mk_arena, new per round", "build/w1", "arena-new", 0, 0),
    C("bumpalo, new Bump per round", RUST, "bumpalo-new", 0, 0),
    C("bumpalo, reset", RUST, "bumpalo-reset", 0, 0),
    C("APR pool (clear)", "build/w1", "apr", 0, 0),
    C("obstack (free to base)", "build/w1", "obstack", 0, 0),
    C("talloc (free context)", "build/w1", "talloc", 0, 0),
    C("GLib g_slice", "build/w1", "gslice", 0, 0),
    C("glibc malloc+free", "build/w1", "malloc", 0, 0),
    C("jemalloc", "build/w1_je", "malloc", 0, 0),
    C("mimalloc", "build/w1_mi", "malloc", 0, 0),
    /* fixed 32 B */
    C("naive bump, frees chunks", "build/w1", "naive-free", 1, 0),
    C("naive bump, keeps chunks (reset)", "build/w1", "naive-keep", 1, 0),
    C("mk_arena, reset", "build/w1", "arena", 1, 0),
    C("**mk_pool, reset**", "build/w1", "pool", 1, 1),
    C("mk_pool, free each", "build/w1", "pool-free", 1, 0),
    C("typed-arena, new per round", RUST, "typed-arena", 1, 0),
    C("bumpalo, reset", RUST, "bumpalo-reset", 1, 0),
    C("APR pool (clear)", "build/w1", "apr", 1, 0),
    C("GLib g_slice", "build/w1", "gslice", 1, 0),
    C("glibc malloc+free", "build/w1", "malloc", 1, 0),
    C("jemalloc", "build/w1_je", "malloc", 1, 0),
    C("mimalloc", "build/w1_mi", "malloc", 1, 0),
};
#define NC ((int)(sizeof cs / sizeof cs[0]))

/* Runs one process; 0 and the three figures, or nonzero with a note. */
static int run_one(contender *c, size_t n, double *cold, double *warm, double *over) {
    if (access(c->bin, X_OK) != 0) {
        snprintf(c->note, sizeof c->note, "%s not built", c->bin);
        return -1;
    }
    char cmd[512], line[256] = "";
    snprintf(cmd, sizeof cmd, "%s %s --n %zu%s", c->bin, c->arg, n, c->fixed ? " --fixed" : "");
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    if (!fgets(line, sizeof line, p)) line[0] = '\0';
    int st = pclose(p);
    line[strcspn(line, "\n")] = '\0';
    if (!strncmp(line, "skip:", 5)) {
        snprintf(c->note, sizeof c->note, "%s", line + 5);
        return -1;
    }
    if (st != 0 || sscanf(line, "%lf %lf %lf", cold, warm, over) != 3) {
        snprintf(c->note, sizeof c->note, "`%s` failed (status %d)", cmd, st);
        return -1;
    }
    return 0;
}

static void table(FILE *out, int fixed) {
    contender *ref = NULL;
    for (int i = 0; i < NC; i++)
        if (cs[i].fixed == fixed && cs[i].ref && cs[i].nres) ref = &cs[i];
    fprintf(out, "| contender (%s) | cold ns/obj | warm ns/obj | cold ratio | warm ratio | RSS over requested |\n",
            fixed ? "fixed 32 B" : "sizes 16..64 B");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (int i = 0; i < NC; i++) {
        contender *c = &cs[i];
        if (c->fixed != fixed) continue;
        if (!c->nres) {
            fprintf(out, "| %s | skipped: %s | | | | |\n", c->label, c->note);
            continue;
        }
        int n = c->nres;
        fprintf(out, "| %s | %.1f (%.1f-%.1f) | %.2f (%.2f-%.2f) | ", c->label, bench_median(c->cold, n),
                bench_min(c->cold, n), bench_max(c->cold, n), bench_median(c->warm, n),
                bench_min(c->warm, n), bench_max(c->warm, n));
        if (ref && ref->nres == n)
            fprintf(out, "%.2fx | %.2fx | ", bench_ratio(c->cold, ref->cold, n), bench_ratio(c->warm, ref->warm, n));
        else
            fprintf(out, "- | - | ");
        double o = bench_median(c->over, n);
        fprintf(out, "%+.1f%% (%+.1f..%+.1f) |\n", (o - 1) * 100, (bench_min(c->over, n) - 1) * 100,
                (bench_max(c->over, n) - 1) * 100);
    }
}

int main(int argc, char **argv) {
    int procs = 5;
    size_t n = 10000000;
    const char *outpath = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) procs = 3, n = 1000000;
        else if (!strcmp(argv[i], "--procs") && i + 1 < argc) procs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) outpath = argv[++i];
        else {
            fprintf(stderr, "usage: w1_driver [--quick] [--procs K] [--n N] [--out FILE]\n");
            return 2;
        }
    }
    if (procs < 1 || procs > MAXP) procs = 5;
    /* Run from the bench directory whatever the caller's directory. */
    char self[4096];
    if (bench_self_exe(self, sizeof self)) {
        char *slash = strrchr(self, '/');
        if (slash) *slash = '\0';
        if (chdir(self) == 0 && chdir("..") != 0) return 1;
    }
    double load0[3] = {0};
    if (getloadavg(load0, 3) < 0) load0[0] = -1;
    uint64_t t0 = now_ns();
    /* Every pass runs each contender once, in an order shuffled per pass (fixed seed): on this VM a
     * process's cold figure depends on what the previous process left in the page allocator (a
     * process after one that freed 400 MB of small pages gets its huge pages slower), so no row may
     * always follow the same one. */
    uint64_t shuffle_seed = 0x5EED00F1;
    int order[NC];
    for (int i = 0; i < NC; i++) order[i] = i;
    for (int j = 0; j < procs; j++) {
        for (int i = NC - 1; i > 0; i--) {
            int r = (int)(splitmix64(&shuffle_seed) % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[r], order[r] = t;
        }
        for (int ii = 0; ii < NC; ii++) {
            contender *c = &cs[order[ii]];
            if (c->skipped) continue;
            double cold, warm, over;
            if (run_one(c, n, &cold, &warm, &over) != 0) {
                c->skipped = 1;
                fprintf(stderr, "w1: %s skipped: %s\n", c->label, c->note);
                continue;
            }
            c->cold[c->nres] = cold, c->warm[c->nres] = warm, c->over[c->nres] = over;
            c->nres++;
        }
        fprintf(stderr, "w1: pass %d/%d done\n", j + 1, procs);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    double load1[3] = {0};
    if (getloadavg(load1, 3) < 0) load1[0] = -1;

    if (outpath) { /* make the directory of the results file (one level, as bench/build/results) */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", outpath);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0', (void)mkdir(dir, 0777);
    }
    FILE *outs[2] = {stdout, NULL};
    if (outpath && !(outs[1] = fopen(outpath, "w"))) perror(outpath);
    for (int k = 0; k < 2; k++) {
        FILE *out = outs[k];
        if (!out) continue;
        fprintf(out, "W1: %zu objects, %d processes per contender (3 rounds each: cold = round 1, warm = "
                     "mean of rounds 2-3), interleaved in passes (order shuffled per pass); %.0f s, load average %.2f before, %.2f after.\n"
                     "Medians (min-max); ratios are medians of the per-process ratios to the **bold** row "
                     "(above 1 = slower than it); RSS over requested = (peak RSS - baseline) / requested - 1, "
                     "median (min..max).\n\n",
                n, procs, secs, load0[0], load1[0]);
        table(out, 0);
        fprintf(out, "\n");
        table(out, 1);
        if (out != stdout) fclose(out);
    }
    return 0;
}
