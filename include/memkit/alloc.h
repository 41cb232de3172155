/* memkit/alloc.h - the allocator interface every allocating memkit type accepts.
 *
 * Zig-style: the caller passes the size and alignment back on resize and free, so an allocator need
 * not store headers (an arena frees nothing; a pool knows its slot size). A NULL allocator pointer
 * means mk_heap(), the C heap. Resize may move the block, and leaves the old block intact when it
 * fails, so a container never loses data on a failed grow.
 */
#ifndef MEMKIT_ALLOC_H
#define MEMKIT_ALLOC_H

#include "base.h"

MK_EXTERN_C_BEGIN

typedef struct mk_allocator {
    /* A block of size bytes aligned to align (a power of two), or NULL. size 0 is allowed and
     * returns a distinct non-NULL pointer that must still be freed. */
    void *(*alloc)(void *ctx, size_t size, size_t align);
    /* Grows or shrinks ptr (size old_size, alignment align) to new_size, moving it if needed.
     * Returns the new address, or NULL with the old block untouched and still owned by the caller. */
    void *(*resize)(void *ctx, void *ptr, size_t old_size, size_t new_size, size_t align);
    /* Releases a block from alloc/resize with the size and alignment it was given. NULL is a no-op. */
    void (*free)(void *ctx, void *ptr, size_t size, size_t align);
    void *ctx;
} mk_allocator;

/* The C heap (malloc, realloc, free; aligned_alloc beyond max_align_t). A static object; thread-safe. */
MK_API const mk_allocator *mk_heap(void);

/* Shorthands that accept NULL for the heap. They check that align is a power of two and fail
 * with NULL otherwise. Thread-safety is the allocator's. */
MK_API MK_NODISCARD void *mk_alloc(const mk_allocator *a, size_t size, size_t align);
MK_API MK_NODISCARD void *mk_resize(const mk_allocator *a, void *ptr, size_t old_size, size_t new_size,
                                    size_t align);
MK_API void mk_free(const mk_allocator *a, void *ptr, size_t size, size_t align);

/* n elements of elem_size bytes; NULL when n * elem_size overflows or the allocator fails. */
MK_API MK_NODISCARD void *mk_alloc_array(const mk_allocator *a, size_t n, size_t elem_size, size_t align);

MK_EXTERN_C_END

#endif
