/* alloc.c - the heap allocator and the NULL-means-heap shorthands.
 *
 * Blocks aligned beyond what malloc guarantees come from aligned_alloc, and resizing them copies,
 * since realloc would drop the alignment.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "memkit/alloc.h"

#define HEAP_ALIGN alignof(max_align_t)

static void *heap_alloc(void *ctx, size_t size, size_t align) {
    (void)ctx;
    if (size == 0) size = 1;
    if (align <= HEAP_ALIGN) return malloc(size);
    size_t rounded;
    if (!mk_align_up_size(size, align, &rounded)) return NULL;
    return aligned_alloc(align, rounded);
}

static void *heap_resize(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align) {
    if (!ptr) return heap_alloc(ctx, new_size, align);
    if (new_size == 0) new_size = 1;
    if (align <= HEAP_ALIGN) return realloc(ptr, new_size);
    void *p = heap_alloc(ctx, new_size, align);
    if (!p) return NULL;
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    free(ptr);
    return p;
}

static void heap_free(void *ctx, void *ptr, size_t size, size_t align) {
    (void)ctx, (void)size, (void)align;
    free(ptr);
}

static const mk_allocator heap = {heap_alloc, heap_resize, heap_free, NULL};

const mk_allocator *mk_heap(void) { return &heap; }

void *mk_alloc(const mk_allocator *a, size_t size, size_t align) {
    if (!mk_is_pow2(align)) return NULL;
    if (!a) a = &heap;
    return a->alloc(a->ctx, size, align);
}

void *mk_resize(const mk_allocator *a, void *ptr, size_t old_size, size_t new_size, size_t align) {
    if (!mk_is_pow2(align)) return NULL;
    if (!a) a = &heap;
    return a->resize(a->ctx, ptr, old_size, new_size, align);
}

void mk_free(const mk_allocator *a, void *ptr, size_t size, size_t align) {
    if (!ptr) return;
    if (!a) a = &heap;
    a->free(a->ctx, ptr, size, align);
}

void *mk_alloc_array(const mk_allocator *a, size_t n, size_t elem_size, size_t align) {
    size_t size;
    if (!mk_mul_size(n, elem_size, &size)) return NULL;
    return mk_alloc(a, size, align);
}
