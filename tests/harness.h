/* harness.h - memkit's test harness: TEST(name) bodies with CHECK macros, and a main that runs them.
 *
 * Each test file defines its tests with TEST(name) { ... } and ends with TEST_MAIN(). A failed check
 * prints file:line, the expression and the values compared, and marks the test failed (the test goes
 * on, so one run shows every broken check). The binary ends with the line
 *   <file>: N passed, N failed
 * which tests/run.sh adds up. `./test_x name...` runs only the named tests. Works from C and C++.
 */
#ifndef MEMKIT_TESTS_HARNESS_H
#define MEMKIT_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memkit/count.h"

/* MK_T_ASAN: this build runs under AddressSanitizer (gcc says so with __SANITIZE_ADDRESS__, clang
 * with __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define MK_T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MK_T_ASAN 1
#endif
#endif

typedef void (*mk_t_fn)(void);
struct mk_t_case { const char *name; mk_t_fn fn; };

static struct mk_t_case mk_t_cases[512];
static int mk_t_ncases;
static int mk_t_failed_checks; /* in the current test */
static int mk_t_skipped_now;

static inline void mk_t_register(const char *name, mk_t_fn fn) {
    if (mk_t_ncases < (int)(sizeof mk_t_cases / sizeof mk_t_cases[0])) {
        mk_t_cases[mk_t_ncases].name = name;
        mk_t_cases[mk_t_ncases].fn = fn;
        mk_t_ncases++;
    }
}

#define TEST(name)                                                                                   \
    static void mk_t_##name(void);                                                                   \
    __attribute__((constructor)) static void mk_t_reg_##name(void) { mk_t_register(#name, mk_t_##name); } \
    static void mk_t_##name(void)

/* Marks the current test skipped (not counted) and returns from it. */
#define SKIP(why)                                                                                    \
    do {                                                                                             \
        printf("  skip %s\n", why);                                                                  \
        mk_t_skipped_now = 1;                                                                        \
        return;                                                                                      \
    } while (0)

static inline void mk_t_fail(const char *file, int line, const char *what) {
    printf("%s:%d: check failed: %s\n", file, line, what);
    mk_t_failed_checks++;
}

enum { MK_T_EQ, MK_T_NE, MK_T_LT, MK_T_LE, MK_T_GT, MK_T_GE };

static inline int mk_t_check_u(const char *file, int line, int op, const char *ea, const char *eb, uintmax_t a,
                               uintmax_t b) {
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    int ok = op == MK_T_EQ ? a == b : op == MK_T_NE ? a != b : op == MK_T_LT ? a < b
           : op == MK_T_LE ? a <= b : op == MK_T_GT ? a > b : a >= b;
    if (!ok) {
        printf("%s:%d: check failed: %s %s %s\n    left:  %" PRIuMAX " (0x%" PRIxMAX ", signed %" PRIdMAX ")\n"
               "    right: %" PRIuMAX " (0x%" PRIxMAX ", signed %" PRIdMAX ")\n",
               file, line, ea, ops[op], eb, a, a, (intmax_t)a, b, b, (intmax_t)b);
        mk_t_failed_checks++;
    }
    return ok;
}

#define CHECK(cond) ((cond) ? 1 : (mk_t_fail(__FILE__, __LINE__, #cond), 0))
/* Integer comparisons; each side is evaluated once and shown in decimal, hex and as signed. Both
 * sides are converted to uintmax_t: equality works for any integers of one type, the orderings
 * compare as unsigned (use CHECK(a < b) for negative values). */
#define MK_T_CMP(op, a, b) mk_t_check_u(__FILE__, __LINE__, op, #a, #b, (uintmax_t)(a), (uintmax_t)(b))
#define CHECK_EQ(a, b) MK_T_CMP(MK_T_EQ, a, b)
#define CHECK_NE(a, b) MK_T_CMP(MK_T_NE, a, b)
#define CHECK_LT(a, b) MK_T_CMP(MK_T_LT, a, b)
#define CHECK_LE(a, b) MK_T_CMP(MK_T_LE, a, b)
#define CHECK_GT(a, b) MK_T_CMP(MK_T_GT, a, b)
#define CHECK_GE(a, b) MK_T_CMP(MK_T_GE, a, b)
#define CHECK_PTR_EQ(a, b) CHECK_EQ((uintptr_t)(const void *)(a), (uintptr_t)(const void *)(b))
#define CHECK_NULL(p) CHECK((p) == NULL)
#define CHECK_NOT_NULL(p) CHECK((p) != NULL)

static inline int mk_t_check_str(const char *file, int line, const char *ea, const char *eb, const char *a,
                                 const char *b) {
    int ok = (a == b) || (a && b && strcmp(a, b) == 0);
    if (!ok) {
        printf("%s:%d: check failed: %s == %s\n    left:  \"%s\"\n    right: \"%s\"\n", file, line, ea, eb,
               a ? a : "(null)", b ? b : "(null)");
        mk_t_failed_checks++;
    }
    return ok;
}
#define CHECK_STR_EQ(a, b) mk_t_check_str(__FILE__, __LINE__, #a, #b, (a), (b))

static inline int mk_t_check_mem(const char *file, int line, const char *ea, const char *eb, const void *a,
                                 const void *b, size_t n) {
    int ok = n == 0 || memcmp(a, b, n) == 0;
    if (!ok) {
        const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
        size_t i = 0;
        while (x[i] == y[i]) i++;
        printf("%s:%d: check failed: %s == %s (%zu bytes)\n    first difference at byte %zu: 0x%02x != 0x%02x\n",
               file, line, ea, eb, n, i, x[i], y[i]);
        mk_t_failed_checks++;
    }
    return ok;
}
#define CHECK_MEM_EQ(a, b, n) mk_t_check_mem(__FILE__, __LINE__, #a, #b, (a), (b), (n))

/* CHECK_ALLOCS(max, { code }): code makes at most max heap allocations on this thread. It needs the
 * counting layer (the test binaries link libmemkit-count.a except in sanitizer builds), so a test
 * that uses it starts with REQUIRE_COUNTING(), which skips the test where counting is unavailable. */
#define REQUIRE_COUNTING()                                                                           \
    do {                                                                                             \
        if (!mk_count_available()) SKIP(mk_count_unavailable_reason());                              \
    } while (0)
/* The harness takes the expectation's failure over (mk_count_expect_take_failures), so it fails the
 * test, not the process's exit status. */
#define CHECK_ALLOCS(max, ...)                                                                       \
    do {                                                                                             \
        (void)mk_count_expect_take_failures();                                                       \
        MK_EXPECT_ALLOCS(max, __VA_ARGS__);                                                          \
        if (mk_count_expect_take_failures()) mk_t_fail(__FILE__, __LINE__, "at most " #max " allocations"); \
    } while (0)
#define CHECK_NO_ALLOCS(...) CHECK_ALLOCS(0, __VA_ARGS__)

/* Runs fn(arg) in a forked child whose stderr goes into out[0..cap) (NUL-terminated), for tests of
 * code that must die or report on stderr. The child exits with fn's return value unless it dies
 * first. Returns the child's wait status, or -1 when fork or pipe failed. */
static inline int mk_t_run_child(int (*fn)(void *), void *arg, char *out, size_t cap) {
    int fds[2];
    if (cap == 0 || pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        _exit(fn(arg));
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    char rest[256];
    while (n < cap - 1 && (r = read(fds[0], out + n, cap - 1 - n)) > 0) n += (size_t)r;
    while (read(fds[0], rest, sizeof rest) > 0) {} /* drain, so the child never dies of SIGPIPE */
    out[n] = '\0';
    close(fds[0]);
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

static inline int mk_t_selected(int argc, char **argv, const char *name) {
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

static inline int mk_t_main(int argc, char **argv, const char *file) {
    int passed = 0, failed = 0, skipped = 0;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < mk_t_ncases; i++) {
        if (!mk_t_selected(argc, argv, mk_t_cases[i].name)) continue;
        mk_t_failed_checks = 0;
        mk_t_skipped_now = 0;
        mk_t_cases[i].fn();
        if (mk_t_failed_checks) {
            printf("FAIL %s\n", mk_t_cases[i].name);
            failed++;
        } else if (mk_t_skipped_now) {
            skipped++;
        } else {
            passed++;
        }
    }
    if (skipped)
        printf("%.*s: %d passed, %d failed, %d skipped\n", (int)strcspn(base, "."), base, passed, failed, skipped);
    else
        printf("%.*s: %d passed, %d failed\n", (int)strcspn(base, "."), base, passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN() \
    int main(int argc, char **argv) { return mk_t_main(argc, argv, __FILE__); }

#endif
