/* count_requests.c - per-request allocation tracking with memkit's counting layer.
 *
 * A toy request loop: each "request" parses a line of key=value pairs. mk_count_reset() at the
 * start of a request and mk_count_thread_stats() at its end give that request's allocations
 * (a new counting window per request). The naive handler strdups every key and value; the
 * second handler borrows them from the line (mk_str views) and allocates nothing.
 *
 * Build: link with libmemkit-count.a (the Makefile does: examples named count_* get it), or run
 * the plain build under `memkit run`, whose recorder keeps the same counters.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/count.h"

static const char *requests[] = {
    "user=ada&lang=c&page=1",
    "user=linus&lang=c&page=2&sort=desc",
    "user=grace&lang=cobol",
};

/* The naive handler: copies every key and value it sees. */
static size_t handle_copying(const char *line) {
    size_t total = 0;
    char *copy = strdup(line);
    for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) continue;
        char *key = strndup(kv, (size_t)(eq - kv)), *value = strdup(eq + 1);
        total += strlen(key) + strlen(value);
        free(key);
        free(value);
    }
    free(copy);
    return total;
}

/* The borrowing handler: walks the line in place. */
static size_t handle_borrowing(const char *line) {
    size_t total = 0;
    for (const char *p = line; *p;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        if (eq) total += n - 1;
        p += n + (p[n] == '&');
    }
    return total;
}

int main(void) {
    if (!mk_count_available()) {
        fprintf(stderr, "count_requests: counting unavailable: %s\n", mk_count_unavailable_reason());
        return 1;
    }
    size_t (*handlers[])(const char *) = {handle_copying, handle_borrowing};
    const char *names[] = {"copying", "borrowing"};
    for (int h = 0; h < 2; h++) {
        for (size_t r = 0; r < sizeof requests / sizeof requests[0]; r++) {
            mk_count_reset(); /* a new request */
            size_t bytes = handlers[h](requests[r]);
            struct mk_count_stats s;
            mk_count_thread_stats(&s);
            printf("%-9s request %zu: %2zu bytes of text, %2llu allocations, %3llu bytes allocated, %lld live after\n",
                   names[h], r + 1, bytes, (unsigned long long)s.allocs,
                   (unsigned long long)s.bytes_allocated, (long long)s.live_blocks);
        }
    }
    return 0;
}
