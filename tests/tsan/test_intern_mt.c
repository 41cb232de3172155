/* test_intern_mt.c - many threads interning overlapping sets at once (run under TSan).
 *
 * Every thread interns the same vocabulary in a different order, mixed with lookups and mk_interner_str
 * calls, while the table and block index grow under them. Afterwards every word must have exactly one
 * symbol, the same one every thread saw, and its canonical bytes.
 */
#include <pthread.h>
#include <stdio.h>

#include "harness.h"
#include "memkit/intern.h"

enum { THREADS = 4, WORDS = 20000 };

static mk_interner in;
static mk_sym seen[THREADS][WORDS];
static int bad[THREADS];

static size_t word(char *buf, unsigned i) { return (size_t)sprintf(buf, "word-%u-%u", i % 7, i); }

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    char buf[48];
    for (unsigned k = 0; k < WORDS; k++) {
        unsigned i = (k * 7919u + (unsigned)id * 4099u) % WORDS; /* a different order per thread */
        size_t len = word(buf, i);
        mk_sym s = mk_intern(&in, buf, len);
        seen[id][i] = s;
        size_t got;
        const char *p = mk_interner_str(&in, s, &got);
        if (!s || !p || got != len || memcmp(p, buf, len) != 0) bad[id]++;
        /* a lookup of a word some other thread may be inserting right now */
        unsigned j = (i + 1) % WORDS;
        len = word(buf, j);
        mk_sym l = mk_interner_lookup(&in, buf, len);
        if (l && ((p = mk_interner_str(&in, l, &got)) == NULL || got != len || memcmp(p, buf, len) != 0)) bad[id]++;
    }
    return NULL;
}

TEST(overlapping_sets_from_many_threads) {
    mk_interner_opts o = {0, true, NULL};
    CHECK_EQ(mk_interner_init(&in, &o), MK_OK);
    pthread_t t[THREADS];
    for (int k = 0; k < THREADS; k++) CHECK_EQ(pthread_create(&t[k], NULL, worker, (void *)(intptr_t)k), 0);
    for (int k = 0; k < THREADS; k++) pthread_join(t[k], NULL);
    for (int k = 0; k < THREADS; k++) CHECK_EQ(bad[k], 0);
    CHECK_EQ(mk_interner_len(&in), WORDS);
    int mismatch = 0;
    for (int i = 0; i < WORDS; i++)
        for (int k = 1; k < THREADS; k++) mismatch += seen[k][i] != seen[0][i];
    CHECK_EQ(mismatch, 0);
    struct mk_interner_stats st;
    mk_interner_stats(&in, &st);
    CHECK_EQ(st.strings, WORDS);
    CHECK_GT(st.retired_bytes, 0); /* the table grew while readers were on it */
    mk_interner_destroy(&in);
}

TEST_MAIN()
