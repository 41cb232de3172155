/* pool.c - mk_pool's setup and its checked mode.
 *
 * The fast paths live in pool.h; this file holds what checked builds route through the library:
 * free slots are poisoned, and a slot freed twice is reported. Without AddressSanitizer a free slot
 * is recognised by a tag in its second word (the address mixed with a constant), so the check needs
 * slots of two pointers or more.
 */
#include <stdio.h>
#include <stdlib.h>

#include "memkit/pool.h"
#include "memkit/prof.h"
#include "track.h"

#define FREE_TAG ((uintptr_t)0x6d6b706f6f6c2166u) /* "mkpool!f" */

static bool checked_build(void) {
#ifdef NDEBUG
    return mk_track_active();
#else
    return true;
#endif
}

mk_err mk_pool_init_opts(mk_pool *p, size_t size, size_t align, const mk_arena_opts *opts) {
    *p = (mk_pool){0}; /* a failed init leaves a pool that destroy accepts */
    if (!mk_is_pow2(align)) return MK_EINVAL;
    size_t object_size = size;
    if (align < sizeof(void *)) align = sizeof(void *);
    if (size < sizeof(void *)) size = sizeof(void *);
    size_t slot;
    if (!mk_align_up_size(size, align, &slot)) return MK_EOVERFLOW;
    size = object_size;
    mk_pool tmp = {0};
    mk_err err = mk_arena_init(&tmp.arena, opts);
    if (err) return err;
    tmp.object_size = size;
    tmp.slot_size = slot;
    tmp.align = align;
    tmp.checked = checked_build();
    *p = tmp;
    return MK_OK;
}

mk_err mk_pool_init(mk_pool *p, size_t size, size_t align, const mk_allocator *backing) {
    mk_arena_opts opts = {0};
    opts.backing = backing;
    return mk_pool_init_opts(p, size, align, &opts);
}

void mk_pool_destroy(mk_pool *p) {
    if (p->annotate) mk_prof_pool_reset(p);
    mk_arena_destroy(&p->arena);
    p->free_list = p->checked_free = NULL;
}

void mk_pool_reset(mk_pool *p) {
    if (p->annotate) mk_prof_pool_reset(p);
    mk_arena_reset(&p->arena);
    p->free_list = p->checked_free = NULL;
}

static bool has_tag(const mk_pool *p) { return p->slot_size >= 2 * sizeof(void *); }

void *mk__pool_alloc_checked(mk_pool *p) {
    void **s = p->checked_free;
    if (s) {
        mk_track_unpoison(s, p->slot_size);
        p->checked_free = s[0];
    } else if (!(s = mk_arena_alloc(&p->arena, p->slot_size, p->align))) {
        return NULL;
    }
    if (has_tag(p)) s[1] = NULL; /* a slot carved again after a reset may still carry a tag */
    if (p->annotate) mk_prof_alloc(p, s, p->object_size);
    return s;
}

bool mk_pool_annotate(mk_pool *p, bool on) {
    if (on && !mk_prof_active) return false;
    if (on && !p->checked) {
        /* Route alloc and free through the library, keeping the slots already freed. */
        p->checked_free = p->free_list;
        p->free_list = NULL;
        p->checked = 1;
    }
    p->annotate = on;
    return on;
}

MK_COLD static void double_free(const void *obj) {
    fprintf(stderr, "memkit: mk_pool_free: double free of %p\n", obj);
    abort();
}

void mk__pool_free_checked(mk_pool *p, void *obj) {
    if (!obj) return;
    void **s = obj;
    if (mk_track_is_poisoned(s)) double_free(obj);
    if (has_tag(p)) {
        if (s[1] == (void *)((uintptr_t)s ^ FREE_TAG)) double_free(obj);
        s[1] = (void *)((uintptr_t)s ^ FREE_TAG);
    }
    s[0] = p->checked_free;
    p->checked_free = s;
    mk_track_poison(s, p->slot_size);
    if (p->annotate) mk_prof_free(p, obj);
}

void mk_pool_stats(const mk_pool *p, struct mk_pool_stats *out) {
    size_t nfree = 0;
    for (void **s = p->checked ? p->checked_free : p->free_list; s; nfree++) {
        mk_track_unpoison(s, sizeof(void *));
        void **next = *s;
        if (p->checked) mk_track_poison(s, p->slot_size);
        s = next;
    }
    struct mk_arena_stats as;
    mk_arena_stats(&p->arena, &as);
    *out = (struct mk_pool_stats){MK_POOL_STATS_VERSION, p->object_size, p->slot_size,
                           as.used / p->slot_size - nfree, nfree, as.reserved, as.chunks};
}
