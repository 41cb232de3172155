/* bytes.c - the slow paths of mk_bytes / mk_bytes_mut: allocating buffers, growing, releasing.
 *
 * A library buffer is one block: the mk_bytes_owner, padded to 16 bytes, then the payload. A foreign
 * buffer (mk_bytes_from_owner) has an owner block of its own and release == the caller's hook.
 */
#include "memkit/bytes.h"

#define OWNER_ALIGN 16
#define HEAD ((sizeof(mk_bytes_owner) + OWNER_ALIGN - 1) & ~(size_t)(OWNER_ALIGN - 1))

static const mk_allocator *heap_or(const mk_allocator *a) { return a ? a : mk_heap(); }

/* A library buffer with room for cap payload bytes, count 1; NULL on overflow or failure. */
static mk_bytes_owner *owner_new(size_t cap, const mk_allocator *alloc, mk_err *err) {
    size_t block;
    if (!mk_add_size(HEAD, cap, &block)) {
        *err = MK_EOVERFLOW;
        return NULL;
    }
    alloc = heap_or(alloc);
    mk_bytes_owner *o = alloc->alloc(alloc->ctx, block, OWNER_ALIGN);
    if (!o) {
        *err = MK_ENOMEM;
        return NULL;
    }
    *o = (mk_bytes_owner){1, (unsigned char *)o + HEAD, cap, NULL, NULL, alloc, block};
    return o;
}

void mk__bytes_owner_release(mk_bytes_owner *o) {
    const mk_allocator *a = o->alloc;
    if (o->release) o->release(o->ctx);
    a->free(a->ctx, o, o->block, OWNER_ALIGN);
}

mk_err mk_bytes_copy_from(mk_bytes *out, const void *src, size_t len, const mk_allocator *alloc) {
    *out = mk_bytes_empty();
    if (len == 0) return MK_OK;
    mk_err err = MK_OK;
    mk_bytes_owner *o = owner_new(len, alloc, &err);
    if (!o) return err;
    memcpy(o->base, src, len);
    *out = (mk_bytes){o->base, len, o};
    return MK_OK;
}

mk_err mk_bytes_from_owner(mk_bytes *out, const void *data, size_t len, void (*release)(void *ctx), void *ctx,
                           const mk_allocator *alloc) {
    *out = mk_bytes_empty();
    alloc = heap_or(alloc);
    mk_bytes_owner *o = alloc->alloc(alloc->ctx, sizeof *o, OWNER_ALIGN);
    if (!o) return MK_ENOMEM;
    *o = (mk_bytes_owner){1, (unsigned char *)(uintptr_t)data, len, release, ctx, alloc, sizeof *o};
    *out = (mk_bytes){(const unsigned char *)data, len, o};
    return MK_OK;
}

bool mk_bytes_try_into_mut(mk_bytes *b, mk_bytes_mut *out) {
    if (!b->owner) {
        if (b->len) return false; /* static data */
        *out = mk_bytes_mut_empty(NULL);
        return true;
    }
    mk_bytes_owner *o = b->owner;
    if (o->release || __atomic_load_n(&o->refs, __ATOMIC_ACQUIRE) != 1) return false;
    unsigned char *p = (unsigned char *)(uintptr_t)b->ptr;
    *out = (mk_bytes_mut){p, b->len, (size_t)(o->base + o->cap - p), o, o->alloc};
    *b = mk_bytes_empty();
    return true;
}

mk_err mk_bytes_mut_with_capacity(mk_bytes_mut *m, size_t cap, const mk_allocator *alloc) {
    *m = mk_bytes_mut_empty(alloc);
    if (cap == 0) return MK_OK;
    mk_err err = MK_OK;
    mk_bytes_owner *o = owner_new(cap, alloc, &err);
    if (!o) return err;
    *m = (mk_bytes_mut){o->base, 0, cap, o, alloc};
    return MK_OK;
}

mk_err mk__bytes_mut_reserve_slow(mk_bytes_mut *m, size_t additional) {
    size_t need;
    if (!mk_add_size(m->len, additional, &need)) return MK_EOVERFLOW;
    if (need <= m->cap) return MK_OK;
    mk_bytes_owner *o = m->owner;
    bool sole = o && __atomic_load_n(&o->refs, __ATOMIC_ACQUIRE) == 1;
    if (sole) {
        size_t tail = (size_t)(o->base + o->cap - m->ptr);
        if (tail >= need) { /* room left behind by a dropped split_off half */
            m->cap = tail;
            return MK_OK;
        }
        /* The whole buffer is ours: if it holds need bytes, slide the content to the front. Only when
         * the content is no bigger than the gap in front, so the move costs no more than a grow's copy
         * would and repeated split_to + reserve stays linear. */
        size_t front = (size_t)(m->ptr - o->base);
        if (o->cap >= need && front >= m->len) {
            if (m->len) memmove(o->base, m->ptr, m->len);
            m->ptr = o->base;
            m->cap = o->cap;
            return MK_OK;
        }
    }
    size_t cap = m->cap > SIZE_MAX / 2 ? SIZE_MAX : m->cap * 2;
    if (cap < need) cap = need;
    if (cap < 64) cap = 64;
    mk_err err = MK_OK;
    if (sole && m->ptr == o->base) {
        /* Grow the block itself; the owner header moves with it, nothing else points into it. */
        const mk_allocator *a = o->alloc;
        size_t block;
        if (!mk_add_size(HEAD, cap, &block)) {
            cap = need;
            if (!mk_add_size(HEAD, cap, &block)) return MK_EOVERFLOW;
        }
        mk_bytes_owner *n = a->resize(a->ctx, o, o->block, block, OWNER_ALIGN);
        if (!n && cap > need && mk_add_size(HEAD, need, &block)) {
            cap = need;
            n = a->resize(a->ctx, o, o->block, block, OWNER_ALIGN);
        }
        if (!n) return MK_ENOMEM;
        n->base = (unsigned char *)n + HEAD;
        n->cap = cap;
        n->block = block;
        *m = (mk_bytes_mut){n->base, m->len, cap, n, m->alloc};
        return MK_OK;
    }
    mk_bytes_owner *n = owner_new(cap, m->alloc, &err);
    if (!n && cap > need) {
        cap = need;
        n = owner_new(cap, m->alloc, &err);
    }
    if (!n) return err;
    if (m->len) memcpy(n->base, m->ptr, m->len);
    mk__bytes_unref(o);
    *m = (mk_bytes_mut){n->base, m->len, cap, n, m->alloc};
    return MK_OK;
}

mk_err mk_bytes_mut_unsplit(mk_bytes_mut *m, mk_bytes_mut *other) {
    if (mk_bytes_mut_try_unsplit(m, other)) return MK_OK;
    mk_err e = mk_bytes_mut_put(m, other->ptr, other->len);
    if (e != MK_OK) return e;
    mk_bytes_mut_drop(other);
    return MK_OK;
}
