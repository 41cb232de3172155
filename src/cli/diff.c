/* diff.c - `memkit diff BEFORE AFTER`: did the fix work?
 *
 * Compares two saved profiles (memkit's or valgrind's DHAT files, or raw profiles): the totals
 * side by side, then the sites that changed most, matched by their symbolized stacks (then by
 * function names, then by job, for sites left over). For CI, --fail-if-grew PCT turns growth of
 * total bytes, total blocks or bytes at t-gmax into exit status 1.
 * Exit status: 0 compared; 1 grew more than --fail-if-grew allows; 2 bad usage or a file that is
 * not a readable profile.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyzer/analyze.h"
#include "../analyzer/dhat.h"
#include "../analyzer/diff.h"
#include "../analyzer/html.h"
#include "cli.h"

const char *mk__opt_value(int argc, char **argv, int *i, const char *name);

static void usage(FILE *f) {
    fputs("usage: memkit diff [--format text|folded|html] [--top N] [--fail-if-grew PCT] BEFORE AFTER\n"
          "\n"
          "Compares two profiles of a program (DHAT files from memkit run or valgrind --tool=dhat,\n"
          "or raw profiles): totals side by side with the change, then the sites that changed most,\n"
          "matched by their stacks (function and file:line, not addresses), then the rest by function\n"
          "names alone (marked ~) and by job, the two outermost functions (marked ~~). Output on stdout.\n"
          "\n"
          "  --format F         text (the default); folded: \"stack BEFORE AFTER\" lines (total bytes)\n"
          "                     for differential flame graphs (flamegraph.pl); html: a page with a\n"
          "                     differential flame graph and both timelines\n"
          "  --top N            changed sites shown in the text (default 10; 0 = all)\n"
          "  --fail-if-grew PCT exit with status 1 when total bytes, total blocks or bytes at\n"
          "                     t-gmax grew by more than PCT percent (a number such as 5 or 0.5)\n"
          "  -h, --help         this help\n"
          "\n"
          "Exit status: 0 compared, 1 grew beyond --fail-if-grew, 2 bad usage or unreadable profile.\n",
          f);
}

/* The program's name: the first word of the command line, without its directory. */
static const char *prog_name(const char *cmd, size_t *len) {
    size_t n = strcspn(cmd, " ");
    const char *s = cmd;
    for (size_t i = 0; i < n; i++)
        if (cmd[i] == '/') s = cmd + i + 1;
    *len = (size_t)(cmd + n - s);
    return s;
}

/* Percent growth from b to a, or INFINITY when b is 0 and a is not. */
static double growth(uint64_t b, uint64_t a) {
    if (a <= b) return 0;
    if (!b) return INFINITY;
    return 100.0 * (double)(a - b) / (double)b;
}

int mk__cmd_diff(int argc, char **argv) {
    const char *paths[2] = {NULL, NULL}, *format = "text";
    uint64_t top = 10;
    double limit = -1;
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((v = mk__opt_value(argc, argv, &i, "--format"))) {
            if (strcmp(v, "text") && strcmp(v, "folded") && strcmp(v, "html")) {
                fprintf(stderr, "memkit diff: --format takes text, folded or html (got '%s')\n", v);
                return 2;
            }
            format = v;
        } else if ((v = mk__opt_value(argc, argv, &i, "--top"))) {
            if (mk__parse_count(v, 1u << 30, &top)) {
                fprintf(stderr, "memkit diff: --top takes a count (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--fail-if-grew"))) {
            char *end;
            double d = strtod(v, &end);
            if (!*v || *end || !isfinite(d) || d < 0 || strchr(v, 'x') || strchr(v, 'X')) {
                fprintf(stderr, "memkit diff: --fail-if-grew takes a percentage such as 5 or 0.5 (got '%s')\n", v);
                return 2;
            }
            limit = d;
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) {
                if (npaths == 2) {
                    fprintf(stderr, "memkit diff: two profiles, BEFORE and AFTER (got a third, '%s')\n", argv[i]);
                    return 2;
                }
                paths[npaths++] = argv[i];
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memkit diff: unknown option '%s' (try memkit diff --help)\n", a);
            return 2;
        } else if (npaths == 2) {
            fprintf(stderr, "memkit diff: two profiles, BEFORE and AFTER (got a third, '%s')\n", a);
            return 2;
        } else {
            paths[npaths++] = a;
        }
    }
    if (npaths < 2) {
        fprintf(stderr, "memkit diff: needs two profiles, BEFORE and AFTER (got %d; usage: memkit diff [OPTIONS] BEFORE AFTER)\n",
                npaths);
        return 2;
    }
    mk__prof p[2];
    char err[512];
    for (int k = 0; k < 2; k++) {
        if (mk__profile_load(paths[k], &p[k], err, sizeof err)) {
            fprintf(stderr, "memkit diff: %s\n", err);
            if (k) mk__prof_free(&p[0]);
            return 2;
        }
    }
    size_t n0, n1;
    const char *a0 = prog_name(p[0].cmd ? p[0].cmd : "", &n0), *a1 = prog_name(p[1].cmd ? p[1].cmd : "", &n1);
    if (n0 != n1 || memcmp(a0, a1, n0))
        fprintf(stderr, "memkit diff: warning: the profiles are of different programs (%.*s and %.*s); comparing anyway\n",
                (int)n0, a0, (int)n1, a1);
    mk__diff d;
    int status = 0;
    if (mk__diff_build(&d, &p[0], paths[0], &p[1], paths[1])) {
        fprintf(stderr, "memkit diff: out of memory\n");
        status = 2;
    } else {
        int rc = !strcmp(format, "folded") ? mk__diff_folded(&d, stdout)
                 : !strcmp(format, "html") ? mk__diff_html(&d, stdout)
                                           : mk__diff_text(&d, stdout, (size_t)top);
        if (fflush(stdout) != 0 || rc) {
            fprintf(stderr, "memkit diff: writing the comparison failed\n");
            status = 2;
        }
        mk__diff_free(&d);
    }
    if (!status && limit >= 0) {
        const struct { const char *what; uint64_t b, a; } m[] = {
            {"total bytes", p[0].totals.tb, p[1].totals.tb},
            {"total blocks", p[0].totals.tbk, p[1].totals.tbk},
            {"bytes at t-gmax", p[0].totals.gb, p[1].totals.gb},
        };
        for (size_t i = 0; i < 3; i++) {
            double g = growth(m[i].b, m[i].a);
            if (g <= limit) continue;
            char gs[32];
            if (isinf(g)) snprintf(gs, sizeof gs, "from 0");
            else snprintf(gs, sizeof gs, "by %.1f%%", g);
            fprintf(stderr, "memkit diff: %s grew %s (%llu -> %llu), more than the %g%% --fail-if-grew allows\n", m[i].what,
                    gs, (unsigned long long)m[i].b, (unsigned long long)m[i].a, limit);
            status = 1;
            break;
        }
    }
    for (int k = 0; k < 2; k++) mk__prof_free(&p[k]);
    return status;
}
