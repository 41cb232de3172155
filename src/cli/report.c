/* report.c - `memkit report`: renders a saved profile again.
 *
 * It reads the DHAT JSON file that `memkit run` wrote (memkit keeps its extra figures in that file,
 * under "mk" keys, so nothing else needs keeping beside it), a DHAT file written by valgrind, or a
 * raw profile. Output goes to stdout, so it pipes into flame graph tools.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/analyze.h"
#include "cli.h"
#include "../analyzer/dhat.h"
#include "../analyzer/html.h"
#include "../analyzer/pprof.h"
#include "../analyzer/timeline.h"

static void usage(FILE *f) {
    fputs("usage: memkit report [--format dhat,text,folded,html,pprof] [--top N] [--sort KEY] FILE\n"
          "\n"
          "Renders a saved profile (the DHAT JSON file `memkit run` wrote, a DHAT file from\n"
          "valgrind --tool=dhat, a raw profile, or a recorder's state file) on stdout.\n"
          "\n"
          "  --format LIST  comma-separated: text (the default), folded (flame graph stacks),\n"
          "                 dhat (the DHAT JSON again, after merging equal stacks), html (one\n"
          "                 self-contained page: flame graph, heap over time, sites, advice),\n"
          "                 pprof (gzipped profile.proto for go tool pprof, Pyroscope, Parca)\n"
          "  --top N        show the N first sites of the text report (default 10; 0 = all)\n"
          "  --sort KEY     order sites by bytes (total, the default), blocks, peak (bytes at\n"
          "                 t-gmax), leaks (bytes live at exit) or temporary (temporary blocks)\n"
          "  -h, --help     this help\n",
          f);
}

/* Shared with run.c: the value of option `name` at argv[*i] ("--name V" or "--name=V"), or NULL. */
const char *mk__opt_value(int argc, char **argv, int *i, const char *name);
const char *mk__opt_value(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) return "";
    return argv[++*i];
}


/* pprof, with the modules (paths, build-ids) of a raw profile or of a DHAT file's mkModules. */
static int report_pprof(const mk__prof *p, FILE *out) { return mk__report_pprof(p, p->modules, p->nmodules, out); }

int mk__cmd_report(int argc, char **argv) {
    unsigned formats = MK_OUT_TEXT;
    uint64_t top = 10;
    int sort = MK_SORT_BYTES;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((v = mk__opt_value(argc, argv, &i, "--format"))) {
            if (mk__formats_parse(v, &formats)) {
                fprintf(stderr, "memkit report: --format takes a list of dhat, text, folded, html, pprof (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--top"))) {
            if (mk__parse_count(v, 1u << 30, &top)) {
                fprintf(stderr, "memkit report: --top takes a count (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--sort"))) {
            if ((sort = mk__sort_parse(v)) < 0) {
                fprintf(stderr, "memkit report: --sort takes bytes, blocks, peak, leaks or temporary (got '%s')\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--") && i + 1 < argc && !path) {
            path = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memkit report: unknown option '%s' (try memkit report --help)\n", a);
            return 2;
        } else if (path) {
            fprintf(stderr, "memkit report: one profile at a time ('%s' and '%s')\n", path, a);
            return 2;
        } else {
            path = a;
        }
    }
    if (!path) {
        fprintf(stderr, "memkit report: which profile? (usage: memkit report [OPTIONS] FILE)\n");
        return 2;
    }
    mk__prof p;
    char err[512];
    if (mk__state_is_file(path) ? mk__prof_from_state(path, &p, err, sizeof err) : mk__profile_load(path, &p, err, sizeof err)) {
        fprintf(stderr, "memkit report: %s\n", err);
        return 1;
    }
    if ((formats & MK_OUT_PPROF) && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "memkit report: pprof is gzip-compressed binary; redirect stdout to a file (> FILE.pb.gz)\n");
        mk__prof_free(&p);
        return 2;
    }
    if ((formats & MK_OUT_HTML) && p.nsites == 0)
        fprintf(stderr, "memkit report: %s has no allocation sites; the HTML page says so and has no flame graph\n", path);
    int rc = 0;
    if (formats & MK_OUT_TEXT)
        rc |= mk__report_text(&p, stdout, (enum mk__sort)sort, (size_t)top) | mk__report_time(&p, stdout) |
              mk__report_advice(&p, stdout);
    if (formats & MK_OUT_FOLDED) rc |= mk__report_folded(&p, stdout);
    if (formats & MK_OUT_DHAT) rc |= mk__dhat_write(&p, stdout);
    if (formats & MK_OUT_HTML) rc |= mk__report_html(&p, stdout);
    if (formats & MK_OUT_PPROF) rc |= report_pprof(&p, stdout);
    mk__prof_free(&p);
    if (fflush(stdout) != 0 || rc) {
        fprintf(stderr, "memkit report: writing the report failed\n");
        return 1;
    }
    return 0;
}
