/* track.h - the one place memkit talks to AddressSanitizer and Valgrind memcheck.
 *
 * Memory a container takes back (an arena reset or rewind, a pool slot freed) is poisoned, and
 * memory it hands out is unpoisoned, so a use after reset is reported by the tool instead of reading
 * stale data. MK_TRACK_COMPILED says whether this build can track at all; mk_track_active() whether
 * it should now (ASan builds always; otherwise only when running under Valgrind).
 */
#ifndef MEMKIT_TRACK_H
#define MEMKIT_TRACK_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define MK_TRACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MK_TRACK_ASAN 1
#endif
#endif

#if !defined(MK_TRACK_VALGRIND) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#define MK_TRACK_VALGRIND 1
#endif
#endif

#ifdef MK_TRACK_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if defined(MK_TRACK_VALGRIND) && MK_TRACK_VALGRIND
#include <valgrind/memcheck.h>
#else
#undef MK_TRACK_VALGRIND
#endif

static inline bool mk_track_active(void) {
#ifdef MK_TRACK_ASAN
    return true;
#elif defined(MK_TRACK_VALGRIND)
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

/* Marks [p, p+n) as not to be touched. */
static inline void mk_track_poison(const void *p, size_t n) {
    (void)p, (void)n;
#ifdef MK_TRACK_ASAN
    ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef MK_TRACK_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
}

/* Marks [p, p+n) as handed out: addressable, contents undefined. */
static inline void mk_track_unpoison(const void *p, size_t n) {
    (void)p, (void)n;
#ifdef MK_TRACK_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef MK_TRACK_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
}

/* True when the first byte at p is poisoned (ASan only; false elsewhere). */
static inline bool mk_track_is_poisoned(const void *p) {
    (void)p;
#ifdef MK_TRACK_ASAN
    return __asan_address_is_poisoned(p) != 0;
#else
    return false;
#endif
}

#endif
