/* normalize_text.c - lowercase only when needed: mk_cow, before and after.
 *
 * The seed's Rust `fn normalize_text(input: &str) -> Cow<str>` returns the input itself when it has
 * no uppercase letter and an owned lowercase copy otherwise. Most text is already lowercase, so most
 * calls allocate nothing. This program normalizes a list of words both ways, the "before" version
 * copying every time, and counts the allocations of each with a counting mk_allocator.
 *
 *   build/rel/examples/normalize_text [word...]
 */
#include <stdio.h>

#include "memkit/str.h"

static size_t nallocs;

static void *count_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    nallocs++;
    return mk_alloc(NULL, size, align);
}
static void *count_resize(void *ctx, void *p, size_t old_size, size_t new_size, size_t align) {
    (void)ctx;
    nallocs++;
    return mk_resize(NULL, p, old_size, new_size, align);
}
static void count_free(void *ctx, void *p, size_t size, size_t align) {
    (void)ctx;
    mk_free(NULL, p, size, align);
}
static const mk_allocator counting = {count_alloc, count_resize, count_free, NULL};

/* Before: always an owned lowercase copy (as `input.to_lowercase()` would be). */
static char *normalize_copy(mk_str in, const mk_allocator *a) {
    char *out = mk_alloc(a, in.len + 1, 1);
    if (!out) return NULL;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[in.len] = 0;
    return out;
}

/* After: borrow unless an ASCII uppercase letter forces a change. false only on allocation failure
 * (then *out still borrows the input). */
static bool normalize_text(mk_str in, mk_cow *out, const mk_allocator *a) {
    *out = mk_cow_borrowed(in);
    for (size_t i = 0; i < in.len; i++) {
        if (in.ptr[i] >= 'A' && in.ptr[i] <= 'Z') {
            char *m = mk_cow_to_mut(out, a); /* the one copy, made only now */
            if (!m) return false;
            for (size_t j = i; j < in.len; j++)
                if (m[j] >= 'A' && m[j] <= 'Z') m[j] = (char)(m[j] - 'A' + 'a');
            return true;
        }
    }
    return true;
}

int main(int argc, char **argv) {
    static const char *const defaults[] = {"memory", "is", "cheap", "until", "It", "is", "not",
                                           "allocate", "less", "MEASURE", "first", "then", "fix"};
    const char *const *words = argc > 1 ? (const char *const *)argv + 1 : defaults;
    size_t n = argc > 1 ? (size_t)argc - 1 : sizeof defaults / sizeof defaults[0];

    nallocs = 0;
    for (size_t i = 0; i < n; i++) {
        mk_str w = mk_str_from(words[i]);
        char *s = normalize_copy(w, &counting);
        if (!s) return 1;
        mk_free(&counting, s, w.len + 1, 1);
    }
    size_t before = nallocs;

    nallocs = 0;
    for (size_t i = 0; i < n; i++) {
        mk_cow c;
        if (!normalize_text(mk_str_from(words[i]), &c, &counting)) return 1;
        mk_str r = mk_cow_str(&c);
        printf("%-10s -> %.*s%s\n", words[i], (int)r.len, r.ptr, mk_cow_is_owned(&c) ? "  (copied)" : "");
        mk_cow_free(&c); /* a no-op for borrowed text */
    }
    printf("%zu words: %zu allocations copying every time, %zu with mk_cow\n", n, before, nallocs);
    return 0;
}
