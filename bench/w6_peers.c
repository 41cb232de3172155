/* w6_peers.c - W6's C contenders that are not memkit, each run as its own process:
 *
 *   w6_peers floor FILE          memchr of a byte the file does not hold, over the mapping: the
 *                                bandwidth floor (prints the count of that byte, 0)
 *   w6_peers memmem NEEDLE FILE  glibc memmem in a loop over the mapping, non-overlapping
 *
 * Both map the file the plain way (mmap, MAP_PRIVATE, no hints), as the memkit count command does.
 */
#include "common.h" /* first: it defines _GNU_SOURCE (memmem) */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char *map_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(2); }
    *len = (size_t)st.st_size;
    if (*len == 0) return (const unsigned char *)"";
    void *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    close(fd);
    return p;
}

int main(int argc, char **argv) {
    size_t n, count = 0;
    if (argc == 3 && !strcmp(argv[1], "floor")) {
        const unsigned char *h = map_file(argv[2], &n), *p = h, *end = h + n;
        while ((p = memchr(p, 0x01, (size_t)(end - p))) != NULL) { count++; p++; }
    } else if (argc == 4 && !strcmp(argv[1], "memmem")) {
        const unsigned char *h = map_file(argv[3], &n), *p = h, *end = h + n;
        size_t m = strlen(argv[2]);
        while ((p = memmem(p, (size_t)(end - p), argv[2], m)) != NULL) { count++; p += m; }
    } else {
        fprintf(stderr, "usage: w6_peers floor FILE | memmem NEEDLE FILE\n");
        return 2;
    }
    printf("%zu\n", count);
    return 0;
}
