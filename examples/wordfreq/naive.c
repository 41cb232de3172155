/* naive.c - the demo's "before": a word-frequency counter written the way allocation-heavy C often
 * is. It reads the file in small pieces into a buffer grown by realloc, mallocs every token,
 * strdups every new word, and grows its word list one realloc at a time. wordfreq.c is the same
 * program after profiling; both must print the same top 20.
 *
 *   naive FILE
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
    char *word;
    uint64_t count;
    struct entry *next;
};

#define NBUCKETS 65536
static struct entry *buckets[NBUCKETS];
static struct entry **list; /* every entry, for sorting: grown by one each time */
static size_t nlist;

static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static void count_word(const char *start, size_t len) {
    char *tok = malloc(len + 1); /* a fresh buffer for every token */
    for (size_t i = 0; i < len; i++) tok[i] = (char)tolower((unsigned char)start[i]);
    tok[len] = '\0';
    uint32_t b = hash(tok) % NBUCKETS;
    for (struct entry *e = buckets[b]; e; e = e->next) {
        if (strcmp(e->word, tok) == 0) {
            e->count++;
            free(tok);
            return;
        }
    }
    struct entry *e = malloc(sizeof *e);
    e->word = strdup(tok);
    e->count = 1;
    e->next = buckets[b];
    buckets[b] = e;
    list = realloc(list, (nlist + 1) * sizeof *list); /* no reserve */
    list[nlist++] = e;
    free(tok);
}

static int by_count(const void *a, const void *b) {
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

/* The whole file in one buffer, read in small pieces and grown by realloc for each; -1 when it
 * cannot be opened. */
static int read_file(const char *path, char **text, size_t *len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "naive: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char piece[256];
    ssize_t r;
    *text = NULL, *len = 0;
    while ((r = read(fd, piece, sizeof piece)) > 0) { /* small reads, realloc per piece */
        *text = realloc(*text, *len + (size_t)r);
        memcpy(*text + *len, piece, (size_t)r);
        *len += (size_t)r;
    }
    close(fd);
    return 0;
}

/* The 20 most frequent words, most frequent first. */
static void report(void) {
    qsort(list, nlist, sizeof *list, by_count);
    for (size_t i = 0; i < nlist && i < 20; i++) printf("%8llu %s\n", (unsigned long long)list[i]->count, list[i]->word);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: naive FILE\n");
        return 2;
    }
    char *text;
    size_t len;
    if (read_file(argv[1], &text, &len)) return 1;
    for (size_t i = 0; i < len;) {
        while (i < len && !isalpha((unsigned char)text[i])) i++;
        size_t start = i;
        while (i < len && isalpha((unsigned char)text[i])) i++;
        if (i > start) count_word(text + start, i - start);
    }
    report();
    for (size_t i = 0; i < nlist; i++) {
        free(list[i]->word);
        free(list[i]);
    }
    free(list);
    free(text);
    return 0;
}
