/* unwind.h - stack capture for the recorder and the counting layer's watch. Internal to
 * libmemkit-prof.so and libmemkit-count.a (testing.h has the entry points only tests use).
 *
 * mk__backtrace fills pcs with the return addresses of the calling context, innermost first: pcs[0]
 * is the return address of the function that called mk__backtrace's caller's caller... precisely,
 * `skip` frames above the caller of mk__backtrace are dropped, so the malloc hook passes the number
 * of its own frames and pcs[0] lands in the program's code that called malloc.
 *
 * Contract: never calls malloc or any function that may; safe to call from any thread at once and
 * from a signal handler; never crashes on a broken stack (it stops instead); bounded by max.
 */
#ifndef MEMKIT_UNWIND_UNWIND_H
#define MEMKIT_UNWIND_UNWIND_H

#include <stdint.h>

/* Returns the number of addresses written (0..max). With skip = 0, pcs[0] is mk__backtrace's own
 * return address (a PC inside its caller); each further entry is one frame further out. Uses the
 * cached DWARF CFI walker of unwind.c, falling back to the frame-pointer step per frame. */
__attribute__((visibility("hidden"))) int mk__backtrace(uintptr_t *pcs, int max, int skip);

/* mk__backtrace without the caller's own frames, remembered. While the PC lies in [own_lo, own_hi)
 * (code that must be built with frame pointers, as the recorder is), frames are skipped by their
 * rbp links instead of being unwound and recorded. A thread's recent walks are kept with every
 * stack word they read (unwind.c, "the walk memo"), and a capture that starts where one of them
 * started, on a stack whose words are all unchanged, is answered without walking. Returns -1 on
 * such a hit, with *value the value the caller attached to that walk (pcs untouched); otherwise
 * walks, fills pcs and returns their number, and the caller should attach its value with
 * mk__backtrace_memo_set before its next capture. The value must be a function of the pcs alone.
 * frame: NULL, or the frame (__builtin_frame_address(0)) of a caller built with frame pointers that
 * is still running: the walk starts at its return address, sparing the hops over the frames in
 * between. Same contract as above; the memo is per thread, and a capture from a signal handler that
 * interrupted another capture of the same thread between the two calls only loses that walk's memo. */
__attribute__((visibility("hidden"))) int mk__backtrace_memo(const void *frame, uintptr_t *pcs, int max,
                                                             uintptr_t own_lo, uintptr_t own_hi, uint32_t *value);
__attribute__((visibility("hidden"))) void mk__backtrace_memo_set(uint32_t value);

/* Forgets the cached unwind rules and rescans the loaded modules on the next miss. The walker
 * notices dlopen/dlclose by itself, but only on a cache miss: code loaded at the very addresses of
 * an unloaded library could hit the old library's rules first. The recorder's dlclose wrapper
 * should call this after dlclose returns. Thread-safe, async-signal-safe, no malloc. */
__attribute__((visibility("hidden"))) void mk__unwind_invalidate(void);

#endif
