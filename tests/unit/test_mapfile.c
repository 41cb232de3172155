/* test_mapfile.c - mk_mapfile on real files: regular, empty, pipes, /proc, devices, the error paths
 * (missing, directory, permission), and the SIGBUS guard on a file truncated under its mapping. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "memkit/mapfile.h"

static char dir[] = "/tmp/mk_test_mapfile.XXXXXX";
static char path_buf[512];

static const char *tmp_path(const char *name) {
    static int made; /* not "does the name still end in X": mkdtemp's random letters can be an X */
    if (!made) {
        if (!mkdtemp(dir) || chmod(dir, 0755) != 0) {
            perror("mkdtemp");
            exit(2);
        }
        made = 1;
    }
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static int write_file(const char *path, const void *data, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    ssize_t w = n ? write(fd, data, n) : 0;
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static unsigned char *pattern(size_t n) {
    unsigned char *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)("abcdefgh\n"[i % 9] ^ (i / 9 % 3 == 0));
    return p;
}

TEST(regular_file) {
    size_t n = 3 * 4096 + 17;
    unsigned char *want = pattern(n);
    const char *p = tmp_path("regular");
    CHECK_EQ(write_file(p, want, n), 0);
    unsigned hints[] = {0, MK_MAP_SEQUENTIAL, MK_MAP_WILLNEED, MK_MAP_POPULATE,
                        MK_MAP_SEQUENTIAL | MK_MAP_WILLNEED | MK_MAP_POPULATE};
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        mk_mapfile m;
        CHECK_EQ(mk_mapfile_open(&m, p, hints[h]), MK_OK);
        CHECK_EQ(m.len, n);
        CHECK(mk_mapfile_is_mapped(&m));
        CHECK_MEM_EQ(m.data, want, n);
        CHECK_STR_EQ(mk_mapfile_error(&m), "");
        mk_mapfile_close(&m);
        CHECK_EQ(m.len, 0);
        mk_mapfile_close(&m); /* twice is fine */
    }
    unlink(p);
    free(want);
}

TEST(empty_file_is_a_valid_view) {
    const char *p = tmp_path("empty");
    CHECK_EQ(write_file(p, "", 0), 0);
    mk_mapfile m;
    CHECK_EQ(mk_mapfile_open(&m, p, MK_MAP_POPULATE), MK_OK);
    CHECK_EQ(m.len, 0);
    CHECK(m.data != NULL);
    CHECK(!mk_mapfile_is_mapped(&m));
    mk_finder f;
    size_t c = 99;
    CHECK_EQ(mk_finder_init(&f, "x", 1), MK_OK);
    CHECK_EQ(mk_mapfile_count(&m, &f, &c), MK_OK);
    CHECK_EQ(c, 0);
    mk_mapfile_close(&m);
    unlink(p);
}

TEST(errors_name_the_path) {
    mk_mapfile m;
    const char *missing = tmp_path("no-such-file");
    CHECK_EQ(mk_mapfile_open(&m, missing, 0), MK_ENOENT);
    CHECK(strstr(mk_mapfile_error(&m), "no-such-file") != NULL);
    CHECK(strstr(mk_mapfile_error(&m), "No such file") != NULL);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(m.len, 0);
    mk_mapfile_close(&m);

    CHECK_EQ(mk_mapfile_open(&m, "/tmp", 0), MK_EISDIR);
    CHECK_STR_EQ(mk_mapfile_error(&m), "/tmp: is a directory");
    mk_mapfile_close(&m);

    const char *locked = tmp_path("locked");
    CHECK_EQ(write_file(locked, "secret", 6), 0);
    CHECK_EQ(chmod(locked, 0), 0);
    /* Root may open anything: check as an unprivileged user in a child then. */
    pid_t pid = geteuid() == 0 ? fork() : 0;
    if (pid == 0) {
        if (geteuid() == 0 && setuid(65534) != 0) _exit(3);
        mk_err err = mk_mapfile_open(&m, locked, 0);
        int named = strstr(mk_mapfile_error(&m), "locked: Permission denied") != NULL;
        mk_mapfile_close(&m);
        if (geteuid() == 65534) _exit(err == MK_EACCES && named ? 0 : 4);
        CHECK_EQ(err, MK_EACCES);
        CHECK(named);
    } else {
        int st = 0;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    unlink(locked);

    CHECK_EQ(mk_mapfile_open_fd(&m, -1, "bad-fd", 0), MK_ESYS);
    CHECK(strstr(mk_mapfile_error(&m), "bad-fd: ") == mk_mapfile_error(&m));
}

TEST(pipe_is_read_into_memory) {
    size_t n = 300000; /* more than a pipe buffer: the writer must run concurrently */
    unsigned char *want = pattern(n);
    int fds[2];
    if (!CHECK_EQ(pipe(fds), 0)) return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(fds[1], want + off, n - off);
            if (w <= 0) _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    mk_mapfile m;
    CHECK_EQ(mk_mapfile_open_fd(&m, fds[0], "-", MK_MAP_POPULATE), MK_OK);
    close(fds[0]);
    CHECK(!mk_mapfile_is_mapped(&m));
    CHECK_EQ(m.len, n);
    if (m.len == n) CHECK_MEM_EQ(m.data, want, n);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The guarded calls work on heap bytes too. */
    mk_finder f;
    size_t c = 0;
    CHECK_EQ(mk_finder_init(&f, "abc", 3), MK_OK);
    CHECK_EQ(mk_mapfile_count(&m, &f, &c), MK_OK);
    CHECK_EQ(c, mk_finder_count(&f, want, n));
    mk_mapfile_close(&m);
    free(want);
}

TEST(proc_and_devices) {
    mk_mapfile m;
    /* /proc files say st_size 0 but have contents. */
    CHECK_EQ(mk_mapfile_open(&m, "/proc/self/status", 0), MK_OK);
    CHECK_GT(m.len, 0);
    CHECK(mk_memmem(m.data, m.len, "Name:", 5) == 0);
    mk_mapfile_close(&m);
    /* A character device is read, not mapped. */
    CHECK_EQ(mk_mapfile_open(&m, "/dev/null", 0), MK_OK);
    CHECK_EQ(m.len, 0);
    CHECK(!mk_mapfile_is_mapped(&m));
    mk_mapfile_close(&m);
}

TEST(partly_read_descriptor_gives_the_rest) {
    const char *p = tmp_path("partial");
    CHECK_EQ(write_file(p, "0123456789", 10), 0);
    int fd = open(p, O_RDONLY);
    char skip[4];
    CHECK_EQ(read(fd, skip, 4), 4);
    mk_mapfile m;
    CHECK_EQ(mk_mapfile_open_fd(&m, fd, p, 0), MK_OK);
    close(fd);
    CHECK_EQ(m.len, 6);
    CHECK_MEM_EQ(m.data, "456789", 6);
    mk_mapfile_close(&m);
    unlink(p);
}

/* A 64 KiB file whose needles sit at page boundaries and at the very end; then truncated to one
 * page under the mapping. */
static const char *make_shrinkable(size_t n) {
    const char *p = tmp_path("shrink");
    unsigned char *buf = malloc(n);
    memset(buf, '.', n);
    for (size_t off = 4096; off < n; off += 4096) memcpy(buf + off - 3, "NEEDLE", 6);
    memcpy(buf + n - 6, "NEEDLE", 6);
    int rc = write_file(p, buf, n);
    free(buf);
    return rc == 0 ? p : NULL;
}

TEST(guard_turns_sigbus_into_eio) {
    size_t n = 65536;
    const char *p = make_shrinkable(n);
    if (!CHECK(p != NULL)) return;
    mk_mapfile m;
    mk_finder f;
    CHECK_EQ(mk_finder_init(&f, "NEEDLE", 6), MK_OK);
    CHECK_EQ(mk_mapfile_open(&m, p, 0), MK_OK);
    size_t c = 0, at = 0;
    char buf[8192];
    CHECK_EQ(mk_mapfile_count(&m, &f, &c), MK_OK);
    CHECK_EQ(c, n / 4096);
    CHECK_EQ(mk_mapfile_find(&m, &f, &at), MK_OK);
    CHECK_EQ(at, 4096 - 3);
    CHECK_EQ(mk_mapfile_copy(&m, n - 6, buf, 6), MK_OK);
    CHECK_MEM_EQ(buf, "NEEDLE", 6);
    CHECK_EQ(mk_mapfile_copy(&m, n - 6, buf, 7), MK_EINVAL);
    CHECK_EQ(mk_mapfile_copy(&m, n + 1, buf, 0), MK_EINVAL);
    CHECK_EQ(mk_mapfile_copy(&m, SIZE_MAX, buf, 2), MK_EINVAL);

    CHECK_EQ(truncate(p, 4096), 0);
    CHECK_EQ(mk_mapfile_count(&m, &f, &c), MK_EIO);
    CHECK_EQ(c, 0);
    CHECK_EQ(mk_mapfile_copy(&m, n - 8192, buf, 8192), MK_EIO);
    /* The page still backed reads fine, and the guard still works after a caught fault. */
    CHECK_EQ(mk_mapfile_copy(&m, 0, buf, 4096), MK_OK);
    CHECK_EQ(mk_mapfile_find(&m, &f, &at), MK_EIO); /* the first match straddles the lost page */
    CHECK_EQ(at, MK_NOT_FOUND);
    mk_finder dots;
    CHECK_EQ(mk_finder_init(&dots, "...", 3), MK_OK);
    CHECK_EQ(mk_mapfile_find(&m, &dots, &at), MK_OK); /* found before the lost page */
    CHECK_EQ(at, 0);
    CHECK_EQ(mk_mapfile_copy(&m, 4096, buf, 1), MK_EIO);
    mk_mapfile_close(&m);
    unlink(p);
}

struct nest_ctx { const mk_mapfile *m; mk_err inner; int after_inner; };
static void nested_inner(void *p) {
    struct nest_ctx *c = p;
    volatile unsigned char x = c->m->data[c->m->len - 1]; /* faults: the file shrank */
    (void)x;
}
static void nested_outer(void *p) {
    struct nest_ctx *c = p;
    c->inner = mk_mapfile_guard(c->m, nested_inner, c);
    c->after_inner = 1;
}

TEST(guards_nest) {
    const char *p = make_shrinkable(65536);
    if (!CHECK(p != NULL)) return;
    mk_mapfile m;
    CHECK_EQ(mk_mapfile_open(&m, p, 0), MK_OK);
    CHECK_EQ(truncate(p, 100), 0);
    struct nest_ctx c = {&m, MK_OK, 0};
    CHECK_EQ(mk_mapfile_guard(&m, nested_outer, &c), MK_OK);
    CHECK_EQ(c.inner, MK_EIO);
    CHECK_EQ(c.after_inner, 1);
    mk_mapfile_close(&m);
    unlink(p);
}

struct thread_ctx { const mk_mapfile *m; const mk_finder *f; int eio; };
static void *count_in_thread(void *p) {
    struct thread_ctx *t = p;
    size_t c;
    for (int i = 0; i < 50; i++) t->eio += mk_mapfile_count(t->m, t->f, &c) == MK_EIO;
    return NULL;
}

TEST(guard_is_per_thread) {
    const char *p = make_shrinkable(65536);
    if (!CHECK(p != NULL)) return;
    mk_mapfile m;
    mk_finder f;
    CHECK_EQ(mk_finder_init(&f, "NEEDLE", 6), MK_OK);
    CHECK_EQ(mk_mapfile_open(&m, p, 0), MK_OK);
    CHECK_EQ(truncate(p, 0), 0);
    pthread_t th[3];
    struct thread_ctx ctx[3];
    for (int i = 0; i < 3; i++) {
        ctx[i] = (struct thread_ctx){&m, &f, 0};
        CHECK_EQ(pthread_create(&th[i], NULL, count_in_thread, &ctx[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(ctx[i].eio, 50);
    }
    mk_mapfile_close(&m);
    unlink(p);
}

static void custom_bus(int sig) {
    (void)sig;
    _exit(42);
}
static void noop(void *p) { (void)p; }

/* Outside a guard the fault is not ours: the previous handler runs, or the process dies of SIGBUS
 * as it would without memkit. Each case runs in a child. */
TEST(faults_outside_the_guard_are_not_swallowed) {
    for (int with_handler = 0; with_handler < 2; with_handler++) {
        const char *p = make_shrinkable(65536);
        if (!CHECK(p != NULL)) return;
        pid_t pid = fork();
        if (pid == 0) {
            if (with_handler) signal(SIGBUS, custom_bus);
            mk_mapfile m;
            if (mk_mapfile_open(&m, p, 0) != MK_OK) _exit(3);
            if (mk_mapfile_guard(&m, noop, NULL) != MK_OK) _exit(4); /* installs the guard's handler */
            if (truncate(p, 0) != 0) _exit(5);
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) dup2(devnull, 2); /* a sanitizer's SIGBUS report is expected here */
            volatile unsigned char x = m.data[100];
            (void)x;
            _exit(6);
        }
        int st = 0;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        if (with_handler) {
            CHECK(WIFEXITED(st));
            CHECK_EQ(WEXITSTATUS(st), 42);
        } else {
#if defined(MK_T_ASAN)
            /* The previous handler is ASan's: it reports the SIGBUS and exits non-zero. */
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 6);
#else
            CHECK(WIFSIGNALED(st));
            CHECK_EQ(WTERMSIG(st), SIGBUS);
#endif
        }
        unlink(p);
    }
}

TEST(zz_cleanup) { rmdir(dir); }

TEST_MAIN()
