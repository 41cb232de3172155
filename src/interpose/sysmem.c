/* sysmem.c - mmap-backed memory for the recorder's tables and arenas and the counters' watch buffers.
 *
 * Code behind the malloc hooks must never take memory from the malloc it interposes (that would
 * recurse and would show up in the profile), so everything it keeps comes from anonymous mappings
 * made here with raw mmap. The mapped total is what the profile reports as the recorder's own
 * memory.
 */
#define _GNU_SOURCE
#include "sysmem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mman.h>

static size_t mapped; /* atomic */

static size_t page_round(size_t n) { return (n + 4095) & ~(size_t)4095; }

void *mk__sys_map(size_t size, int reserve_only) {
    int saved = errno;
    size_t len = page_round(size);
    if (len < size) return NULL;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (reserve_only == 1 ? MAP_NORESERVE : 0) |
                       (reserve_only == 2 ? MAP_POPULATE : 0), -1, 0);
    errno = saved;
    if (p == MAP_FAILED) return NULL;
    if (reserve_only != 1) __atomic_fetch_add(&mapped, len, __ATOMIC_RELAXED);
    return p;
}

void mk__sys_unmap(void *p, size_t size) {
    if (!p) return;
    int saved = errno;
    size_t len = page_round(size);
    munmap(p, len);
    __atomic_fetch_sub(&mapped, len, __ATOMIC_RELAXED);
    errno = saved;
}

size_t mk__sys_mapped(void) { return __atomic_load_n(&mapped, __ATOMIC_RELAXED); }

size_t mk__sys_resident(void *p, size_t size) {
    unsigned char vec[4096];
    size_t pages = page_round(size) / 4096, n = 0;
    int saved = errno;
    for (size_t i = 0; i < pages; i += sizeof vec) {
        size_t k = pages - i < sizeof vec ? pages - i : sizeof vec;
        if (mincore((char *)p + i * 4096, k * 4096, vec) != 0) break;
        for (size_t j = 0; j < k; j++) n += vec[j] & 1;
    }
    errno = saved;
    return n * 4096;
}

static uint64_t hexval(const char *s, const char **end) {
    uint64_t v = 0;
    for (;; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0) break;
        v = v * 16 + (uint64_t)d;
    }
    *end = s;
    return v;
}

size_t mk__sys_rss_of(const void *p) {
    int saved = errno, fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    size_t rss = 0;
    if (fd < 0) {
        errno = saved;
        return 0;
    }
    /* Lines are read whole into buf (a line longer than it is skipped); "in" is 1 between the
     * header line of p's mapping and the next header. */
    char buf[8192];
    size_t have = 0;
    int in = 0, done = 0;
    while (!done) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r <= 0) break;
        have += (size_t)r;
        size_t start = 0;
        for (size_t i = 0; i < have && !done; i++) {
            if (buf[i] != '\n') continue;
            buf[i] = 0;
            const char *line = buf + start, *e;
            uint64_t lo = hexval(line, &e);
            if (e > line && *e == '-') { /* a mapping's header line */
                if (in) done = 1;
                in = lo == (uintptr_t)p;
            } else if (in && !strncmp(line, "Rss:", 4)) {
                const char *q = line + 4;
                while (*q == ' ') q++;
                uint64_t kb = 0;
                while (*q >= '0' && *q <= '9') kb = kb * 10 + (uint64_t)(*q++ - '0');
                rss = kb * 1024;
                done = 1;
            }
            start = i + 1;
        }
        if (start == 0 && have == sizeof buf) have = 0; /* an overlong line: drop it */
        else {
            memmove(buf, buf + start, have - start);
            have -= start;
        }
    }
    close(fd);
    errno = saved;
    return rss;
}

static void *sys_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (align > 4096 || size == 0) size = size ? size : 1;
    return align > 4096 ? NULL : mk__sys_map(size, 0);
}

static void sys_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx, (void)align;
    mk__sys_unmap(p, size ? size : 1);
}

static void *sys_resize(void *ctx, void *p, size_t old_size, size_t new_size, size_t align) {
    if (page_round(new_size ? new_size : 1) == page_round(old_size ? old_size : 1)) return p;
    void *q = sys_alloc(ctx, new_size, align);
    if (!q) return NULL;
    if (p) {
        size_t n = old_size < new_size ? old_size : new_size;
        for (size_t i = 0; i < n; i++) ((char *)q)[i] = ((char *)p)[i];
        sys_free(ctx, p, old_size, align);
    }
    return q;
}

static const mk_allocator sys_allocator = {sys_alloc, sys_resize, sys_free, NULL};

const mk_allocator *mk__sys_allocator(void) { return &sys_allocator; }
