/* advice.c - the report's "Advice" section: which memkit remedy fits each heavy site, and why.
 *
 * Each rule names the figure that triggered it, so no advice appears without evidence; the
 * thresholds are the constants below (documented in docs/PROFILER.md) and err on the side of
 * saying nothing. Rules read only the recorder's per-site figures (raw.h), so advice needs a
 * profile from memkit's recorder (a valgrind DHAT file has no realloc or temporary counts).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "timeline.h"

/* A site is heavy enough to advise on when it made at least this many blocks... */
#define MIN_BLOCKS 1000
/* reserve: this many reallocs at the site, and a block realloc'ed at least CHAIN times (or CHAIN/2
 * on average per original block). */
#define MIN_REALLOCS 64
#define CHAIN 8
/* reuse / arena: at least this share of the site's blocks freed before their thread allocated
 * anything else (temporary), or lived under MK_RAW_SHORT_LIVED_US (short-lived). */
#define TEMP_SHARE 0.5
#define SHORT_SHARE 0.8
/* pool: every block the same size, at most POOL_MAX_SIZE bytes, at least POOL_LIVE live at once. */
#define POOL_MAX_SIZE 512
#define POOL_LIVE 64
/* small strings / small vectors: at least this share of the blocks of at most 24 bytes. */
#define SMALL_SHARE 0.8
/* At most this many advice items in a report. */
#define MAX_ITEMS 12

static const char *const alloc_fns[] = {
    "malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign", "aligned_alloc", "valloc",
    "pvalloc", "strdup", "strndup", "operator new", "operator new[]", "__libc_malloc", "__strdup", "__strndup",
};

static int is_alloc_fn(const char *fn, size_t len) {
    for (size_t i = 0; i < sizeof alloc_fns / sizeof alloc_fns[0]; i++) {
        size_t n = strlen(alloc_fns[i]);
        if (len >= n && !strncmp(fn, alloc_fns[i], n) && (len == n || fn[n] == '(')) return 1;
    }
    return 0;
}

/* The site's name: its innermost frame outside the allocator, as "func (file:line)". */
static const char *site_name(const mk__prof *p, const mk__prof_site *s) {
    for (uint32_t k = 0; k < s->nfs; k++) {
        const char *frame = p->ftbl[s->fs[k]], *fn;
        size_t len;
        mk__frame_func(frame, &fn, &len);
        if (!is_alloc_fn(fn, len)) {
            const char *colon = strstr(frame, ": ");
            return colon ? colon + 2 : frame;
        }
    }
    return s->nfs ? p->ftbl[s->fs[0]] : "(no stack)";
}

static double share(uint64_t part, uint64_t whole) { return whole ? (double)part / (double)whole : 0; }

/* Growing sites (timeline.c's criteria): live bytes that rose for most of the run and are still
 * live at the end. Nothing ever freed: a leak; some freed: an unbounded cache or queue. */
static int growing_advice(const mk__prof *p, FILE *out, int room) {
    mk__growth gr[MAX_ITEMS];
    size_t n = room > 0 ? mk__prof_growing(p, gr, (size_t)room < MAX_ITEMS ? (size_t)room : MAX_ITEMS) : 0;
    for (size_t i = 0; i < n; i++) {
        const mk__prof_site *s = &p->sites[gr[i].site];
        const struct mk__raw_site *f = &s->f;
        uint64_t freed = f->tbk > f->ebk ? f->tbk - f->ebk : 0;
        fprintf(out, "- %s\n    live bytes grew in %zu of %zu intervals, from %" PRIu64 " to %" PRIu64 " bytes; %" PRIu64
                     " bytes in %" PRIu64 " blocks are still live at the end",
                site_name(p, s), gr[i].rises, gr[i].steps, gr[i].from, gr[i].to, f->eb, f->ebk);
        if (!freed)
            fprintf(out, ", and none of its %" PRIu64 " blocks was ever freed: a leak.\n    -> find who should free "
                         "them (the stack above); if they belong to one request or round, take them from an mk_arena "
                         "and reset it (memkit/arena.h)\n", f->tbk);
        else
            fprintf(out, "; %" PRIu64 " of its %" PRIu64 " blocks were freed, fewer than were added: an unbounded "
                         "cache or queue.\n    -> give it a size bound (evict the oldest), or if its entries belong "
                         "to one request, an mk_arena reset per request (memkit/arena.h)\n", freed, f->tbk);
    }
    return (int)n;
}

int mk__report_advice(const mk__prof *p, FILE *out) {
    fprintf(out, "\nAdvice:\n");
    if (!p->extra) {
        fprintf(out, "  (none: this profile has no realloc or lifetime figures; record it with memkit run)\n");
        return ferror(out) ? -1 : 0;
    }
    size_t *order = mk__prof_order(p, MK_SORT_BYTES);
    if (!order) return -1;
    int items = 0;
    for (size_t i = 0; i < p->nsites && items < MAX_ITEMS; i++) {
        const mk__prof_site *s = &p->sites[order[i]];
        const struct mk__raw_site *f = &s->f;
        if (f->tbk < MIN_BLOCKS && f->reallocs < MIN_REALLOCS) continue;
        const char *name = site_name(p, s);
        uint64_t originals = f->tbk > f->reallocs ? f->tbk - f->reallocs : 1;
        double avg_chain = share(f->reallocs, originals);
        if (f->reallocs >= MIN_REALLOCS && (f->max_chain >= CHAIN || avg_chain >= CHAIN / 2.0)) {
            fprintf(out, "- %s\n    %" PRIu64 " reallocs, up to %" PRIu64 " for one block (%.1f per block): "
                         "grow once instead.\n    -> reserve capacity up front: mk_vec_reserve / "
                         "mk_vec_with_capacity (memkit/vec.h)\n",
                    name, f->reallocs, f->max_chain, avg_chain);
            items++;
        }
        if (f->tbk < MIN_BLOCKS) continue;
        if (share(f->temporary, f->tbk) >= TEMP_SHARE) {
            fprintf(out, "- %s\n    %" PRIu64 " of %" PRIu64 " blocks (%.0f%%) were temporary: freed before the "
                         "thread allocated anything else.\n    -> reuse one buffer (mk_vec_clear keeps its "
                         "capacity) or take them from an mk_arena and reset it (memkit/arena.h)\n",
                    name, f->temporary, f->tbk, 100 * share(f->temporary, f->tbk));
            items++;
        } else if (share(f->short_lived, f->tbk) >= SHORT_SHARE) {
            fprintf(out, "- %s\n    %" PRIu64 " of %" PRIu64 " blocks (%.0f%%) lived less than %d µs.\n"
                         "    -> allocate them from an mk_arena and reset it per round (memkit/arena.h)\n",
                    name, f->short_lived, f->tbk, 100 * share(f->short_lived, f->tbk), MK_RAW_SHORT_LIVED_US);
            items++;
        }
        if (f->min_size == f->max_size && f->max_size <= POOL_MAX_SIZE && f->mbk >= POOL_LIVE) {
            fprintf(out, "- %s\n    %" PRIu64 " blocks, all of %" PRIu64 " bytes, up to %" PRIu64 " live at once.\n"
                         "    -> a fixed-size object pool: mk_pool / MK_POOL_DEFINE (memkit/pool.h)\n",
                    name, f->tbk, f->max_size, f->mbk);
            items++;
        } else if (share(f->small, f->tbk) >= SMALL_SHARE) {
            fprintf(out, "- %s\n    %" PRIu64 " of %" PRIu64 " blocks (%.0f%%) were 24 bytes or less.\n"
                         "    -> keep them inline: mk_string holds 23 bytes without the heap (memkit/str.h), "
                         "MK_SMALLVEC_DEFINE keeps N elements inline (memkit/vec.h)\n",
                    name, f->small, f->tbk, 100 * share(f->small, f->tbk));
            items++;
        }
    }
    free(order);
    items += growing_advice(p, out, MAX_ITEMS - items);
    if (!items) fprintf(out, "  none: no site crossed the thresholds (docs/PROFILER.md lists them)\n");
    return ferror(out) ? -1 : 0;
}
