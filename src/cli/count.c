/* count.c - `memkit count NEEDLE FILE...`: non-overlapping occurrences of a fixed string per file.
 *
 * Each file is opened with mk_mapfile (mapped, or read when it is a pipe or device) and counted
 * through the guard, so a file truncated while it is counted is an error, not a SIGBUS. The counts
 * are the ones `grep -F -o NEEDLE FILE | wc -l` prints for a needle without a newline.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "memkit/mapfile.h"
#include "memkit/search.h"

static void count_usage(FILE *f) {
    fprintf(f,
            "usage: memkit count [--] NEEDLE [FILE...]\n"
            "\n"
            "Prints how many non-overlapping occurrences of the bytes NEEDLE each FILE holds (the\n"
            "number `grep -F -o NEEDLE FILE | wc -l` gives when NEEDLE has no newline). FILE `-`, or\n"
            "no FILE, is standard input. With one file it prints the count; with several, FILE:COUNT\n"
            "lines. Files are memory-mapped; pipes and devices are read into memory.\n"
            "\n"
            "Exit status: 0 when every file was counted, 2 when any could not be read (it says which\n"
            "and goes on with the others) or on a usage error.\n");
}

/* Counts one file; prints the count or an error. Returns 0 or 1 (failed). */
static int count_one(const mk_finder *f, const char *path, int show_name) {
    mk_mapfile m;
    mk_err err;
    if (strcmp(path, "-") == 0) err = mk_mapfile_open_fd(&m, STDIN_FILENO, "(standard input)", 0);
    else err = mk_mapfile_open(&m, path, 0);
    if (err != MK_OK) {
        fprintf(stderr, "memkit count: %s\n", mk_mapfile_error(&m));
        mk_mapfile_close(&m);
        return 1;
    }
    size_t n = 0;
    err = mk_mapfile_count(&m, f, &n);
    mk_mapfile_close(&m);
    if (err != MK_OK) {
        fprintf(stderr, "memkit count: %s: %s\n", strcmp(path, "-") ? path : "(standard input)",
                err == MK_EIO ? "the file shrank while it was being read" : mk_strerror(err));
        return 1;
    }
    if (show_name) printf("%s:%zu\n", path, n);
    else printf("%zu\n", n);
    return 0;
}

int mk__cmd_count(int argc, char **argv) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != 0; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            count_usage(stdout);
            return 0;
        }
        fprintf(stderr, "memkit count: unknown option '%s'\n", argv[i]);
        count_usage(stderr);
        return 2;
    }
    if (i >= argc) {
        count_usage(stderr);
        return 2;
    }
    const char *needle = argv[i++];
    if (needle[0] == 0) {
        fprintf(stderr, "memkit count: the needle is empty (it would match between every two bytes)\n");
        return 2;
    }
    mk_finder f;
    if (mk_finder_init(&f, needle, strlen(needle)) != MK_OK) return 2;
    static char *const stdin_only[] = {"-"};
    char *const *files = i < argc ? argv + i : stdin_only;
    int nfiles = i < argc ? argc - i : 1, failed = 0;
    for (int k = 0; k < nfiles; k++) failed |= count_one(&f, files[k], nfiles > 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("memkit count: writing the counts");
        return 2;
    }
    return failed ? 2 : 0;
}
