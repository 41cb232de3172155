/* run.c - `memkit run`: runs a program with the recorder preloaded, then analyzes what it wrote.
 *
 * The recorder writes one raw profile per recorded process into a private temporary directory
 * (MEMKIT_OUT); memkit waits for the program, turns each raw file into the chosen outputs and
 * removes the directory. The program's fate is passed through: its exit status, or, when a signal
 * killed it, the same signal raised on memkit itself after the outputs are written (with core dumps
 * off, so memkit leaves no core of its own), falling back to exit status 128+signal.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../analyzer/analyze.h"
#include "cli.h"
#include "../analyzer/dhat.h"
#include "../analyzer/html.h"
#include "../analyzer/pprof.h"
#include "../analyzer/state.h"
#include "../analyzer/timeline.h"
#include "../format/state.h"
#include "../format/limits.h"

#define STR_(x) #x
#define STR(x) STR_(x) /* a macro's value as a string literal */

const char *mk__opt_value(int argc, char **argv, int *i, const char *name);

static void usage(FILE *f) {
    fputs("usage: memkit run [OPTIONS] [--] PROG [ARGS...]\n"
          "\n"
          "Runs PROG with memkit's recorder preloaded, passes its exit status through, writes the\n"
          "profile as a DHAT JSON file (open it in valgrind's dh_view.html, or `memkit report` it)\n"
          "and prints the text report to stderr.\n"
          "\n"
          "  -o, --output FILE  the DHAT file (default memkit.%p.json in the current directory;\n"
          "                     %p becomes the pid of the profiled process)\n"
          "  --format LIST      comma-separated: dhat, text, folded, html, pprof (default\n"
          "                     dhat,text). folded, html and pprof go to the output name with\n"
          "                     .json replaced by .folded, .html, .pb.gz\n"
          "  --depth N          frames kept per stack (default " STR(MK_DEFAULT_DEPTH) ", at most " STR(MK_MAX_DEPTH) ")\n"
          "  --sample BYTES     record stacks for about one block per BYTES allocated (K, M, G\n"
          "                     suffixes; 0, the default, records every one). Totals stay exact\n"
          "  --follow-fork      profile child processes too; each gets its own file (%p)\n"
          "  --snapshot-every DURATION  also write a numbered snapshot every DURATION while the\n"
          "                     program runs (e.g. 500ms, 30s, 5m, 1h)\n"
          "  --snapshot-at BYTES[,BYTES...]  also write a snapshot the first time the live heap\n"
          "                     reaches each size (e.g. 512M,1G)\n"
          "  --top N, --sort KEY  as for memkit report (text report: default 10, bytes)\n"
          "  -h, --help         this help\n",
          f);
}

static volatile sig_atomic_t child_pid;

/* A signal another process sent to memkit goes on to the program. One the kernel generated for the
 * terminal (Ctrl-C: si_code SI_KERNEL) reached the program already, as it shares memkit's process
 * group: forwarding it would deliver it twice. */
static void forward(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    if (child_pid > 0 && (!info || info->si_code == SI_USER || info->si_code == SI_QUEUE || info->si_code == SI_TKILL))
        kill((pid_t)child_pid, sig);
}

/* The recorder next to this binary (build tree), or under ../lib/memkit/ (installed). */
static int find_recorder(char *out, size_t cap) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = '\0';
    const char *const rel[] = {"/libmemkit-prof.so", "/../lib/memkit/libmemkit-prof.so"};
    for (size_t i = 0; i < 2; i++) {
        char cand[PATH_MAX + 64], real[PATH_MAX];
        snprintf(cand, sizeof cand, "%s%s", self, rel[i]);
        if (access(cand, R_OK) == 0 && realpath(cand, real)) {
            if (strlen(real) >= cap) return -1;
            strcpy(out, real);
            return 0;
        }
    }
    return -1;
}

/* pattern with every %p replaced by pid (and %% by %). */
static char *expand(const char *pattern, uint64_t pid) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    for (const char *s = pattern; *s; s++) {
        if (s[0] == '%' && s[1] == 'p') fprintf(m, "%" PRIu64, pid), s++;
        else if (s[0] == '%' && s[1] == '%') fputc('%', m), s++;
        else fputc(*s, m);
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The folded file's name: the DHAT name with .json replaced by .folded (or .folded appended). */
static char *folded_name(const char *dhat) {
    size_t n = strlen(dhat);
    if (n > 5 && !strcmp(dhat + n - 5, ".json")) n -= 5;
    char *s = malloc(n + 8);
    if (s) memcpy(s, dhat, n), strcpy(s + n, ".folded");
    return s;
}

static int write_file(const char *path, const mk__prof *p, int folded) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "memkit: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = folded ? mk__report_folded(p, f) : mk__dhat_write(p, f);
    if (fclose(f) != 0) rc = -1;
    if (rc) fprintf(stderr, "memkit: writing %s failed: %s\n", path, strerror(errno));
    return rc;
}

/* The name beside the DHAT file for another format: a final .json (or .folded, .html, .pb.gz, the
 * output name when dhat is not chosen) replaced by ext, or ext appended. */
static char *sibling_name(const char *dhat, const char *ext) {
    size_t n = strlen(dhat);
    static const char *const known[] = {".json", ".folded", ".html", ".pb.gz"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t k = strlen(known[i]);
        if (n > k && !strcmp(dhat + n - k, known[i])) {
            n -= k;
            break;
        }
    }
    char *s = malloc(n + strlen(ext) + 1);
    if (s) memcpy(s, dhat, n), strcpy(s + n, ext);
    return s;
}

/* The HTML page (with the model's timeline and ending) or pprof. */
static int write_other(const char *path, const mk__prof *p, int html) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "memkit: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = html ? mk__report_html(p, f) : mk__report_pprof(p, p->modules, p->nmodules, f);
    if (fclose(f) != 0) rc = -1;
    if (rc) fprintf(stderr, "memkit: writing %s failed: %s\n", path, strerror(errno));
    return rc;
}

struct opts {
    const char *output;
    unsigned formats;
    uint64_t top;
    int sort;
    uint64_t every_ms;     /* --snapshot-every; 0: none */
    char snap_at[256];     /* --snapshot-at as passed to the recorder (ascending); "" none */
};

/* How a recorded process ended, as memkit run saw it. */
struct ending {
    int known;             /* the root: memkit waited for it */
    int status;            /* its wait status */
    uint64_t tsc, ns;      /* when it was reaped */
};

/* The profile of process pid from its state file (preferred: it holds the timeline, and it is
 * there when the process died) or its raw file; fills the ending. 0, or -1 (reported). */
static int load_profile(const char *dir, uint64_t pid, const struct ending *end, mk__prof *p) {
    char path[PATH_MAX + 32], err[512];
    snprintf(path, sizeof path, "%s/state.%" PRIu64, dir, pid);
    mk__state_view v;
    uint64_t tsc = end->tsc, ns = end->ns;
    if (!end->known) mk__state_now(&tsc, &ns);
    int have_state = access(path, F_OK) == 0;
    mk_err rc = have_state ? mk__state_load(path, tsc, ns, &v, err, sizeof err) : MK_ENOENT;
    if (have_state && rc) fprintf(stderr, "memkit: the recorder's state of process %" PRIu64 ": %s\n", pid, err);
    snprintf(path, sizeof path, "%s/raw.%" PRIu64, dir, pid);
    /* A state that tmpfs could not hold whole is second to a complete raw file. */
    int use_state = rc == MK_OK && (!(v.state_flags & MK_STATE_INCOMPLETE) || access(path, F_OK) != 0);
    int incomplete = rc == MK_OK && (v.state_flags & MK_STATE_INCOMPLETE);
    uint32_t status = rc == MK_OK ? v.status : MK_STATE_RUNNING;
    mk__state_view keep_timeline;
    memset(&keep_timeline, 0, sizeof keep_timeline);
    if (use_state) {
        rc = mk__prof_from_raw(&v.raw, p, err, sizeof err);
        if (!rc && mk__prof_attach_state(p, &v)) {
            mk__prof_free(p);
            rc = MK_ENOMEM;
            snprintf(err, sizeof err, "out of memory");
        }
        if (v.lost_sites) fprintf(stderr, "memkit: %" PRIu64 " sites of process %" PRIu64 " were unreadable in its "
                                          "state: the totals are exact, those sites are missing\n", v.lost_sites, pid);
        mk__state_free(&v);
    } else {
        if (rc == MK_OK) {
            keep_timeline = v; /* the timeline holds; its detailed points refer to the state's sites */
            for (size_t k = 0; k < keep_timeline.ndetailed; k++) free(v.detailed[k].site), free(v.detailed[k].live);
            keep_timeline.ndetailed = 0;
        }
        mk__raw_profile raw;
        if (mk__raw_load(path, &raw, err, sizeof err)) {
            mk__state_free(&keep_timeline);
            if (!have_state) fprintf(stderr, "memkit: unreadable profile %s\n", err);
            return -1;
        }
        rc = mk__prof_from_raw(&raw, p, err, sizeof err);
        mk__raw_free(&raw);
        if (!rc && keep_timeline.npoints && mk__prof_attach_state(p, &keep_timeline)) {
            mk__prof_free(p);
            rc = MK_ENOMEM;
            snprintf(err, sizeof err, "out of memory");
        }
        mk__state_free(&keep_timeline);
    }
    if (incomplete)
        fprintf(stderr, "memkit: the recorder's state of process %" PRIu64 " could not grow (tmpfs full, or a file-size "
                        "limit): blocks from stacks first seen after that are in the totals, unattributed\n", pid);
    if (rc) {
        fprintf(stderr, "memkit: %s\n", err);
        return -1;
    }
    p->ended = status == MK_STATE__EXIT ? MK_ENDED__EXIT : status == MK_STATE_EXIT ? MK_ENDED_EXIT : MK_ENDED_UNKNOWN;
    if (end->known && WIFSIGNALED(end->status)) {
        p->ended = MK_ENDED_SIGNAL;
        p->ended_code = WTERMSIG(end->status);
    } else if (end->known && WIFEXITED(end->status)) {
        p->ended = p->ended == MK_ENDED__EXIT ? MK_ENDED__EXIT : MK_ENDED_EXIT;
        p->ended_code = WEXITSTATUS(end->status);
    } else if (!end->known && p->ended == MK_ENDED_UNKNOWN) {
        p->ended = kill((pid_t)pid, 0) == 0 ? MK_ENDED_RUNNING : MK_ENDED_UNKNOWN;
    }
    return 0;
}

/* Analyzes one process's profile; returns 0 or -1 (reported). */
static int analyze_one(const char *dir, uint64_t pid, const struct opts *o, int root, int several, const struct ending *end) {
    mk__prof p;
    if (load_profile(dir, pid, end, &p)) return -1;
    int bad = 0;
    char *out = expand(o->output, pid);
    /* Without %p in the name, the children's files get .<pid> appended rather than overwrite. */
    if (out && several && !root && !strstr(o->output, "%p")) {
        char *n = NULL;
        if (asprintf(&n, "%s.%" PRIu64, out, pid) < 0) n = NULL;
        free(out);
        out = n;
    }
    if (!out) {
        fprintf(stderr, "memkit: out of memory\n");
        mk__prof_free(&p);
        return -1;
    }
    if (o->formats & MK_OUT_TEXT) {
        if (several) fputc('\n', stderr);
        mk__report_text(&p, stderr, (enum mk__sort)o->sort, (size_t)o->top);
        mk__report_time(&p, stderr);
        mk__report_advice(&p, stderr);
    }
    if (p.ended == MK_ENDED_SIGNAL || (p.ended == MK_ENDED_UNKNOWN && !end->known)) {
        char how[128];
        mk__ended_text(&p, how, sizeof how);
        fprintf(stderr, "memkit: process %" PRIu64 " %s: figures as of its last allocation event\n", pid,
                p.ended == MK_ENDED_SIGNAL ? how : "ended before its recorder finished (killed by a signal)");
    }
    if (o->formats & MK_OUT_DHAT) {
        if (write_file(out, &p, 0)) bad = 1;
        else fprintf(stderr, "memkit: wrote %s (open it with valgrind's dh_view.html, or memkit report)\n", out);
    }
    if (o->formats & MK_OUT_FOLDED) {
        char *fn = o->formats & MK_OUT_DHAT ? folded_name(out) : strdup(out);
        if (!fn || write_file(fn, &p, 1)) bad = 1;
        else fprintf(stderr, "memkit: wrote %s (folded stacks for flamegraph.pl or inferno)\n", fn);
        free(fn);
    }
    for (int html = 1; html >= 0; html--) {
        if (!(o->formats & (html ? MK_OUT_HTML : MK_OUT_PPROF))) continue;
        char *fn = sibling_name(out, html ? ".html" : ".pb.gz");
        if (!fn || write_other(fn, &p, html)) bad = 1;
        else fprintf(stderr, "memkit: wrote %s (%s)\n", fn, html ? "open it in a browser" : "go tool pprof, Pyroscope, Parca");
        free(fn);
    }
    free(out);
    mk__prof_free(&p);
    return bad ? -1 : 0;
}

static int cmp_pid(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Drops repeated pids from a sorted array (a process with both a state and a raw file). */
static size_t unique_pids(uint64_t *pids, size_t n) {
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (!m || pids[m - 1] != pids[k]) pids[m++] = pids[k];
    return m;
}

/* The private directory for the recorder's state and raw files: on tmpfs (/dev/shm), where a
 * shared mapping costs what private memory costs, else under $TMPDIR. Mode 0700 (mkdtemp). */
static int private_dir(char *dir, size_t cap) {
    struct stat st;
    const char *tmp = getenv("TMPDIR");
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK | X_OK) == 0) {
        snprintf(dir, cap, "/dev/shm/memkit.XXXXXX");
        if (mkdtemp(dir)) return 1;
    }
    snprintf(dir, cap, "%s/memkit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir)) return 1;
    fprintf(stderr, "memkit run: cannot make a temporary directory %s: %s\n", dir, strerror(errno));
    return 0;
}

/* "30s", "5m", "1h", "500ms", a plain number of seconds: milliseconds into *ms; -1 on bad syntax. */
static int parse_duration(const char *s, uint64_t *ms) {
    char *end;
    if (!*s || *s == '-' || *s == '+') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    uint64_t mul = !strcmp(end, "ms") ? 1 : !*end || !strcmp(end, "s") ? 1000 : !strcmp(end, "m") ? 60000
                 : !strcmp(end, "h") ? 3600000 : 0;
    if (!mul || !v || v > UINT64_MAX / mul / 1000) return -1;
    *ms = v * mul;
    return 0;
}

static int cmp_u64(const void *a, const void *b) { return cmp_pid(a, b); }

/* --snapshot-at 1G,2G: sizes, sorted ascending, into the list passed to the recorder. */
static int parse_sizes(const char *s, char *out, size_t cap) {
    uint64_t v[MK_STATE_SNAP_AT];
    size_t n = 0;
    char item[64];
    while (*s) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        if (!len || len >= sizeof item || n == MK_STATE_SNAP_AT) return -1;
        memcpy(item, s, len);
        item[len] = 0;
        if (mk__parse_size(item, &v[n]) || !v[n]) return -1;
        n++;
        s += len;
        if (*s == ',' && !*++s) return -1;
    }
    if (!n) return -1;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t at = 0;
    out[0] = 0;
    for (size_t k = 0; k < n; k++) at += (size_t)snprintf(out + at, cap - at, "%s%" PRIu64, k ? "," : "", v[k]);
    return at < cap ? 0 : -1;
}

/* Writes snapshot number n of the root process pid, from its state while it runs. */
static void write_snapshot(const char *dir, uint64_t pid, const struct opts *o, unsigned n, const char *why) {
    struct ending end = {0, 0, 0, 0};
    mk__prof p;
    if (load_profile(dir, pid, &end, &p)) return;
    p.ended = MK_ENDED_RUNNING;
    char *out = expand(o->output, pid), *name = NULL;
    if (out) {
        size_t len = strlen(out);
        if (len > 5 && !strcmp(out + len - 5, ".json")) out[len - 5] = 0;
        if (asprintf(&name, "%s.snap%u.json", out, n) < 0) name = NULL;
    }
    if (name && !write_file(name, &p, 0))
        fprintf(stderr, "memkit: snapshot %u (%s): %s, %" PRIu64 " bytes live\n", n, why, name, p.totals.eb);
    free(name);
    free(out);
    mk__prof_free(&p);
}

/* Waits for the program; with --snapshot-every/--snapshot-at, writes snapshots meanwhile: the
 * program does nothing for them (memkit reads its state; the crossing of a size is noticed within
 * 10 ms, a counter the recorder bumps). */
static void wait_program(pid_t pid, int *status, const char *dir, const struct opts *o, int exec_failed) {
    if (exec_failed || (!o->every_ms && !o->snap_at[0])) {
        while (waitpid(pid, status, 0) < 0) {
            if (errno != EINTR) {
                *status = 0;
                break;
            }
        }
        return;
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/state.%ld", dir, (long)pid);
    uint64_t tsc, ns, seen_seq = 0;
    mk__state_now(&tsc, &ns);
    uint64_t next = ns + o->every_ms * 1000000u;
    unsigned n = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            if (r < 0) *status = 0;
            return;
        }
        uint64_t seq, live;
        uint32_t st;
        if (o->snap_at[0] && !mk__state_peek(path, &seq, &live, &st) && seq != seen_seq) {
            seen_seq = seq;
            write_snapshot(dir, (uint64_t)pid, o, ++n, "--snapshot-at");
        }
        mk__state_now(&tsc, &ns);
        if (o->every_ms && ns >= next) {
            write_snapshot(dir, (uint64_t)pid, o, ++n, "--snapshot-every");
            next += o->every_ms * 1000000u;
            if (next < ns) next = ns + o->every_ms * 1000000u;
        }
        uint64_t wait_ns = o->snap_at[0] ? 10000000u : next > ns ? next - ns : 0;
        if (o->every_ms && next > ns && next - ns < wait_ns) wait_ns = next - ns;
        if (wait_ns > 100000000u) wait_ns = 100000000u;
        struct timespec ts = {(time_t)(wait_ns / 1000000000u), (long)(wait_ns % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

int mk__cmd_run(int argc, char **argv) {
    struct opts o = {.output = NULL, .formats = MK_OUT_DHAT | MK_OUT_TEXT, .top = 10, .sort = MK_SORT_BYTES};
    uint64_t depth = MK_DEFAULT_DEPTH, sample = 0;
    int follow = 0, i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--follow-fork")) {
            follow = 1;
        } else if ((v = mk__opt_value(argc, argv, &i, "-o")) || (v = mk__opt_value(argc, argv, &i, "--output"))) {
            if (!*v) {
                fprintf(stderr, "memkit run: -o takes a file name\n");
                return 2;
            }
            o.output = v;
        } else if ((v = mk__opt_value(argc, argv, &i, "--format"))) {
            if (mk__formats_parse(v, &o.formats)) {
                fprintf(stderr, "memkit run: --format takes a list of dhat, text, folded, html, pprof (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--depth"))) {
            if (mk__parse_count(v, MK_MAX_DEPTH, &depth) || depth == 0) {
                fprintf(stderr, "memkit run: --depth takes a number of frames from 1 to %d (got '%s')\n", MK_MAX_DEPTH, v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--sample"))) {
            if (mk__parse_size(v, &sample)) {
                fprintf(stderr, "memkit run: --sample takes a byte count such as 0, 4096, 512K or 1M (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--snapshot-every"))) {
            if (parse_duration(v, &o.every_ms)) {
                fprintf(stderr, "memkit run: --snapshot-every takes a duration such as 500ms, 30s, 5m or 1h (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--snapshot-at"))) {
            if (parse_sizes(v, o.snap_at, sizeof o.snap_at)) {
                fprintf(stderr, "memkit run: --snapshot-at takes up to %d sizes such as 512M or 1G,2G (got '%s')\n",
                        MK_STATE_SNAP_AT, v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--top"))) {
            if (mk__parse_count(v, 1u << 30, &o.top)) {
                fprintf(stderr, "memkit run: --top takes a count (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--sort"))) {
            if ((o.sort = mk__sort_parse(v)) < 0) {
                fprintf(stderr, "memkit run: --sort takes bytes, blocks, peak, leaks or temporary (got '%s')\n", v);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "memkit run: unknown option '%s' (try memkit run --help)\n", a);
            return 2;
        } else {
            break; /* the program */
        }
    }
    if (i >= argc) {
        fprintf(stderr, "memkit run: which program? (usage: memkit run [OPTIONS] -- PROG [ARGS...])\n");
        return 2;
    }
    if (!o.output) o.output = o.formats & MK_OUT_DHAT ? "memkit.%p.json" : "memkit.%p.folded";
    char **prog = argv + i;

    char recorder[PATH_MAX];
    if (find_recorder(recorder, sizeof recorder)) {
        fprintf(stderr, "memkit run: the recorder libmemkit-prof.so is neither next to memkit nor in ../lib/memkit/\n");
        return 2;
    }
    char dir[PATH_MAX];
    if (!private_dir(dir, sizeof dir)) {
        fprintf(stderr, "memkit run: cannot make a temporary directory %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char outpat[PATH_MAX + 16], depth_s[24], sample_s[24];
    snprintf(outpat, sizeof outpat, "%s/raw.%%p", dir);
    snprintf(depth_s, sizeof depth_s, "%" PRIu64, depth);
    snprintf(sample_s, sizeof sample_s, "%" PRIu64, sample);
    const char *old = getenv("LD_PRELOAD");
    char *preload = NULL;
    if (asprintf(&preload, "%s%s%s", recorder, old && *old ? ":" : "", old && *old ? old : "") < 0) {
        rmdir(dir);
        return 2;
    }

    int pfd[2]; /* exec failure reporting: closed by a successful exec */
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        fprintf(stderr, "memkit run: pipe: %s\n", strerror(errno));
        rmdir(dir);
        return 2;
    }
    fflush(NULL);
    /* The signals memkit forwards stay blocked until its handlers are in place: one sent as soon
     * as the program runs (a test that kills on the program's first output) is forwarded, not
     * fatal to memkit. */
    sigset_t fwd, old_mask;
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT), sigaddset(&fwd, SIGTERM), sigaddset(&fwd, SIGHUP), sigaddset(&fwd, SIGQUIT);
    sigprocmask(SIG_BLOCK, &fwd, &old_mask);
    pid_t pid = fork();
    if (pid == 0) sigprocmask(SIG_SETMASK, &old_mask, NULL);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        fprintf(stderr, "memkit run: fork: %s\n", strerror(errno));
        rmdir(dir);
        return 2;
    }
    if (pid == 0) {
        char rootpid[24];
        snprintf(rootpid, sizeof rootpid, "%ld", (long)getpid());
        close(pfd[0]);
        setenv("LD_PRELOAD", preload, 1);
        setenv("MEMKIT_OUT", outpat, 1);
        setenv("MEMKIT_DEPTH", depth_s, 1);
        setenv("MEMKIT_SAMPLE", sample_s, 1);
        setenv("MEMKIT_ROOT_PID", rootpid, 1);
        setenv("MEMKIT_STATE", dir, 1);
        if (o.snap_at[0]) setenv("MEMKIT_SNAPSHOT_AT", o.snap_at, 1);
        else unsetenv("MEMKIT_SNAPSHOT_AT");
        if (follow) setenv("MEMKIT_FOLLOW_FORK", "1", 1);
        else unsetenv("MEMKIT_FOLLOW_FORK");
        execvp(prog[0], prog);
        int e = errno;
        if (e == ENOENT) fprintf(stderr, "memkit: %s: command not found\n", prog[0]);
        else fprintf(stderr, "memkit: %s: %s\n", prog[0], strerror(e));
        ssize_t w = write(pfd[1], &e, sizeof e);
        (void)w;
        _exit(e == ENOENT ? 127 : 126);
    }
    free(preload);
    close(pfd[1]);
    child_pid = pid;
    struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO}, old_int, old_term, old_hup, old_quit;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGQUIT, &sa, &old_quit);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    int exec_err = 0;
    ssize_t got;
    while ((got = read(pfd[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR) {}
    close(pfd[0]);
    int status = 0;
    struct ending end = {1, 0, 0, 0};
    wait_program(pid, &status, dir, &o, got > 0);
    mk__state_now(&end.tsc, &end.ns);
    end.status = status;
    child_pid = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);

    /* Collect the raw files: raw.<pid>, the root's first, then the children by pid. */
    uint64_t *pids = NULL;
    size_t npids = 0, cap = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *num = !strncmp(e->d_name, "raw.", 4) ? e->d_name + 4 : !strncmp(e->d_name, "state.", 6) ? e->d_name + 6 : NULL;
        if (!num || !*num || strspn(num, "0123456789") != strlen(num)) continue;
        if (npids == cap) {
            cap = cap ? cap * 2 : 8;
            uint64_t *n = realloc(pids, cap * sizeof *n);
            if (!n) break;
            pids = n;
        }
        pids[npids++] = strtoull(num, NULL, 10);
    }
    if (d) closedir(d);
    if (npids > 1) qsort(pids, npids, sizeof *pids, cmp_pid);
    npids = unique_pids(pids, npids);
    int failed = 0, have_root = 0;
    for (size_t k = 0; k < npids; k++) have_root |= pids[k] == (uint64_t)pid;
    if (got > 0) {
        /* exec failed: the child said so already */
    } else if (!have_root) {
        if (WIFSIGNALED(status))
            fprintf(stderr, "memkit: no profile: %s was killed by signal %d (%s) before the recorder could write one\n",
                    prog[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            fprintf(stderr, "memkit: no profile: %s wrote none (statically linked or setuid, so the recorder was "
                            "not loaded, or it ended through _exit)\n", prog[0]);
    }
    for (int pass = 0; pass < 2; pass++) /* the root first */
        for (size_t k = 0; k < npids; k++) {
            if ((pids[k] == (uint64_t)pid) != (pass == 0)) continue;
            struct ending child_end = {0, 0, 0, 0};
            if (analyze_one(dir, pids[k], &o, pids[k] == (uint64_t)pid, npids > 1, pids[k] == (uint64_t)pid ? &end : &child_end))
                failed = 1;
        }
    free(pids);
    /* Remove the directory and whatever the recorder left in it. */
    if ((d = opendir(dir))) {
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
    fflush(NULL);

    if (got > 0) return exec_err == ENOENT ? 127 : 126;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit nocore = {0, 0};
        setrlimit(RLIMIT_CORE, &nocore);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return 128 + sig;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (code == 0 && failed) {
        /* The program succeeded but its profile could not be written: say so in the status too. */
        return 1;
    }
    return code;
}
