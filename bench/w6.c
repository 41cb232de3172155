/* w6.c - W6 runner: whole-process wall time of `memkit count` and its peers over one file, in
 * interleaved rounds, as a Markdown table.
 *
 *   w6 FILE OUT.md ROUNDS MEMKIT PEERS RUST RG GREP
 *   w6                       (what `make bench` runs: the defaults below, from bench/)
 *
 * Without arguments: FILE is build/w6.txt (made by build/w6_gen when it is missing or not 1 GiB;
 * it is reused across runs), OUT.md build/results/w6.md, ROUNDS $W6_ROUNDS or 7, MEMKIT
 * ../build/rel/memkit, PEERS build/w6_peers, RUST rust/target/release/w6, RG and GREP from PATH
 * ($W6_GREP=0 leaves grep out: it takes seconds a round).
 *
 * FILE.needles holds the needles (one a line, from w6_gen). MEMKIT is the memkit binary, PEERS
 * w6_peers, RUST the Rust w6 binary, RG ripgrep, GREP grep: any of the last three may be "-" (not
 * installed: the row is skipped). Each contender is a fresh process (fork, exec, wait; its output
 * goes to a pipe and is checked: every contender must print the same count). One untimed round
 * warms the page cache, then ROUNDS rounds run every contender once, in the same order. Reported:
 * median and min-max wall time, the median GB/s, and two median per-round ratios: the fraction of
 * the floor's bandwidth (floor time / time) and the time over memkit's (above 1: memkit is faster).
 */
#include "common.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXC 8
#define MAXR 64

struct contender {
    const char *name;
    char *argv[8];
    double t[MAXR];
    unsigned long long count;
};

/* Runs argv, returns the wall time in seconds and the first number it printed in *out. */
static double run(char *const argv[], unsigned long long *out) {
    int fds[2];
    if (pipe(fds) != 0) { perror("pipe"); exit(2); }
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    uint64_t t1 = now_ns();
    buf[len] = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "w6: %s failed (status %d)\n", argv[0], st);
        exit(2);
    }
    *out = strtoull(buf, NULL, 10);
    return (double)(t1 - t0) / 1e9;
}

static char *dup_str(const char *s) { return strdup(s); }

/* The first PATH directory holding an executable `name`, or "-". */
static const char *in_path(const char *name) {
    static char found[2][4096];
    static int k;
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(found[k], sizeof found[k], "%s/%s", d, name);
        if (access(found[k], X_OK) == 0) {
            free(copy);
            return found[k++ % 2];
        }
    }
    free(copy);
    return "-";
}

static int defaults(char **argv) {
    static char rounds[16];
    struct stat st;
    const char *file = "build/w6.txt";
    char needles[64];
    snprintf(needles, sizeof needles, "%s.needles", file);
    if (stat(file, &st) != 0 || st.st_size != (off_t)1 << 30 || access(needles, R_OK) != 0) {
        fprintf(stderr, "w6: generating %s (1 GiB, once; later runs reuse it)\n", file);
        if (system("build/w6_gen build/w6.txt") != 0) return -1;
    }
    if (system("mkdir -p build/results") != 0) return -1;
    const char *r = getenv("W6_ROUNDS");
    snprintf(rounds, sizeof rounds, "%s", r ? r : "7");
    const char *rust = "rust/target/release/w6", *rg = in_path("rg"), *grep = in_path("grep");
    if (access(rust, X_OK) != 0) {
        fprintf(stderr, "w6: %s not built: the Rust memchr::memmem row is skipped\n", rust);
        rust = "-";
    }
    if (!strcmp(rg, "-")) fprintf(stderr, "w6: rg not found: the ripgrep row is skipped\n");
    const char *g = getenv("W6_GREP");
    if (g && !strcmp(g, "0")) grep = "-";
    const char *v[] = {"w6", file, "build/results/w6.md", rounds, "../build/rel/memkit", "build/w6_peers", rust, rg, grep};
    for (int i = 0; i < 9; i++) argv[i] = (char *)v[i];
    return 0;
}

int main(int argc, char **argv) {
    char *dargv[9];
    if (argc == 1) {
        if (defaults(dargv) != 0) return 2;
        argv = dargv;
        argc = 9;
    }
    if (argc != 9) {
        fprintf(stderr, "usage: w6 FILE OUT.md ROUNDS MEMKIT PEERS RUST RG GREP\n");
        return 2;
    }
    const char *file = argv[1], *out = argv[2], *memkit = argv[4], *peers = argv[5];
    const char *rust = argv[6], *rg = argv[7], *grep = argv[8];
    int rounds = atoi(argv[3]);
    if (rounds < 1 || rounds > MAXR) rounds = 7;
    char np[4096];
    snprintf(np, sizeof np, "%s.needles", file);
    FILE *nf = fopen(np, "r");
    if (!nf) { perror(np); return 2; }
    char needles[2][256];
    int nneedles = 0;
    while (nneedles < 2 && fgets(needles[nneedles], sizeof needles[0], nf)) {
        needles[nneedles][strcspn(needles[nneedles], "\n")] = 0;
        nneedles++;
    }
    fclose(nf);
    FILE *md = fopen(out, "w");
    if (!md) { perror(out); return 2; }
    FILE *sz = fopen(file, "rb");
    if (!sz) { perror(file); return 2; }
    fseek(sz, 0, SEEK_END);
    double bytes = (double)ftell(sz);
    fclose(sz);

    fprintf(md, "W6: count a fixed string in a %.0f MiB file of Zipf-drawn words (`%s`), whole-process "
                "wall time, warm page cache, %d interleaved rounds after one warm-up round.\n\n",
            bytes / 1048576.0, file, rounds);
    for (int k = 0; k < nneedles; k++) {
        const char *nd = needles[k];
        struct contender c[MAXC];
        int nc = 0;
        memset(c, 0, sizeof c);
        c[nc++] = (struct contender){.name = "floor: memchr of an absent byte (C)", .argv = {dup_str(peers), "floor", dup_str(file)}};
        c[nc++] = (struct contender){.name = "memkit count", .argv = {dup_str(memkit), "count", dup_str(nd), dup_str(file)}};
        if (strcmp(rust, "-"))
            c[nc++] = (struct contender){.name = "Rust memchr::memmem over memmap2", .argv = {dup_str(rust), "memmem", dup_str(nd), dup_str(file)}};
        if (strcmp(rg, "-"))
            c[nc++] = (struct contender){.name = "rg --count-matches -F", .argv = {dup_str(rg), "--count-matches", "-F", "--", dup_str(nd), dup_str(file)}};
        c[nc++] = (struct contender){.name = "glibc memmem over mmap", .argv = {dup_str(peers), "memmem", dup_str(nd), dup_str(file)}};
        if (strcmp(grep, "-"))
            c[nc++] = (struct contender){.name = "grep -F -o | wc -l", .argv =
                                         {"/bin/sh", "-c", "LC_ALL=C \"$0\" -F -o -- \"$1\" \"$2\" | wc -l", dup_str(grep), dup_str(nd), dup_str(file)}};
        unsigned long long want = 0, got;
        for (int i = 0; i < nc; i++) { /* warm-up, and every contender must agree */
            run(c[i].argv, &got);
            c[i].count = got;
            if (i == 1) want = got;
            if (i >= 1 && got != want) {
                fprintf(stderr, "w6: %s counted %llu, memkit %llu\n", c[i].name, got, want);
                return 1;
            }
        }
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < nc; i++) c[i].t[r] = run(c[i].argv, &got);
        fprintf(md, "Needle %d: `%s` (%zu bytes, %llu matches)\n\n", k + 1, nd, strlen(nd), want);
        fprintf(md, "| contender | median ms | min-max ms | GB/s | of floor bandwidth | time / memkit's |\n");
        fprintf(md, "|---|---|---|---|---|---|\n");
        for (int i = 0; i < nc; i++) {
            double med = bench_median(c[i].t, rounds);
            fprintf(md, "| %s | %.1f | %.1f-%.1f | %.2f | %.2fx | %.2fx |\n", c[i].name, med * 1e3,
                    bench_min(c[i].t, rounds) * 1e3, bench_max(c[i].t, rounds) * 1e3, bytes / med / 1e9,
                    bench_ratio(c[0].t, c[i].t, rounds), bench_ratio(c[i].t, c[1].t, rounds));
        }
        fprintf(md, "\n");
    }
    fprintf(md, "Reproduce: `make bench` (or `make -C bench w6-run`); the runner is bench/w6.c. "
                "\"of floor bandwidth\" is the median over rounds of floor time / time; "
                "\"time / memkit's\" the median of time / memkit's time in the same round.\n");
    fclose(md);
    fprintf(stderr, "w6: wrote %s\n", out);
    return 0;
}
