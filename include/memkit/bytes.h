/* memkit/bytes.h - mk_bytes, shared immutable byte views, and mk_bytes_mut, their unique growable
 * builder (the C take on Rust's bytes::Bytes / BytesMut).
 *
 * A view is (pointer, length, owner). The owner is a small block holding an atomic reference count
 * and a release hook; it is NULL for static data. Slicing, cloning, splitting and freezing only copy
 * the three words and bump the count: they never copy the payload and never allocate, so one 64 MiB
 * receive buffer can be cut into a million frames that each live as long as their reader needs.
 *
 * The one design decision to know: buffers the library allocates put the owner block in front of the
 * payload (one allocation, one free), while mk_bytes_from_owner wraps anyone's memory (a mapping, a
 * pool object) behind a separately allocated owner block that calls the caller's release hook when
 * the last view goes. Only library-allocated buffers can become mutable again (mk_bytes_try_into_mut):
 * foreign memory may be read-only.
 *
 * Thread-safety: a single mk_bytes or mk_bytes_mut value is not to be used by two threads at once,
 * but views sharing an owner may be cloned and dropped from any threads concurrently (the count is
 * atomic, and the last drop acquires every other thread's writes before releasing the buffer).
 */
#ifndef MEMKIT_BYTES_H
#define MEMKIT_BYTES_H

#include <string.h>

#include "alloc.h"
#include "error.h"

MK_EXTERN_C_BEGIN

/* The shared owner of a buffer. Opaque apart from the count the inline paths touch. */
typedef struct mk_bytes_owner {
    size_t refs;                 /* atomic; views and mutable halves holding the buffer */
    unsigned char *base;         /* start of the payload area (library buffers) or of the foreign data */
    size_t cap;                  /* payload bytes from base */
    void (*release)(void *ctx);  /* foreign owners: called once when the last view goes */
    void *ctx;
    const mk_allocator *alloc;   /* who allocated this owner block (and, for library buffers, the payload) */
    size_t block;                /* bytes of this owner block as allocated */
} mk_bytes_owner;

/* An immutable view. Copying the struct does not take a reference: use mk_bytes_clone. */
typedef struct mk_bytes {
    const unsigned char *ptr;
    size_t len;
    mk_bytes_owner *owner;       /* NULL for static or empty data */
} mk_bytes;

/* A unique, growable buffer. ptr[0..len) is the content, ptr[len..cap) is spare room that belongs to
 * this value alone (a sibling from split_to/split_off owns a disjoint range of the same buffer). */
typedef struct mk_bytes_mut {
    unsigned char *ptr;
    size_t len, cap;
    mk_bytes_owner *owner;       /* NULL until the first allocation */
    const mk_allocator *alloc;   /* where growth allocates; NULL = the heap */
} mk_bytes_mut;

MK_API void mk__bytes_owner_release(mk_bytes_owner *o);

MK_INLINE void mk__bytes_ref(mk_bytes_owner *o) {
    if (o) __atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED);
}

/* acq_rel rather than release + fence: the same instruction on x86, and ThreadSanitizer understands
 * it. A count of 1 seen with acquire means no other reference exists (nobody can add one), so the
 * sole owner frees without the locked instruction. */
MK_INLINE void mk__bytes_unref(mk_bytes_owner *o) {
    if (o && (__atomic_load_n(&o->refs, __ATOMIC_ACQUIRE) == 1 ||
              __atomic_fetch_sub(&o->refs, 1, __ATOMIC_ACQ_REL) == 1))
        mk__bytes_owner_release(o);
}

/* p + n for a view's pointer, where an empty buffer's p is NULL and then n is 0: C leaves NULL + 0
 * undefined, so that case returns p itself. Compilers fold the branch away (p + 0 is p). */
MK_INLINE const unsigned char *mk__bytes_at(const unsigned char *p, size_t n) { return n ? p + n : p; }
MK_INLINE unsigned char *mk__bytes_mut_at(unsigned char *p, size_t n) { return n ? p + n : p; }

/* ---- mk_bytes ---------------------------------------------------------------------------------- */

/* The empty view; owns nothing, dropping it is a no-op. */
MK_INLINE mk_bytes mk_bytes_empty(void) {
    mk_bytes b = {NULL, 0, NULL};
    return b;
}

/* A view of data that lives forever (a string literal, a static table). No allocation, no count. */
MK_INLINE mk_bytes mk_bytes_from_static(const void *data, size_t len) {
    mk_bytes b = {(const unsigned char *)data, len, NULL};
    return b;
}

/* *out = a new buffer holding a copy of src[0..len) from alloc (NULL = heap); one allocation (none
 * when len is 0). Returns MK_ENOMEM or MK_EOVERFLOW with *out empty on failure. */
MK_API mk_err mk_bytes_copy_from(mk_bytes *out, const void *src, size_t len, const mk_allocator *alloc)
    MK_NONNULL(1);

/* *out = a view of data[0..len), which stays owned by the caller until the last view (clones and
 * slices included) is dropped; then release(ctx) runs, once, on whichever thread dropped it. Wrap a
 * mapping, a pool object, anything. Allocates the owner block from alloc (NULL = heap); on MK_ENOMEM
 * *out is empty and release is not called (the data is still the caller's). */
MK_API mk_err mk_bytes_from_owner(mk_bytes *out, const void *data, size_t len, void (*release)(void *ctx),
                                  void *ctx, const mk_allocator *alloc) MK_NONNULL(1, 4);

/* A second view of the same bytes (one atomic increment; never allocates, never fails). */
MK_INLINE MK_NODISCARD mk_bytes mk_bytes_clone(const mk_bytes *b) {
    mk__bytes_ref(b->owner);
    return *b;
}

/* Gives up this view's reference and empties *b; the last reference releases the buffer. Safe on
 * an empty view and from any thread. */
MK_INLINE void mk_bytes_drop(mk_bytes *b) {
    mk__bytes_unref(b->owner);
    *b = mk_bytes_empty();
}

/* A new view of b[from..to) sharing the buffer (never copies or allocates). Out-of-range or
 * reversed bounds are clamped to the view (from > to gives an empty view); check first if that
 * matters. */
MK_INLINE MK_NODISCARD mk_bytes mk_bytes_slice(const mk_bytes *b, size_t from, size_t to) {
    if (to > b->len) to = b->len;
    if (from > to) from = to;
    mk_bytes r = {mk__bytes_at(b->ptr, from), to - from, b->owner};
    mk__bytes_ref(b->owner);
    return r;
}

/* Splits off and returns the first at bytes; *b keeps the rest. at > len is clamped to len. */
MK_INLINE MK_NODISCARD mk_bytes mk_bytes_split_to(mk_bytes *b, size_t at) {
    if (at > b->len) at = b->len;
    mk_bytes r = {b->ptr, at, b->owner};
    mk__bytes_ref(b->owner);
    b->ptr = mk__bytes_at(b->ptr, at);
    b->len -= at;
    return r;
}

/* Splits off and returns the bytes from at on; *b keeps the first at. at > len is clamped. */
MK_INLINE MK_NODISCARD mk_bytes mk_bytes_split_off(mk_bytes *b, size_t at) {
    if (at > b->len) at = b->len;
    mk_bytes r = {mk__bytes_at(b->ptr, at), b->len - at, b->owner};
    mk__bytes_ref(b->owner);
    b->len = at;
    return r;
}

/* Drops the first n bytes from the view (n > len empties it); no reference changes. */
MK_INLINE void mk_bytes_advance(mk_bytes *b, size_t n) {
    if (n > b->len) n = b->len;
    b->ptr = mk__bytes_at(b->ptr, n);
    b->len -= n;
}

/* Shortens the view to len bytes; a longer len is a no-op. The buffer is kept. */
MK_INLINE void mk_bytes_truncate(mk_bytes *b, size_t len) {
    if (len < b->len) b->len = len;
}

/* True when no other view or mutable half shares b's buffer (static data: false, it is never
 * unique). The answer can only become stale in the true-to-false direction if this thread clones. */
MK_INLINE bool mk_bytes_is_unique(const mk_bytes *b) {
    return b->owner && __atomic_load_n(&b->owner->refs, __ATOMIC_ACQUIRE) == 1;
}

/* When b is the only reference to a library-allocated buffer, moves it into *out (no copy: out->ptr
 * == the old b->ptr, with the rest of the buffer as spare capacity), empties *b and returns true.
 * Otherwise (shared, static, or foreign via mk_bytes_from_owner) returns false and touches nothing.
 * An empty view becomes an empty mk_bytes_mut on the heap. */
MK_API bool mk_bytes_try_into_mut(mk_bytes *b, mk_bytes_mut *out) MK_NONNULL(1, 2);

/* ---- mk_bytes_mut ------------------------------------------------------------------------------ */

/* An empty buffer that will allocate from alloc (NULL = heap) when it first grows. Never fails. */
MK_INLINE mk_bytes_mut mk_bytes_mut_empty(const mk_allocator *alloc) {
    mk_bytes_mut m = {NULL, 0, 0, NULL, alloc};
    return m;
}

/* Deprecated: the old name of mk_bytes_mut_empty (it allocates nothing, so it is no _new). */
MK_DEPRECATED("use mk_bytes_mut_empty") MK_INLINE mk_bytes_mut mk_bytes_mut_new(const mk_allocator *alloc) {
    return mk_bytes_mut_empty(alloc);
}

/* *m = an empty buffer with room for cap bytes, from alloc (NULL = heap); cap 0 allocates nothing.
 * MK_ENOMEM / MK_EOVERFLOW leave *m a valid empty buffer. */
MK_API mk_err mk_bytes_mut_with_capacity(mk_bytes_mut *m, size_t cap, const mk_allocator *alloc) MK_NONNULL(1);

MK_API mk_err mk__bytes_mut_reserve_slow(mk_bytes_mut *m, size_t additional);

/* Makes room for at least additional more bytes after len. When m is the sole owner of its buffer
 * and the buffer already has the space (say, in front, left by split_to), the content moves down in
 * place instead of allocating; otherwise the buffer grows (at least doubling). On MK_ENOMEM or
 * MK_EOVERFLOW m is unchanged, content intact. */
MK_INLINE mk_err mk_bytes_mut_reserve(mk_bytes_mut *m, size_t additional) {
    if (MK_LIKELY(additional <= m->cap - m->len)) return MK_OK;
    return mk__bytes_mut_reserve_slow(m, additional);
}

/* Appends src[0..n) (src may point into m itself only if no growth is needed). Fails as reserve,
 * with m unchanged. */
MK_INLINE mk_err mk_bytes_mut_put(mk_bytes_mut *m, const void *src, size_t n) {
    if (MK_UNLIKELY(n > m->cap - m->len)) {
        mk_err e = mk__bytes_mut_reserve_slow(m, n);
        if (e != MK_OK) return e;
    }
    if (n) memcpy(m->ptr + m->len, src, n);
    m->len += n;
    return MK_OK;
}

/* Appends one byte. */
MK_INLINE mk_err mk_bytes_mut_put_u8(mk_bytes_mut *m, unsigned char byte) {
    if (MK_UNLIKELY(m->len == m->cap)) {
        mk_err e = mk__bytes_mut_reserve_slow(m, 1);
        if (e != MK_OK) return e;
    }
    m->ptr[m->len++] = byte;
    return MK_OK;
}

/* Appends the bytes of a view (the view is not consumed). */
MK_INLINE mk_err mk_bytes_mut_extend(mk_bytes_mut *m, const mk_bytes *b) {
    return mk_bytes_mut_put(m, b->ptr, b->len);
}

/* Sets len to 0 and keeps the capacity. */
MK_INLINE void mk_bytes_mut_clear(mk_bytes_mut *m) { m->len = 0; }

/* Shortens the content to len bytes (longer: no-op); capacity is kept. */
MK_INLINE void mk_bytes_mut_truncate(mk_bytes_mut *m, size_t len) {
    if (len < m->len) m->len = len;
}

/* Releases m's reference (the buffer goes when nothing else shares it) and leaves m empty, still
 * bound to its allocator. */
MK_INLINE void mk_bytes_mut_drop(mk_bytes_mut *m) {
    mk__bytes_unref(m->owner);
    *m = mk_bytes_mut_empty(m->alloc);
}

/* Returns the first at bytes (with exactly that capacity) as their own mutable buffer, sharing the
 * allocation; m keeps [at, len) and its spare room. at > len is clamped. Never copies or allocates. */
MK_INLINE MK_NODISCARD mk_bytes_mut mk_bytes_mut_split_to(mk_bytes_mut *m, size_t at) {
    if (at > m->len) at = m->len;
    mk_bytes_mut r = {m->ptr, at, at, m->owner, m->alloc};
    mk__bytes_ref(m->owner);
    m->ptr = mk__bytes_mut_at(m->ptr, at);
    m->len -= at;
    m->cap -= at;
    return r;
}

/* Returns [at, len) with the spare room as their own mutable buffer; m keeps the first at bytes with
 * capacity at. at > len is clamped. Never copies or allocates. */
MK_INLINE MK_NODISCARD mk_bytes_mut mk_bytes_mut_split_off(mk_bytes_mut *m, size_t at) {
    if (at > m->len) at = m->len;
    mk_bytes_mut r = {mk__bytes_mut_at(m->ptr, at), m->len - at, m->cap - at, m->owner, m->alloc};
    mk__bytes_ref(m->owner);
    m->len = at;
    m->cap = at;
    return r;
}

/* Turns m into an immutable view of its content without copying; m is left empty. The spare room
 * stays part of the buffer (try_into_mut can win it back). */
MK_INLINE MK_NODISCARD mk_bytes mk_bytes_mut_freeze(mk_bytes_mut *m) {
    mk_bytes b = {m->ptr, m->len, m->owner};
    *m = mk_bytes_mut_empty(m->alloc);
    return b;
}

/* Rejoins other onto the end of m without copying when other starts exactly where m's content ends
 * in the same buffer (m's capacity must end there too, as after split_off / split_to). Returns true
 * and empties *other; false when they are not adjacent halves (both untouched). */
MK_INLINE bool mk_bytes_mut_try_unsplit(mk_bytes_mut *m, mk_bytes_mut *other) {
    if (other->len == 0) {
        mk_bytes_mut_drop(other);
        return true;
    }
    if (m->len == 0 && m->cap == 0) { /* nothing to join onto: take other over */
        mk__bytes_unref(m->owner);
        *m = *other;
        *other = mk_bytes_mut_empty(other->alloc);
        return true;
    }
    if (!m->owner || m->owner != other->owner || m->ptr + m->len != other->ptr || m->cap != m->len)
        return false;
    m->len += other->len;
    m->cap += other->cap;
    mk__bytes_unref(other->owner); /* never the last: m still holds the buffer */
    *other = mk_bytes_mut_empty(other->alloc);
    return true;
}

/* As try_unsplit, falling back to appending other's bytes (a copy, maybe a grow) when they are not
 * adjacent. other is dropped on success; on MK_ENOMEM both are unchanged. */
MK_API mk_err mk_bytes_mut_unsplit(mk_bytes_mut *m, mk_bytes_mut *other) MK_NONNULL(1, 2);

MK_EXTERN_C_END

#endif
