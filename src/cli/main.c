/* main.c - `memkit`: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    const char *what;
} commands[] = {
    {"run", "run a program under the heap profiler and report where it allocates"},
    {"report", "render a saved profile again"},
    {"count", "count occurrences of a fixed string in files, through a memory map"},
    {"diff", "compare two profiles: totals and the sites that changed most"},
    {"snapshot", "write the heap profile of a process running under memkit run, as it is now"},
    {"top", "watch the live heap of a process running under memkit run"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: memkit COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n`memkit COMMAND --help` tells more.\n");
}

int main(int argc, char **argv) {
    int (*fns[])(int, char **) = {mk__cmd_run, mk__cmd_report, mk__cmd_count, mk__cmd_diff, mk__cmd_snapshot, mk__cmd_top};
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0) continue;
        if (!fns[i]) {
            fprintf(stderr, "memkit: '%s' is not built into this memkit\n", argv[1]);
            return 2;
        }
        return fns[i](argc - 1, argv + 1);
    }
    fprintf(stderr, "memkit: unknown command '%s' (try memkit --help)\n", argv[1]);
    return 2;
}
