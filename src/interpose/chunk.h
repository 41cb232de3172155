/* chunk.h - what glibc's malloc chunk header says about a block. Internal.
 *
 * Every block glibc hands out is preceded by one word: the chunk's size with three flag bits, of
 * which bit 1 marks a chunk that was mmap'ed on its own (its header is then two words). The usable
 * size (malloc_usable_size without the call) follows from it, so a backend that keeps no table of
 * sizes can still count a block's bytes at free, and the recorder can store a request's size as its
 * small difference from the usable size.
 */
#ifndef MEMKIT_INTERPOSE_CHUNK_H
#define MEMKIT_INTERPOSE_CHUNK_H

#include <stdint.h>

/* glibc's usable size of the block at p (a pointer glibc's malloc family returned, not yet freed). */
static inline uint64_t mk__chunk_usable(uintptr_t p) {
    uint64_t head = ((const uint64_t *)p)[-1];
    return (head & ~(uint64_t)7) - 8 - ((head & 2) << 2);
}

#endif
