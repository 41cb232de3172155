/* driver.h - the one driver every workload program of bench/ uses: each contender in processes of
 * its own, in interleaved rounds, its figures collected per round, then the workload's printer
 * writes the Markdown table to stdout and to build/results/<id>.md.
 *
 * Every workload program has the same command line:
 *   build/wN                 the table, as `make bench` runs it ($WN_ROUNDS rounds, default per workload)
 *   build/wN one NAME [ARG]  one of its own contenders in this process: prints its figures on one line
 *
 * A workload describes itself as a list of contenders (each an argv: this program's `one NAME`, a
 * peer's binary, a command of the system) plus a printer. A contender prints whitespace-separated
 * figures on its first output line (or "skip: why", and its row is dropped with that note); the
 * driver also records the process's wall time. Each round runs every contender once, in an order
 * that rotates (or is shuffled) from round to round, so that a burst of noise on this shared machine
 * hits every row alike. A peer whose binary is missing is left out with a one-line note. When the
 * workload names a checksum column, every contender must print the same token there in every round;
 * a contender that does not, or that fails, is dropped with a note.
 */
#ifndef MEMKIT_BENCH_DRIVER_H
#define MEMKIT_BENCH_DRIVER_H

#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define BENCH_MAXC 48 /* contenders */
#define BENCH_MAXF 8  /* figures a contender prints */
#define BENCH_MAXA 16 /* argv entries */

enum bench_order { BENCH_ROTATE, BENCH_SHUFFLE };

struct bench_contender {
    char label[128];
    char *argv[BENCH_MAXA];
    int group;               /* the printer's grouping (a mode, a table) */
    int ok;                  /* still in the run */
    char note[256];          /* why it was dropped */
    int n;                   /* rounds with figures */
    double fig[BENCH_MAXF][BENCH_MAXR];
    double wall[BENCH_MAXR]; /* seconds, measured by the driver */
    char sum[64];            /* the checksum token of its first round */
};

struct bench_run {
    const char *id;       /* "w3": names the results file, the $W3_ROUNDS variable and the notes */
    int rounds;           /* after the environment override */
    int warmup;           /* one untimed round first (warms the page cache) */
    enum bench_order order;
    int sum_col;          /* the figure that must be equal across contenders (-1: none) */
    int nc;
    struct bench_contender c[BENCH_MAXC];
    char self[4096];      /* this program */
    double load0, load1, seconds;
    char notes[2048];     /* the one-line notes of skipped rows, for the printer */
};

/* The notes (also printed to stderr at once). */
static inline void bench_note(struct bench_run *r, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", r->id, line);
    size_t used = strlen(r->notes);
    snprintf(r->notes + used, sizeof r->notes - used, "- %s\n", line);
}

/* Starts a run: rounds from $<ID>_ROUNDS or the default; runs from the bench directory (the parent
 * of this program's directory) whatever the caller's directory. */
static inline void bench_init(struct bench_run *r, const char *id, int default_rounds) {
    memset(r, 0, sizeof *r);
    r->id = id;
    r->sum_col = -1;
    char env[32];
    snprintf(env, sizeof env, "%c%s_ROUNDS", id[0] - 'a' + 'A', id + 1);
    const char *e = getenv(env);
    r->rounds = e && atoi(e) > 0 ? atoi(e) : default_rounds;
    if (r->rounds > BENCH_MAXR) r->rounds = BENCH_MAXR;
    if (bench_self_exe(r->self, sizeof r->self)) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", r->self);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        if (chdir(dir) != 0 || chdir("..") != 0) perror(dir);
    }
}

/* Adds a contender: label, group, then its argv (NULL-terminated; the strings are copied). */
static inline struct bench_contender *bench_add(struct bench_run *r, const char *label, int group, ...) {
    if (r->nc == BENCH_MAXC) {
        bench_note(r, "too many contenders: %s is left out", label);
        return NULL;
    }
    struct bench_contender *c = &r->c[r->nc++];
    memset(c, 0, sizeof *c);
    snprintf(c->label, sizeof c->label, "%s", label);
    c->group = group;
    c->ok = 1;
    va_list ap;
    va_start(ap, group);
    for (int i = 0; i < BENCH_MAXA - 1; i++) {
        const char *a = va_arg(ap, const char *);
        if (!a) break;
        c->argv[i] = strdup(a);
    }
    va_end(ap);
    return c;
}

/* As bench_add with this program's `one NAME [ARG]` as the command. */
static inline struct bench_contender *bench_add_own(struct bench_run *r, const char *label, int group, const char *name,
                                                    const char *arg) {
    return bench_add(r, label, group, r->self, "one", name, arg, (const char *)NULL);
}

/* True when the peer binary at path can run; otherwise notes "<path> not built: <what> skipped". */
static inline int bench_have(struct bench_run *r, const char *path, const char *what) {
    if (access(path, X_OK) == 0) return 1;
    bench_note(r, "%s not built or not installed: %s skipped", path, what);
    return 0;
}

/* The first PATH directory's executable `name` in buf, or 0. */
static inline int bench_in_path(const char *name, char *buf, size_t n) {
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        snprintf(buf, n, "%s/%s", d, name);
        found = access(buf, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Runs argv with its stdout in out[0..n); returns the exit status (-1: could not start) and the
 * wall time in *secs. */
static inline int bench_spawn(char *const argv[], char *out, size_t n, double *secs) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t got;
    char sink[4096];
    while ((got = read(fds[0], len + 1 < n ? out + len : sink, len + 1 < n ? n - 1 - len : sizeof sink)) > 0)
        if (len + 1 < n) len += (size_t)got;
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    *secs = (double)(now_ns() - t0) / 1e9;
    out[len] = '\0';
    return st;
}

/* One process of contender c; stores round k's figures unless k < 0 (warm-up). */
static inline void bench_run_one(struct bench_run *r, struct bench_contender *c, int k) {
    char out[4096];
    double secs;
    int st = bench_spawn(c->argv, out, sizeof out, &secs);
    if (!strncmp(out, "skip:", 5)) {
        out[strcspn(out, "\n")] = '\0';
        snprintf(c->note, sizeof c->note, "%s", out + 5 + (out[5] == ' '));
        bench_note(r, "%s skipped: %s", c->label, c->note);
        c->ok = 0;
        return;
    }
    if (st != 0) {
        snprintf(c->note, sizeof c->note, "status %d", st);
        bench_note(r, "%s: `%s %s` failed (status %d); its row is dropped", c->label, c->argv[0], c->argv[1] ? c->argv[1] : "", st);
        c->ok = 0;
        return;
    }
    if (k < 0) return;
    char *p = out, *end;
    int f = 0;
    char tok[64] = "";
    for (; f < BENCH_MAXF; f++) {
        while (*p == ' ' || *p == '\t') p++;
        if (f == r->sum_col) sscanf(p, "%63s", tok);
        double v = strtod(p, &end);
        if (end == p) break;
        c->fig[f][k] = v;
        p = end;
    }
    if (f == 0) {
        bench_note(r, "%s printed no figures; its row is dropped", c->label);
        c->ok = 0;
        return;
    }
    if (r->sum_col >= 0) {
        if (!c->sum[0]) snprintf(c->sum, sizeof c->sum, "%s", tok);
        if (strcmp(c->sum, tok) != 0) {
            bench_note(r, "%s: checksum %s in one round, %s in another; its row is dropped", c->label, c->sum, tok);
            c->ok = 0;
            return;
        }
    }
    c->wall[k] = secs;
    c->n = k + 1;
}

/* Runs every contender r->rounds times, interleaved; then drops any contender whose checksum
 * differs from the first contender's of its group. */
static inline void bench_measure(struct bench_run *r) {
    double l[3];
    r->load0 = getloadavg(l, 3) > 0 ? l[0] : -1;
    uint64_t t0 = now_ns(), seed = 0x5EED00F1;
    int order[BENCH_MAXC];
    for (int i = 0; i < r->nc; i++) order[i] = i;
    for (int k = r->warmup ? -1 : 0; k < r->rounds; k++) {
        if (r->order == BENCH_SHUFFLE)
            for (int i = r->nc - 1; i > 0; i--) {
                int j = (int)(splitmix64(&seed) % (uint64_t)(i + 1)), t = order[i];
                order[i] = order[j], order[j] = t;
            }
        for (int i = 0; i < r->nc; i++) {
            int at = r->order == BENCH_SHUFFLE ? order[i] : (i + (k < 0 ? 0 : k)) % r->nc;
            if (r->c[at].ok) bench_run_one(r, &r->c[at], k);
        }
        if (k >= 0) fprintf(stderr, "%s: round %d/%d done\n", r->id, k + 1, r->rounds);
    }
    for (int i = 0; i < r->nc; i++) /* rounds with figures: the same for every contender still in */
        if (r->c[i].ok && r->c[i].n < r->rounds) r->c[i].ok = 0;
    if (r->sum_col >= 0)
        for (int i = 0; i < r->nc; i++) {
            const struct bench_contender *ref = NULL;
            for (int j = 0; j < i && !ref; j++)
                if (r->c[j].ok && r->c[j].group == r->c[i].group) ref = &r->c[j];
            if (ref && r->c[i].ok && strcmp(ref->sum, r->c[i].sum) != 0) {
                bench_note(r, "%s: checksum %s differs from %s's %s; its row is dropped", r->c[i].label, r->c[i].sum,
                           ref->label, ref->sum);
                r->c[i].ok = 0;
            }
        }
    r->seconds = (double)(now_ns() - t0) / 1e9;
    r->load1 = getloadavg(l, 3) > 0 ? l[0] : -1;
}

/* Figure f of contender c over the rounds: median, min, max; the median of its per-round ratios
 * to ref's figure f (0 when either is out). */
static inline double bench_med(const struct bench_contender *c, int f) { return bench_median(c->fig[f], c->n); }
static inline double bench_lo(const struct bench_contender *c, int f) { return bench_min(c->fig[f], c->n); }
static inline double bench_hi(const struct bench_contender *c, int f) { return bench_max(c->fig[f], c->n); }
static inline double bench_rat(const struct bench_contender *c, const struct bench_contender *ref, int f) {
    return c->ok && ref && ref->ok ? bench_ratio(c->fig[f], ref->fig[f], c->n) : 0;
}

/* Finds a contender by label (NULL when absent or dropped). */
static inline const struct bench_contender *bench_find(const struct bench_run *r, const char *label, int group) {
    for (int i = 0; i < r->nc; i++)
        if (r->c[i].group == group && !strcmp(r->c[i].label, label)) return r->c[i].ok ? &r->c[i] : NULL;
    return NULL;
}

/* The i-th contender of group g (NULL when there is none or it was dropped). */
static inline const struct bench_contender *bench_nth(const struct bench_run *r, int g, int i) {
    for (int j = 0; j < r->nc; j++)
        if (r->c[j].group == g && i-- == 0) return r->c[j].ok ? &r->c[j] : NULL;
    return NULL;
}

/* "- what: R (median of per-round a / b)" on figure f, when both rows ran. */
static inline void bench_put_ratio(FILE *out, const struct bench_contender *a, const struct bench_contender *b, int f,
                                   const char *what) {
    if (!a || !b || !a->ok || !b->ok) return;
    fprintf(out, "- %s: %.2fx (median of per-round %s / %s)\n", what, bench_rat(a, b, f), a->label, b->label);
}

/* "N interleaved rounds (each contender in its own process); load average X before, Y after, S s" */
static inline void bench_put_conditions(FILE *out, const struct bench_run *r) {
    fprintf(out, "%d interleaved rounds (each contender in its own process, %s order per round); %.0f s, "
                 "load average %.2f before, %.2f after", r->rounds, r->order == BENCH_SHUFFLE ? "shuffled" : "rotating",
            r->seconds, r->load0, r->load1);
}

/* Measures, then runs the printer into stdout and build/results/<id>.md. Returns 0. */
static inline int bench_main(struct bench_run *r, void (*print)(FILE *, const struct bench_run *)) {
    bench_measure(r);
    char path[256];
    (void)mkdir("build/results", 0777);
    snprintf(path, sizeof path, "build/results/%s.md", r->id);
    print(stdout, r);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 0;
    }
    print(f, r);
    fclose(f);
    fprintf(stderr, "%s: wrote bench/%s\n", r->id, path);
    return 0;
}

#endif
