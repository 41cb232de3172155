/* count_test.c - a plain C test that states allocation promises and fails when one breaks.
 *
 * The code under test: a header parser that must not allocate, a join that allocates exactly its
 * result, and a loop that must give back everything it takes. Each promise is one macro around
 * the code; a broken one prints file:line, the limit, the count and the stacks of the offending
 * allocations, and the process exits with status 1 although main returns 0.
 *
 * Build (installed memkit): cc -g -o count_test count_test.c $(pkg-config --cflags --libs memkit-count)
 * Build with -DCOUNT_TEST_EXTRA_ALLOCATION to see a promise break (tests/count/check.sh does).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/count.h"

struct header {
    const char *name, *value;
    size_t name_len, value_len;
};

/* Splits "Name: value" in place: views into line, no copy. */
static int parse_header(const char *line, struct header *h) {
    const char *colon = strchr(line, ':');
    if (!colon) return -1;
    h->name = line;
    h->name_len = (size_t)(colon - line);
    h->value = colon + 1 + strspn(colon + 1, " ");
    h->value_len = strlen(h->value);
#ifdef COUNT_TEST_EXTRA_ALLOCATION
    char *lower = strndup(h->name, h->name_len); /* "just a small copy" */
    free(lower);
#endif
    return 0;
}

/* a + sep + b in one new string. */
static char *join(const char *a, char sep, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (!s) return NULL;
    memcpy(s, a, na);
    s[na] = sep;
    memcpy(s + na + 1, b, nb + 1);
    return s;
}

int main(void) {
    struct header h;
    MK_EXPECT_NO_ALLOCS({ parse_header("Content-Length: 42", &h); });

    char *path = NULL;
    MK_EXPECT_ALLOCS(1, { path = join("/usr", '/', "lib"); });
    MK_EXPECT_BYTES(9, { free(join("/usr", '/', "lib")); }); /* "/usr/lib" and its NUL */

    MK_EXPECT_NO_LEAKS({
        for (int i = 0; i < 10; i++) free(join("k", '=', "v"));
    });

    printf("count_test: %.*s = %.*s, %s\n", (int)h.name_len, h.name, (int)h.value_len, h.value, path);
    free(path);
    return 0; /* a failed expectation above makes the exit status 1 */
}
