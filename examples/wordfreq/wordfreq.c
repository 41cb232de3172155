/* wordfreq.c - the demo's "after": the same word-frequency counter as naive.c, changed where the
 * profiler pointed. The file is memory-mapped instead of read piece by piece into a growing buffer;
 * words are interned (each distinct word stored once, in blocks) instead of strdup'ed; tokens are
 * lowercased into arena scratch space that is rewound after each word instead of a malloc per token;
 * and the counts live in vectors reserved up front instead of a list grown one realloc at a time.
 * It prints exactly what naive.c prints, and its functions do the jobs naive.c's functions of the
 * same names do (read_file, count_word, report), so `memkit diff` pairs their sites job by job.
 *
 *   wordfreq FILE
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/arena.h"
#include "memkit/intern.h"
#include "memkit/mapfile.h"
#include "memkit/vec.h"

typedef struct entry {
    mk_sym sym;
    uint64_t count;
} entry;
MK_VEC_DEFINE(entry_vec, entry)
MK_VEC_DEFINE(u32_vec, uint32_t)

/* Counts by symbol: an open-addressing index from symbol to its entry (symbols are not dense). */
typedef struct counter {
    entry_vec entries;
    u32_vec slots; /* entry index + 1, 0 = empty; a power of two long */
} counter;

static uint32_t slot_of(mk_sym sym, size_t mask) { return (uint32_t)(((uint64_t)sym * 0x9E3779B97F4A7C15ull) >> 40) & (uint32_t)mask; }

static bool counter_init(counter *c, size_t expect) {
    entry_vec_init(&c->entries, NULL);
    u32_vec_init(&c->slots, NULL);
    size_t n = 16;
    while (n < expect * 2) n *= 2;
    if (!entry_vec_reserve(&c->entries, expect) || !u32_vec_reserve(&c->slots, n)) return false;
    for (size_t i = 0; i < n; i++) (void)u32_vec_push(&c->slots, 0);
    return true;
}

static bool counter_grow(counter *c) {
    size_t n = u32_vec_len(&c->slots) * 2;
    u32_vec slots;
    u32_vec_init(&slots, NULL);
    if (!u32_vec_reserve_exact(&slots, n)) return false;
    for (size_t i = 0; i < n; i++) (void)u32_vec_push(&slots, 0);
    uint32_t *s = u32_vec_data(&slots);
    for (size_t e = 0; e < entry_vec_len(&c->entries); e++) {
        uint32_t k = slot_of(entry_vec_data(&c->entries)[e].sym, n - 1);
        while (s[k]) k = (k + 1) & (uint32_t)(n - 1);
        s[k] = (uint32_t)e + 1;
    }
    u32_vec_free(&c->slots);
    c->slots = slots;
    return true;
}

static bool counter_add(counter *c, mk_sym sym) {
    size_t mask = u32_vec_len(&c->slots) - 1;
    uint32_t *s = u32_vec_data(&c->slots);
    entry *e = entry_vec_data(&c->entries);
    uint32_t k = slot_of(sym, mask);
    for (; s[k]; k = (k + 1) & (uint32_t)mask) {
        if (e[s[k] - 1].sym == sym) {
            e[s[k] - 1].count++;
            return true;
        }
    }
    if (!entry_vec_push(&c->entries, (entry){sym, 1})) return false;
    s[k] = (uint32_t)entry_vec_len(&c->entries);
    return entry_vec_len(&c->entries) * 2 <= u32_vec_len(&c->slots) || counter_grow(c);
}

static mk_interner words;

static int by_count(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(mk_interner_str(&words, x->sym, NULL), mk_interner_str(&words, y->sym, NULL));
}

/* The file mapped into memory: no buffer to grow. */
static int read_file(mk_mapfile *file, const char *path) {
    if (mk_mapfile_open(file, path, MK_MAP_SEQUENTIAL) != MK_OK) {
        fprintf(stderr, "wordfreq: %s\n", mk_mapfile_error(file));
        return -1;
    }
    return 0;
}

/* One more occurrence of the word at start: lowercased into scratch space that is rewound after,
 * interned (stored once, the first time) and counted. False when out of memory. */
static bool count_word(counter *c, mk_arena *scratch, const unsigned char *start, size_t len) {
    mk_arena_pos mark = mk_arena_mark(scratch);
    char *tok = mk_arena_alloc(scratch, len, 1);
    if (!tok) return false;
    for (size_t k = 0; k < len; k++) tok[k] = (char)tolower(start[k]);
    mk_sym sym = mk_intern(&words, tok, len);
    mk_arena_rewind(scratch, mark);
    return sym && counter_add(c, sym);
}

/* The 20 most frequent words, most frequent first. */
static void report(counter *c) {
    entry *e = entry_vec_data(&c->entries);
    size_t n = entry_vec_len(&c->entries);
    qsort(e, n, sizeof *e, by_count);
    for (size_t i = 0; i < n && i < 20; i++)
        printf("%8llu %s\n", (unsigned long long)e[i].count, mk_interner_str(&words, e[i].sym, NULL));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: wordfreq FILE\n");
        return 2;
    }
    mk_mapfile file;
    if (read_file(&file, argv[1])) return 1;
    mk_arena scratch;
    counter counts;
    if (mk_interner_init(&words, NULL) != MK_OK || mk_arena_init(&scratch, NULL) != MK_OK ||
        !counter_init(&counts, 1 << 16)) {
        fprintf(stderr, "wordfreq: out of memory\n");
        return 1;
    }
    const unsigned char *text = file.data;
    size_t len = file.len;
    for (size_t i = 0; i < len;) {
        while (i < len && !isalpha(text[i])) i++;
        size_t start = i;
        while (i < len && isalpha(text[i])) i++;
        if (i > start && !count_word(&counts, &scratch, text + start, i - start)) {
            fprintf(stderr, "wordfreq: out of memory\n");
            return 1;
        }
    }
    report(&counts);
    entry_vec_free(&counts.entries);
    u32_vec_free(&counts.slots);
    mk_interner_destroy(&words);
    mk_arena_destroy(&scratch);
    mk_mapfile_close(&file);
    return 0;
}
