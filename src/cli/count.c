/* count.c - `memkit count NEEDLE FILE...`: non-overlapping occurrences of a fixed string per file.
 *
 * A regular file is opened with mk_mapfile (mapped) and counted through the guard, so a file
 * truncated while it is counted is an error, not a SIGBUS. Everything else (pipes, devices, /proc
 * files) is streamed through one fixed buffer, so memory stays bounded whatever the input (even
 * /dev/zero). Occurrences that straddle two reads are found by carrying the buffer's tail over:
 * its last NEEDLE-1 bytes, or less when the last match ends inside them. The counts are the ones
 * `grep -F -o NEEDLE FILE | wc -l` prints for a needle without a newline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "memkit/mapfile.h"
#include "memkit/search.h"

/* Bytes read per refill of the streaming buffer: large enough that the search's start-up cost
 * per call vanishes, small enough that a pipe costs a few MB at most. */
#define STREAM_CHUNK ((size_t)1 << 20)

static void count_usage(FILE *f) {
    fprintf(f,
            "usage: memkit count [--] NEEDLE [FILE...]\n"
            "\n"
            "Prints how many non-overlapping occurrences of the bytes NEEDLE each FILE holds (the\n"
            "number `grep -F -o NEEDLE FILE | wc -l` gives when NEEDLE has no newline). FILE `-`, or\n"
            "no FILE, is standard input. With one file it prints the count; with several, FILE:COUNT\n"
            "lines. Regular files are memory-mapped; pipes and devices are read in 1 MiB pieces.\n"
            "\n"
            "Exit status: 0 when every file was counted, 2 when any could not be read (it says which\n"
            "and goes on with the others) or on a usage error.\n");
}

/* Whether two occurrences of needle can overlap: it has a proper border ("aa", "abcab"), found
 * with the KMP failure function in O(m). Returns -1 when out of memory. */
static int self_overlapping(const unsigned char *x, size_t m) {
    if (m < 2) return 0;
    size_t *fail = malloc(m * sizeof *fail); /* m <= the argument's length: no overflow */
    if (!fail) return -1;
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < m; i++) {
        while (k > 0 && x[i] != x[k]) k = fail[k - 1];
        if (x[i] == x[k]) k++;
        fail[i] = k;
    }
    int r = fail[m - 1] > 0;
    free(fail);
    return r;
}

/* A position near the end of buf[0..len) that no occurrence of the needle straddles (none starts
 * in the m-1 bytes before it), or 0 when a few tries find none (a periodic run such as "aaaa"
 * for "aa"). */
static size_t clean_cut(const mk_finder *f, const unsigned char *buf, size_t len, size_t m) {
    if (len < 16 * m) return 0;
    for (size_t q = len - 2 * m, tries = 0; tries < 8 && q >= m; tries++, q -= m)
        if (mk_finder_find(f, buf + q - (m - 1), 2 * m - 2) == MK_NOT_FOUND) return q;
    return 0;
}

/* Counts the needle in what fd yields until end of file, in one buffer of STREAM_CHUNK + needle
 * bytes. Each round counts the matches that lie wholly in the buffer, leftmost first; the next
 * round starts where the scan must resume: after the last match, or NEEDLE-1 bytes before the end,
 * whichever is later. A needle that cannot overlap itself is counted with mk_finder_count; one that
 * can needs the end of the last match, so the matches after a clean cut near the end are walked
 * with the iterator. Returns 0, or -1 with errno set. */
static int count_stream(const mk_finder *f, const unsigned char *needle, int fd, size_t *out) {
    size_t m = mk_finder_len(f), cap = STREAM_CHUNK + m, len = 0, n = 0;
    int overlap = self_overlapping(needle, m), eof = 0;
    unsigned char *buf = overlap >= 0 && cap > m ? malloc(cap) : NULL;
    if (!buf) return errno = ENOMEM, -1;
    while (!eof) {
        while (len < cap) {
            ssize_t r = read(fd, buf + len, cap - len);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                free(buf);
                return -1;
            }
            if (r == 0) {
                eof = 1;
                break;
            }
            len += (size_t)r;
        }
        size_t resume = len >= m ? len - (m - 1) : 0;
        if (!overlap) {
            n += mk_finder_count(f, buf, len);
        } else {
            /* Count up to a cut no occurrence straddles (the leftmost-first matches before it are
             * the same whatever follows), then walk only the tail for the end of the last match. */
            size_t cut = clean_cut(f, buf, len, m), at;
            n += mk_finder_count(f, buf, cut);
            mk_finder_iter it;
            mk_finder_iter_init(&it, f, buf + cut, len - cut);
            while (mk_finder_iter_next(&it, &at)) {
                n++;
                if (cut + at + m > resume) resume = cut + at + m;
            }
        }
        memmove(buf, buf + resume, len - resume);
        len -= resume;
    }
    free(buf);
    *out = n;
    return 0;
}

/* Counts one file; prints the count or an error. Returns 0 or 1 (failed). */
static int count_one(const mk_finder *f, const unsigned char *needle, const char *path, int show_name) {
    const char *name = strcmp(path, "-") ? path : "(standard input)";
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "memkit count: %s: %s\n", name, strerror(errno));
        if (fd > STDIN_FILENO) close(fd);
        return 1;
    }
    size_t n = 0;
    mk_err err = MK_OK;
    if ((S_ISREG(st.st_mode) && st.st_size > 0) || S_ISDIR(st.st_mode)) {
        mk_mapfile mf;
        err = mk_mapfile_open_fd(&mf, fd, name, 0);
        if (err != MK_OK) {
            fprintf(stderr, "memkit count: %s\n", mk_mapfile_error(&mf));
            mk_mapfile_close(&mf);
            if (fd > STDIN_FILENO) close(fd);
            return 1;
        }
        err = mk_mapfile_count(&mf, f, &n);
        mk_mapfile_close(&mf);
    } else if (count_stream(f, needle, fd, &n) != 0) {
        fprintf(stderr, "memkit count: %s: %s\n", name, strerror(errno));
        if (fd > STDIN_FILENO) close(fd);
        return 1;
    }
    if (fd > STDIN_FILENO) close(fd);
    if (err != MK_OK) {
        fprintf(stderr, "memkit count: %s: %s\n", name,
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
    for (int k = 0; k < nfiles; k++) failed |= count_one(&f, (const unsigned char *)needle, files[k], nfiles > 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("memkit count: writing the counts");
        return 2;
    }
    return failed ? 2 : 0;
}
