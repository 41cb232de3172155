/* count_report.c - symbolized stacks for the failure reports of memkit/count.h expectations.
 *
 * libmemkit depends on libc and pthreads only, so it carries no DWARF reader: a failure report
 * asks addr2line (binutils, present wherever gcc is) for function, file:line and inlined calls of
 * each frame, one process per module, and falls back to dladdr's symbol names (exported functions
 * only) with module+offset when addr2line is missing. This runs only when an expectation failed,
 * so spawning a process there is cheap enough and costs nothing on any counting path.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "count_report.h"

extern char **environ;

int mk__report_keep(const struct mk__report_filter *k, const struct mk__watch_hit *h) {
    if (h->index <= k->after_index && !k->use_bytes && !k->use_balance) return 0;
    if (k->use_bytes) return h->bytes_after > k->after_bytes;
    if (k->use_balance) return h->balance_after > k->after_balance;
    return 1;
}

struct frame {
    uintptr_t pc;          /* return address - 1: inside the call */
    char path[PATH_MAX];   /* the module's file ("" when unknown) */
    uintptr_t rel;         /* pc - the module's load bias: what addr2line expects */
    char *sym;             /* addr2line's lines for this frame (malloc'd), or NULL */
};

struct find { uintptr_t pc; struct frame *f; int found; };

static int find_module(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct find *q = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (q->pc < lo || q->pc >= lo + ph->p_memsz) continue;
        const char *name = info->dlpi_name;
        if (!name || !*name) {
            ssize_t n = readlink("/proc/self/exe", q->f->path, sizeof q->f->path - 1);
            q->f->path[n > 0 ? n : 0] = '\0';
        } else {
            snprintf(q->f->path, sizeof q->f->path, "%s", name);
        }
        q->f->rel = q->pc - info->dlpi_addr;
        q->found = 1;
        return 1;
    }
    return 0;
}

/* Runs addr2line on the frames of one module (those with the same path as frames[first]) and
 * stores each frame's lines. Returns 0 when addr2line could not be run. */
static int symbolize_module(struct frame *fr, int n, int first, const char *tool) {
    const char *argv[MK__WATCH_FRAMES + 16];
    char addrs[MK__WATCH_FRAMES][24];
    int idx[MK__WATCH_FRAMES], k = 0, a = 0;
    argv[a++] = tool;
    argv[a++] = "-C";
    argv[a++] = "-f";
    argv[a++] = "-i";
    argv[a++] = "-a";
    argv[a++] = "-e";
    argv[a++] = fr[first].path;
    for (int i = first; i < n && k < MK__WATCH_FRAMES; i++) {
        if (fr[i].sym || strcmp(fr[i].path, fr[first].path) != 0) continue;
        snprintf(addrs[k], sizeof addrs[k], "0x%lx", (unsigned long)fr[i].rel);
        argv[a++] = addrs[k];
        idx[k++] = i;
    }
    argv[a] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return 0;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, tool, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return 0;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (len + 1024 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(p[0], buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!buf) return 0;
    buf[len] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0) {
        free(buf);
        return 0;
    }
    /* "-a" prints each address on a line of its own ("0x..."), then function / file:line pairs
     * (more than one pair when calls were inlined). */
    int cur = -1;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '0' && line[1] == 'x') {
            cur++;
            continue;
        }
        if (cur < 0 || cur >= k) continue;
        struct frame *f = &fr[idx[cur]];
        size_t old = f->sym ? strlen(f->sym) : 0, add = strlen(line);
        char *s = realloc(f->sym, old + add + 2);
        if (!s) continue;
        memcpy(s + old, line, add);
        s[old + add] = '\n';
        s[old + add + 1] = '\0';
        f->sym = s;
    }
    free(buf);
    return 1;
}

static int is_sanitizer_frame(const struct frame *f, const char *fn) {
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    static const char *const libs[] = {"libasan", "libtsan", "libmsan", "liblsan", "libubsan", "libclang_rt"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        if (strncmp(base, libs[i], strlen(libs[i])) == 0) return 1;
    if (!fn) return 0;
    /* A sanitizer linked into the executable (clang's default) names its entry points plainly. */
    static const char *const entry[] = {"malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
                                        "aligned_alloc", "posix_memalign", "valloc", "pvalloc"};
    size_t len = strcspn(fn, "\n");
    for (size_t i = 0; i < sizeof entry / sizeof entry[0]; i++)
        if (len == strlen(entry[i]) && strncmp(fn, entry[i], len) == 0) return 1;
    static const char *const pre[] = {"__interceptor_", "___interceptor_", "__asan", "__tsan", "__msan", "__lsan",
                                      "__sanitizer", "___tsan", "__ubsan"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strncmp(fn, pre[i], strlen(pre[i])) == 0) return 1;
    return strstr(fn, "__asan::") || strstr(fn, "__tsan::") || strstr(fn, "__sanitizer::") ||
           strstr(fn, "__msan::") || strstr(fn, "__lsan::");
}

void mk__report_stack(FILE *out, void *const *frames, int n) {
    if (n <= 0) {
        fprintf(out, "    (no stack)\n");
        return;
    }
    if (n > MK__WATCH_FRAMES) n = MK__WATCH_FRAMES;
    struct frame *fr = calloc((size_t)n, sizeof *fr);
    if (!fr) return;
    for (int i = 0; i < n; i++) {
        fr[i].pc = (uintptr_t)frames[i] - 1;
        struct find q = {fr[i].pc, &fr[i], 0};
        dl_iterate_phdr(find_module, &q);
        if (!q.found) fr[i].rel = fr[i].pc;
    }
    const char *tool = getenv("MEMKIT_ADDR2LINE");
    if (!tool || !*tool) tool = "addr2line";
    int use_tool = strcmp(tool, "none") != 0;
    for (int i = 0; i < n && use_tool; i++)
        if (!fr[i].sym && fr[i].path[0] && !symbolize_module(fr, n, i, tool)) use_tool = 0;
    int shown = 0, leading = 1;
    for (int i = 0; i < n; i++) {
        Dl_info di;
        const char *dsym = dladdr((void *)fr[i].pc, &di) && di.dli_sname ? di.dli_sname : NULL;
        const char *first_fn = fr[i].sym && strncmp(fr[i].sym, "??\n", 3) != 0 ? fr[i].sym : dsym;
        if (leading && is_sanitizer_frame(&fr[i], first_fn)) continue;
        leading = 0;
        const char *base = strrchr(fr[i].path, '/');
        base = base ? base + 1 : fr[i].path[0] ? fr[i].path : "?";
        if (fr[i].sym && strncmp(fr[i].sym, "??\n??", 5) != 0) {
            /* Pairs of lines: function, then file:line; an inlined call comes first. */
            char *save = NULL, *s = fr[i].sym;
            for (char *fn = strtok_r(s, "\n", &save); fn; fn = strtok_r(NULL, "\n", &save)) {
                char *where = strtok_r(NULL, "\n", &save);
                if (strcmp(fn, "??") == 0 && dsym) fn = (char *)dsym;
                const char *w = where ? where : "??:0";
                const char *disc = strstr(w, " (discriminator");
                fprintf(out, "    #%d %s at %.*s (%s+0x%lx)\n", shown, fn, disc ? (int)(disc - w) : (int)strlen(w), w,
                        base, (unsigned long)fr[i].rel);
            }
        } else if (dsym) {
            fprintf(out, "    #%d %s+0x%lx (%s+0x%lx)\n", shown, dsym, (unsigned long)(fr[i].pc - (uintptr_t)di.dli_saddr),
                    base, (unsigned long)fr[i].rel);
        } else {
            fprintf(out, "    #%d %s+0x%lx\n", shown, base, (unsigned long)fr[i].rel);
        }
        shown++;
        free(fr[i].sym);
        fr[i].sym = NULL;
    }
    for (int i = 0; i < n; i++) free(fr[i].sym);
    free(fr);
}
