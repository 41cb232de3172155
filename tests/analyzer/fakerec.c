/* fakerec.c - a stand-in recorder for testing `memkit run`'s plumbing without the real one.
 *
 * Preloaded like libmemkit-prof.so, it writes at exit a raw profile with no sites whose totals
 * echo the environment memkit set: tb = MEMKIT_DEPTH, tbk = MEMKIT_SAMPLE, frees = 1 when
 * MEMKIT_ROOT_PID is this process, threads = 1 when MEMKIT_FOLLOW_FORK=1. Like the recorder, it
 * writes in a child only when following forks, to MEMKIT_OUT with %p expanded, through a temporary
 * file and a rename. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/format/raw.h"

static void put(int fd, uint32_t tag, const void *p, uint32_t len) {
    struct mk__raw_record r = {tag, len};
    static const char zeros[8];
    if (write(fd, &r, sizeof r) < 0 || (len && write(fd, p, len) < 0) || write(fd, zeros, (8 - len % 8) % 8) < 0) _exit(99);
}

__attribute__((destructor)) static void fake_write(void) {
    const char *out = getenv("MEMKIT_OUT"), *root = getenv("MEMKIT_ROOT_PID"), *ff = getenv("MEMKIT_FOLLOW_FORK");
    int is_root = root && atol(root) == (long)getpid(), follow = ff && !strcmp(ff, "1");
    if (!out || (!is_root && !follow)) return;
    char path[4096] = "", tmp[4200];
    for (const char *s = out; *s && strlen(path) < sizeof path - 32; s++) {
        if (s[0] == '%' && s[1] == 'p') snprintf(path + strlen(path), 32, "%ld", (long)getpid()), s++;
        else strncat(path, s, 1);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;
    struct mk__raw_header h = {.version = MK_RAW_VERSION, .pid = (uint64_t)getpid(), .ppid = (uint64_t)getppid(),
                              .t_end = 100, .t_gmax = 50};
    memcpy(h.magic, MK_RAW_MAGIC, 8);
    const char *d = getenv("MEMKIT_DEPTH"), *smp = getenv("MEMKIT_SAMPLE");
    h.max_depth = d ? strtoull(d, NULL, 10) : 0;
    h.sample_bytes = smp ? strtoull(smp, NULL, 10) : 0;
    if (h.sample_bytes) h.flags |= MK_RAW_SAMPLED;
    if (!is_root) h.flags |= MK_RAW_CHILD;
    struct mk__raw_totals t = {.tb = h.max_depth, .tbk = h.sample_bytes, .frees = (uint64_t)is_root,
                              .threads = (uint64_t)follow};
    put(fd, MK_RAW_HEADER, &h, sizeof h);
    put(fd, MK_RAW_CMD, "fake\0", 5);
    put(fd, MK_RAW_TOTALS, &t, sizeof t);
    put(fd, MK_RAW_END, NULL, 0);
    close(fd);
    rename(tmp, path);
}
