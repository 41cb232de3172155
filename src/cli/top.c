/* top.c - `memkit top PID`: the live heap of a running process, refreshed once a second.
 *
 * Each frame copies the recorder's state (as `memkit snapshot` does: the process is neither stopped
 * nor signalled) and shows the live heap, its growth since the last frame, the totals and the sites
 * with the most live bytes. Frames are symbolized through one symbolizer kept across frames, which
 * caches every address: a frame is looked up once, the first time it appears. `q` quits; -n N and
 * --once print N frames (1) without touching the terminal, for scripts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../analyzer/analyze.h"
#include "../analyzer/state.h"
#include "../analyzer/symbolize.h"
#include "../format/state.h"
#include "cli.h"
#include "live.h"

const char *mk__opt_value(int argc, char **argv, int *i, const char *name);

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved, stop;

static void restore_tty(void) {
    if (tio_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void fmt_bytes(char *b, size_t n, double v) {
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0, neg = v < 0;
    if (neg) v = -v;
    while (v >= 1024 && i < 4) v /= 1024, i++;
    if (i == 0) snprintf(b, n, "%s%.0f B", neg ? "-" : "", v);
    else snprintf(b, n, "%s%.*f %s", neg ? "-" : "", v < 10 ? 2 : v < 100 ? 1 : 0, v, u[i]);
}

/* The innermost frame of the program (past the recorder and the allocator) as text. */
static void site_text(mk__symtab *sym, const mk__raw_site_rec *s, char *buf, size_t len) {
    snprintf(buf, len, "(no stack)");
    for (uint32_t k = 0; k < s->s.nframes; k++) {
        mk__symtab_frame *fr;
        size_t n;
        mk__symtab_lookup(sym, s->frames[k], &fr, &n);
        for (size_t m = 0; m < n; m++) {
            if (fr[m].recorder || fr[m].alloc) continue;
            if (fr[m].func && fr[m].file) snprintf(buf, len, "%s (%s:%u)", fr[m].func, fr[m].file, fr[m].line);
            else if (fr[m].module) snprintf(buf, len, "%s (in %s)", fr[m].func ? fr[m].func : "???", fr[m].module);
            else snprintf(buf, len, "0x%" PRIx64 " ???", s->frames[k]);
            return;
        }
    }
}

static const mk__state_view *sort_view;

static int by_live(const void *a, const void *b) {
    uint64_t x = sort_view->raw.sites[*(const size_t *)a].s.eb, y = sort_view->raw.sites[*(const size_t *)b].s.eb;
    return (x < y) - (x > y);
}

static void usage(FILE *f) {
    fputs("usage: memkit top [OPTIONS] PID\n"
          "\n"
          "Shows the live heap of PID (a program started with `memkit run`, or that `memkit run`),\n"
          "refreshed once a second: live bytes and their growth rate, the totals, and the sites\n"
          "with the most live bytes. The program is neither stopped nor signalled. q quits.\n"
          "\n"
          "  -n N          print N frames, one a second, and exit (no terminal control)\n"
          "  --once        the same as -n 1\n"
          "  --top K       sites shown (default 10)\n"
          "  -h, --help    this help\n"
          "\n"
          "Exit status: 0; 1 no such process, not yours, not under memkit, or an unreadable state;\n"
          "2 bad usage.\n",
          f);
}

int mk__cmd_top(int argc, char **argv) {
    const char *pid_s = NULL;
    uint64_t frames = 0, top = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--once")) {
            frames = 1;
        } else if ((v = mk__opt_value(argc, argv, &i, "-n"))) {
            if (mk__parse_count(v, 1u << 30, &frames) || !frames) {
                fprintf(stderr, "memkit top: -n takes a number of frames, at least 1 (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--top"))) {
            if (mk__parse_count(v, 1000, &top) || !top) {
                fprintf(stderr, "memkit top: --top takes a count from 1 to 1000 (got '%s')\n", v);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memkit top: unknown option '%s' (try memkit top --help)\n", a);
            return 2;
        } else if (pid_s) {
            fprintf(stderr, "memkit top: one process at a time ('%s' and '%s')\n", pid_s, a);
            return 2;
        } else {
            pid_s = a;
        }
    }
    uint64_t pid, which;
    if (!pid_s) {
        fprintf(stderr, "memkit top: which process? (usage: memkit top [OPTIONS] PID)\n");
        return 2;
    }
    if (mk__parse_pid(pid_s, &pid)) {
        fprintf(stderr, "memkit top: '%s' is not a process id\n", pid_s);
        return 2;
    }
    char path[4096], err[600];
    if (mk__find_state(pid, path, sizeof path, &which, err, sizeof err)) {
        fprintf(stderr, "memkit top: %s\n", err);
        return 1;
    }
    int interactive = !frames && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (interactive && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
        struct termios t = saved_tio;
        t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        tio_saved = 1;
        atexit(restore_tty);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    /* The view the symbolizer was made from stays alive with it (it reads the modules). */
    mk__state_view symv;
    mk__symtab *sym = NULL;
    size_t sym_modules = 0;
    uint64_t prev_live = 0, prev_ns = 0;
    int rc = 0;
    for (uint64_t n = 0; !stop && (!frames || n < frames); n++) {
        uint64_t tsc, ns;
        mk__state_now(&tsc, &ns);
        mk__state_view v;
        if (mk__state_load(path, tsc, ns, &v, err, sizeof err)) {
            if (n && kill((pid_t)which, 0) != 0) printf("memkit top: process %" PRIu64 " ended\n", which);
            else {
                fprintf(stderr, "memkit top: %s\n", err);
                rc = 1;
            }
            break;
        }
        if (!sym || v.raw.nmodules != sym_modules) {
            if (sym) mk__symtab_free(sym), mk__state_free(&symv);
            sym = mk__symtab_new(&v.raw);
            sym_modules = v.raw.nmodules;
            symv = v;
            if (!sym) {
                mk__state_free(&symv);
                fprintf(stderr, "memkit top: out of memory\n");
                rc = 1;
                break;
            }
        }
        const struct mk__raw_totals *t = &v.raw.totals;
        char live[32], peak[32], total[32], rate[48] = "";
        fmt_bytes(live, sizeof live, (double)t->eb);
        fmt_bytes(peak, sizeof peak, (double)t->gb);
        fmt_bytes(total, sizeof total, (double)t->tb);
        if (n && ns > prev_ns) {
            char r[32];
            fmt_bytes(r, sizeof r, ((double)t->eb - (double)prev_live) * 1e9 / (double)(ns - prev_ns));
            snprintf(rate, sizeof rate, ", %s%s/s", (double)t->eb >= (double)prev_live ? "+" : "", r);
        } else if (v.npoints >= 2) { /* the first frame: the growth over the timeline's last second */
            size_t k = v.npoints - 1, j = k;
            while (j > 0 && v.points[k][0] - v.points[j - 1][0] <= 1000000) j--;
            if (j < k && v.points[k][0] > v.points[j][0]) {
                char r[32];
                double d = ((double)v.points[k][1] - (double)v.points[j][1]) * 1e6 / (double)(v.points[k][0] - v.points[j][0]);
                fmt_bytes(r, sizeof r, d);
                snprintf(rate, sizeof rate, ", %s%s/s", d >= 0 ? "+" : "", r);
            }
        }
        prev_live = t->eb, prev_ns = ns;
        if (interactive) fputs("\033[H\033[2J", stdout);
        const char *cmd = v.raw.argc ? v.raw.argv[0] : "?";
        printf("memkit top: pid %" PRIu64 " (%s)%s, %.1f s\n", which, cmd,
               v.status == MK_STATE_RUNNING ? "" : " finished", (double)v.raw.header.t_end / 1e6);
        printf("live:  %s in %" PRIu64 " blocks%s; peak %s\n", live, t->ebk, rate, peak);
        printf("total: %s in %" PRIu64 " blocks, %" PRIu64 " frees, %" PRIu64 " threads%s\n", total, t->tbk, t->frees,
               t->threads, v.raw.header.flags & 1u ? " (sampled: per-site figures are estimates)" : "");
        size_t *ord = malloc((v.raw.nsites ? v.raw.nsites : 1) * sizeof *ord);
        if (ord) {
            for (size_t k = 0; k < v.raw.nsites; k++) ord[k] = k;
            sort_view = &v;
            qsort(ord, v.raw.nsites, sizeof *ord, by_live);
            printf("\n%12s %10s  %s\n", "LIVE", "BLOCKS", "SITE (innermost frame of the program)");
            for (size_t k = 0; k < v.raw.nsites && k < top; k++) {
                const mk__raw_site_rec *s = &v.raw.sites[ord[k]];
                if (!s->s.eb) break;
                char b[32], where[512];
                fmt_bytes(b, sizeof b, (double)s->s.eb);
                site_text(sym, s, where, sizeof where);
                printf("%12s %10" PRIu64 "  %s\n", b, s->s.ebk, where);
            }
            free(ord);
        }
        if (interactive) printf("\n(q quits)\n");
        fflush(stdout);
        if (&symv.raw != &v.raw && symv.raw.data_ != v.raw.data_) mk__state_free(&v);
        if (frames && n + 1 >= frames) break;
        /* A second, or until q. */
        struct pollfd pf = {STDIN_FILENO, POLLIN, 0};
        if (interactive) {
            int r = poll(&pf, 1, 1000);
            char c;
            if (r > 0 && read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q')) break;
        } else {
            struct timespec ts = {1, 0};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop) {}
        }
    }
    if (sym) mk__symtab_free(sym), mk__state_free(&symv);
    restore_tty();
    return rc;
}
