/* snapshot.c - `memkit snapshot PID`: the profile of a running process, from the recorder's state.
 *
 * The recorder keeps its figures in a shared file (docs/RECORDER-STATE.md); this reads a copy of it
 * with pread, so the process is neither stopped nor signalled and pays nothing. The figures are
 * those of the moment of the copy; t-end means "live now".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../analyzer/analyze.h"
#include "../analyzer/dhat.h"
#include "../analyzer/timeline.h"
#include "cli.h"
#include "live.h"

const char *mk__opt_value(int argc, char **argv, int *i, const char *name);

int mk__parse_pid(const char *s, uint64_t *pid) {
    uint64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 400000000) return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (!v || v > 0x3FFFFFFF) return -1;
    *pid = v;
    return 0;
}

/* The path of pid's own state mapping from /proc/pid/maps: "/.../memkit.XXXXXX/state.<pid>". */
static int state_in_maps(uint64_t pid, char *path, size_t cap, int *denied) {
    char name[64], line[4608], want[32];
    snprintf(name, sizeof name, "/proc/%" PRIu64 "/maps", pid);
    snprintf(want, sizeof want, "/state.%" PRIu64, pid);
    FILE *f = fopen(name, "r");
    if (!f) {
        *denied = errno == EACCES || errno == EPERM;
        return -1;
    }
    int found = -1;
    while (found && fgets(line, sizeof line, f)) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char *p = strchr(line, '/');
        if (!p) continue;
        size_t n = strlen(p), w = strlen(want);
        if (n <= w || strcmp(p + n - w, want)) continue;
        const char *dir = p + n - w;
        while (dir > p && dir[-1] != '/') dir--;
        if (strncmp(dir, "memkit.", 7) || n >= cap) continue;
        memcpy(path, p, n + 1);
        found = 0;
    }
    fclose(f);
    return found;
}

int mk__find_state(uint64_t pid, char *path, size_t cap, uint64_t *which, char *err, size_t errlen) {
    char name[64];
    struct stat st;
    snprintf(name, sizeof name, "/proc/%" PRIu64, pid);
    if (stat(name, &st) != 0) {
        snprintf(err, errlen, "no process with pid %" PRIu64, pid);
        return -1;
    }
    if (st.st_uid != geteuid() && geteuid() != 0) {
        snprintf(err, errlen, "process %" PRIu64 " belongs to another user (uid %u): only its owner can read its profile",
                 pid, (unsigned)st.st_uid);
        return -1;
    }
    int denied = 0;
    if (state_in_maps(pid, path, cap, &denied) == 0) {
        *which = pid;
        return 0;
    }
    if (denied) {
        snprintf(err, errlen, "cannot read /proc/%" PRIu64 "/maps: permission denied", pid);
        return -1;
    }
    /* A `memkit run`: the program is its child. */
    char kids[4096];
    snprintf(name, sizeof name, "/proc/%" PRIu64 "/task/%" PRIu64 "/children", pid, pid);
    FILE *f = fopen(name, "r");
    size_t n = f ? fread(kids, 1, sizeof kids - 1, f) : 0;
    if (f) fclose(f);
    kids[n] = 0;
    for (char *tok = strtok(kids, " \n"); tok; tok = strtok(NULL, " \n")) {
        uint64_t c;
        if (!mk__parse_pid(tok, &c) && state_in_maps(c, path, cap, &denied) == 0) {
            *which = c;
            return 0;
        }
    }
    snprintf(err, errlen, "process %" PRIu64 " is not running under memkit run (no recorder state is mapped in it)", pid);
    return -1;
}

static void usage(FILE *f) {
    fputs("usage: memkit snapshot [OPTIONS] PID\n"
          "\n"
          "Writes the heap profile of PID as it is now, from the recorder's state: PID is a program\n"
          "started with `memkit run` (or that `memkit run` itself). The program is neither stopped nor\n"
          "signalled; t-end means \"live now\".\n"
          "\n"
          "  -o, --output FILE  the DHAT file (default memkit.<pid>.snapshot.json; %p is the pid)\n"
          "  --format LIST      comma-separated: dhat, text, folded (default dhat). text goes to\n"
          "                     stdout; folded to the output name with .json replaced by .folded\n"
          "  --top N, --sort KEY  as for memkit report\n"
          "  -h, --help         this help\n"
          "\n"
          "Exit status: 0 written; 1 no such process, not yours, not under memkit, or an unreadable\n"
          "state; 2 bad usage.\n",
          f);
}

int mk__cmd_snapshot(int argc, char **argv) {
    const char *output = NULL, *pid_s = NULL;
    unsigned formats = MK_OUT_DHAT;
    uint64_t top = 10;
    int sort = MK_SORT_BYTES;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((v = mk__opt_value(argc, argv, &i, "-o")) || (v = mk__opt_value(argc, argv, &i, "--output"))) {
            if (!*v) {
                fprintf(stderr, "memkit snapshot: -o takes a file name\n");
                return 2;
            }
            output = v;
        } else if ((v = mk__opt_value(argc, argv, &i, "--format"))) {
            if (mk__formats_parse(v, &formats)) {
                fprintf(stderr, "memkit snapshot: --format takes a list of dhat, text, folded (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--top"))) {
            if (mk__parse_count(v, 1u << 30, &top)) {
                fprintf(stderr, "memkit snapshot: --top takes a count (got '%s')\n", v);
                return 2;
            }
        } else if ((v = mk__opt_value(argc, argv, &i, "--sort"))) {
            if ((sort = mk__sort_parse(v)) < 0) {
                fprintf(stderr, "memkit snapshot: --sort takes bytes, blocks, peak, leaks or temporary (got '%s')\n", v);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memkit snapshot: unknown option '%s' (try memkit snapshot --help)\n", a);
            return 2;
        } else if (pid_s) {
            fprintf(stderr, "memkit snapshot: one process at a time ('%s' and '%s')\n", pid_s, a);
            return 2;
        } else {
            pid_s = a;
        }
    }
    uint64_t pid, which;
    if (!pid_s) {
        fprintf(stderr, "memkit snapshot: which process? (usage: memkit snapshot [OPTIONS] PID)\n");
        return 2;
    }
    if (mk__parse_pid(pid_s, &pid)) {
        fprintf(stderr, "memkit snapshot: '%s' is not a process id\n", pid_s);
        return 2;
    }
    char path[4096], err[600];
    if (mk__find_state(pid, path, sizeof path, &which, err, sizeof err)) {
        fprintf(stderr, "memkit snapshot: %s\n", err);
        return 1;
    }
    mk__prof p;
    if (mk__prof_from_state(path, &p, err, sizeof err)) {
        fprintf(stderr, "memkit snapshot: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (formats & MK_OUT_TEXT)
        rc |= mk__report_text(&p, stdout, (enum mk__sort)sort, (size_t)top) | mk__report_time(&p, stdout) |
              mk__report_advice(&p, stdout);
    char *out = NULL;
    const char *pat = output ? output : formats & MK_OUT_DHAT ? "memkit.%p.snapshot.json" : "memkit.%p.snapshot.folded";
    size_t outlen = 0;
    FILE *m = open_memstream(&out, &outlen);
    if (m) {
        for (const char *s = pat; *s; s++) {
            if (s[0] == '%' && s[1] == 'p') fprintf(m, "%" PRIu64, which), s++;
            else if (s[0] == '%' && s[1] == '%') fputc('%', m), s++;
            else fputc(*s, m);
        }
        if (fclose(m) != 0) free(out), out = NULL;
    }
    for (int k = 0; out && k < 2; k++) {
        unsigned want = k ? MK_OUT_FOLDED : MK_OUT_DHAT;
        if (!(formats & want)) continue;
        char *name = strdup(out);
        if (name && k && (formats & MK_OUT_DHAT)) {
            size_t n = strlen(name);
            if (n > 5 && !strcmp(name + n - 5, ".json")) name[n - 5] = 0;
            char *f = NULL;
            if (asprintf(&f, "%s.folded", name) < 0) f = NULL;
            free(name);
            name = f;
        }
        FILE *f = name ? fopen(name, "w") : NULL;
        if (!f) {
            fprintf(stderr, "memkit snapshot: cannot write %s: %s\n", name ? name : "(out of memory)", strerror(errno));
            rc = 1;
        } else {
            int w = k ? mk__report_folded(&p, f) : mk__dhat_write(&p, f);
            if (fclose(f) != 0 || w) {
                fprintf(stderr, "memkit snapshot: writing %s failed\n", name);
                rc = 1;
            } else {
                fprintf(stderr, "memkit snapshot: wrote %s (process %" PRIu64 ", %" PRIu64 " bytes live in %" PRIu64
                                " blocks)\n", name, which, p.totals.eb, p.totals.ebk);
            }
        }
        free(name);
    }
    if (!out) rc = 1;
    free(out);
    mk__prof_free(&p);
    if (fflush(stdout) != 0) rc = 1;
    return rc ? 1 : 0;
}
