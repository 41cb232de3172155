/* mapfile.c - mk_mapfile: mmap for regular files, a read() loop for the rest, and a SIGBUS guard.
 *
 * The guard: a process-wide SIGBUS handler (installed once with pthread_once) looks at the calling
 * thread's innermost guard frame (thread-local); if the faulting address lies in that frame's
 * mapping it siglongjmps back into mk_mapfile_guard, which returns MK_EIO. Any other SIGBUS goes
 * to the handler that was installed before ours, or gets the default action (death) as if we had
 * never been there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memkit/mapfile.h"

static const unsigned char empty_bytes[1];

static void set_empty(mk_mapfile *m) {
    m->data = empty_bytes;
    m->len = 0;
    m->map_ = NULL;
    m->map_len_ = 0;
    m->buf_ = NULL;
}

/* Records "NAME: what" in m and returns err; keeps errno. */
static mk_err fail(mk_mapfile *m, mk_err err, const char *name, const char *what) {
    int saved = errno;
    snprintf(m->error_, sizeof m->error_, "%s: %s", name, what);
    errno = saved;
    return err;
}

static mk_err fail_errno(mk_mapfile *m, const char *name, const char *doing) {
    int e = errno;
    char what[160];
    snprintf(what, sizeof what, "%s%s", doing, strerror(e));
    errno = e;
    return fail(m, mk_err_from_errno(e), name, what);
}

/* Reads fd to its end into a heap buffer. */
static mk_err read_all(mk_mapfile *m, int fd, const char *name) {
    size_t cap = 0, len = 0;
    unsigned char *buf = NULL;
    for (;;) {
        if (len == cap) {
            size_t ncap;
            if (!mk_mul_size(cap ? cap : 32768, 2, &ncap)) {
                free(buf);
                return fail(m, MK_EOVERFLOW, name, "too large to read into memory");
            }
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return fail(m, MK_ENOMEM, name, "out of memory reading it into memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            mk_err e = fail_errno(m, name, "read: ");
            int saved = errno;
            free(buf);
            errno = saved;
            return e;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    if (len == 0) {
        free(buf);
        set_empty(m);
        return MK_OK;
    }
    m->buf_ = buf;
    m->data = buf;
    m->len = len;
    return MK_OK;
}

mk_err mk_mapfile_open_fd(mk_mapfile *m, int fd, const char *name, unsigned flags) {
    struct stat st;
    set_empty(m);
    m->error_[0] = 0;
    if (fstat(fd, &st) != 0) return fail_errno(m, name, "");
    if (S_ISDIR(st.st_mode)) return fail(m, MK_EISDIR, name, "is a directory");
    /* Regular files of size 0 may be /proc or /sys files with contents: read them. */
    if (!S_ISREG(st.st_mode) || st.st_size <= 0) return read_all(m, fd, name);
    /* A descriptor already read from (standard input, partly consumed) means "the rest of it". */
    int saved_pos = errno;
    off_t at = lseek(fd, 0, SEEK_CUR);
    errno = saved_pos;
    if (at != 0) return read_all(m, fd, name);
    if ((uintmax_t)st.st_size > SIZE_MAX / 2) return fail(m, MK_EOVERFLOW, name, "too large to map");
    size_t len = (size_t)st.st_size;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), map_len;
    if (!mk_align_up_size(len, pg, &map_len)) return fail(m, MK_EOVERFLOW, name, "too large to map");
    int mflags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    if (flags & MK_MAP_POPULATE) mflags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, len, PROT_READ, mflags, fd, 0);
    if (p == MAP_FAILED) {
        /* Some file systems cannot map: read instead. Only memory errors are final. */
        if (errno == ENOMEM) return fail_errno(m, name, "mmap: ");
        return read_all(m, fd, name);
    }
    int saved = errno;
    if (flags & MK_MAP_SEQUENTIAL) (void)madvise(p, len, MADV_SEQUENTIAL);
    if (flags & MK_MAP_WILLNEED) (void)madvise(p, len, MADV_WILLNEED);
    errno = saved; /* hints that fail change nothing */
    m->map_ = p;
    m->map_len_ = map_len;
    m->data = p;
    m->len = len;
    return MK_OK;
}

mk_err mk_mapfile_open(mk_mapfile *m, const char *path, unsigned flags) {
    set_empty(m);
    m->error_[0] = 0;
    int fd;
    do fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return fail_errno(m, path, "");
    mk_err err = mk_mapfile_open_fd(m, fd, path, flags);
    int saved = errno;
    close(fd);
    errno = saved;
    return err;
}

void mk_mapfile_close(mk_mapfile *m) {
    int saved = errno;
    if (m->map_) munmap(m->map_, m->map_len_);
    free(m->buf_);
    set_empty(m);
    errno = saved;
}

/* ---- the guard -------------------------------------------------------------------------------- */

struct guard_frame {
    sigjmp_buf jb;
    const unsigned char *lo, *hi;
    struct guard_frame *prev;
};

static _Thread_local struct guard_frame *volatile tls_guard;
static struct sigaction previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_errno;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
    struct guard_frame *g = tls_guard;
    const unsigned char *a = (const unsigned char *)si->si_addr;
    if (g && si->si_code > 0 && a >= g->lo && a < g->hi) {
        tls_guard = g->prev;
        siglongjmp(g->jb, 1);
    }
    /* Not ours: behave as the handler before us would have. */
    if (previous_bus.sa_flags & SA_SIGINFO) {
        if (previous_bus.sa_sigaction) {
            previous_bus.sa_sigaction(sig, si, uc);
            return;
        }
    } else if (previous_bus.sa_handler != SIG_DFL && previous_bus.sa_handler != SIG_IGN) {
        previous_bus.sa_handler(sig);
        return;
    }
    /* Default action: restore it; a fault re-executes and kills, a sent signal is raised again
     * (pending until this handler returns). */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
    if (si->si_code <= 0) raise(sig);
}

static void install_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous_bus) != 0) install_errno = errno ? errno : EINVAL;
}

mk_err mk_mapfile_guard(const mk_mapfile *m, void (*fn)(void *ctx), void *ctx) {
    if (!m->map_) { /* heap bytes cannot fault */
        fn(ctx);
        return MK_OK;
    }
    int saved = errno;
    pthread_once(&install_once, install_handler);
    errno = saved;
    if (install_errno) return MK_ESYS;
    struct guard_frame g;
    g.lo = (const unsigned char *)m->map_;
    g.hi = g.lo + m->map_len_;
    g.prev = tls_guard;
    if (sigsetjmp(g.jb, 1)) return MK_EIO; /* the handler has popped the frame */
    tls_guard = &g;
    fn(ctx);
    tls_guard = g.prev;
    return MK_OK;
}

struct copy_args { const unsigned char *src; void *dst; size_t n; };
static void do_copy(void *p) {
    struct copy_args *a = p;
    memcpy(a->dst, a->src, a->n);
}

mk_err mk_mapfile_copy(const mk_mapfile *m, size_t off, void *dst, size_t n) {
    if (off > m->len || n > m->len - off) return MK_EINVAL;
    if (n == 0) return MK_OK;
    if (!dst) return MK_EINVAL;
    struct copy_args a = {m->data + off, dst, n};
    return mk_mapfile_guard(m, do_copy, &a);
}

struct search_args { const mk_mapfile *m; const mk_finder *f; size_t result; };
static void do_find(void *p) {
    struct search_args *a = p;
    a->result = mk_finder_find(a->f, a->m->data, a->m->len);
}
static void do_count(void *p) {
    struct search_args *a = p;
    a->result = mk_finder_count(a->f, a->m->data, a->m->len);
}

mk_err mk_mapfile_find(const mk_mapfile *m, const mk_finder *f, size_t *at) {
    struct search_args a = {m, f, MK_NOT_FOUND};
    mk_err err = mk_mapfile_guard(m, do_find, &a);
    *at = err == MK_OK ? a.result : MK_NOT_FOUND;
    return err;
}

mk_err mk_mapfile_count(const mk_mapfile *m, const mk_finder *f, size_t *count) {
    struct search_args a = {m, f, 0};
    mk_err err = mk_mapfile_guard(m, do_count, &a);
    *count = err == MK_OK ? a.result : 0;
    return err;
}
