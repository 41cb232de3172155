/* unwind.h - stack capture for the recorder. Internal to libmemkit-prof.so.
 *
 * mk__backtrace fills pcs with the return addresses of the calling context, innermost first: pcs[0]
 * is the return address of the function that called mk__backtrace's caller's caller... precisely,
 * `skip` frames above the caller of mk__backtrace are dropped, so the malloc hook passes the number
 * of its own frames and pcs[0] lands in the program's code that called malloc.
 *
 * Contract: never calls malloc or any function that may; safe to call from any thread at once and
 * from a signal handler; never crashes on a broken stack (it stops instead); bounded by max.
 */
#ifndef MEMKIT_PROF_UNWIND_H
#define MEMKIT_PROF_UNWIND_H

#include <stdint.h>

/* Returns the number of addresses written (0..max). With skip = 0, pcs[0] is mk__backtrace's own
 * return address (a PC inside its caller); each further entry is one frame further out. Uses the
 * cached DWARF CFI walker of unwind.c, falling back to the frame-pointer step per frame. */
__attribute__((visibility("hidden"))) int mk__backtrace(uintptr_t *pcs, int max, int skip);

/* mk__backtrace without the caller's own frames: while the PC lies in [own_lo, own_hi) (code that
 * must be built with frame pointers, as src/prof is), frames are skipped by their rbp links instead
 * of being unwound and recorded; pcs[0] is then the first PC outside that range (or inside it, if a
 * link looked unsound). Same contract as mk__backtrace. */
__attribute__((visibility("hidden"))) int mk__backtrace_skip_own(uintptr_t *pcs, int max, uintptr_t own_lo,
                                                                 uintptr_t own_hi);

/* mk__backtrace_skip_own, remembered: a thread's recent walks are kept with every stack word they
 * read (unwind.c, "the walk memo"), and a capture that starts where one of them started, on a stack
 * whose words are all unchanged, is answered without walking. Returns -1 on such a hit, with
 * *value the value the caller attached to that walk (pcs untouched); otherwise walks, fills pcs
 * and returns their number, and the caller should attach its value with mk__backtrace_memo_set
 * before its next capture. The value must be a function of the pcs alone. frame: NULL, or the frame
 * (__builtin_frame_address(0)) of a caller built with frame pointers that is still running: the
 * walk starts at its return address, sparing the hops over the frames in between. Same contract as above;
 * the memo is per thread, and a capture from a signal handler that interrupted another capture of
 * the same thread between the two calls only loses that walk's memo. */
__attribute__((visibility("hidden"))) int mk__backtrace_memo(const void *frame, uintptr_t *pcs, int max,
                                                             uintptr_t own_lo, uintptr_t own_hi, uint32_t *value);
__attribute__((visibility("hidden"))) void mk__backtrace_memo_set(uint32_t value);

/* The same contract with the plain frame-pointer walk only (sound only where every frame keeps a
 * frame pointer). For the benchmark and for comparison; the recorder uses mk__backtrace. */
__attribute__((visibility("hidden"))) int mk__backtrace_fp(uintptr_t *pcs, int max, int skip);

/* How far a frame-pointer walk's result can be trusted: returns k, the number of leading entries
 * of pcs (as mk__backtrace_fp returned them, skip 0 or over frames that keep frame pointers) whose
 * frames keep a frame pointer at that PC by their CFI. pcs[0..k] (k + 1 entries, at most n) are then
 * exactly what mk__backtrace finds. For a recorder that walks frame pointers first and checks each
 * new stack once. Costs one rule lookup per entry (computed on a miss). Same contract as above. */
__attribute__((visibility("hidden"))) int mk__unwind_fp_sound(const uintptr_t *pcs, int n);

/* Forgets the cached unwind rules and rescans the loaded modules on the next miss. The walker
 * notices dlopen/dlclose by itself, but only on a cache miss: code loaded at the very addresses of
 * an unloaded library could hit the old library's rules first. The recorder's dlclose wrapper
 * should call this after dlclose returns. Thread-safe, async-signal-safe, no malloc. */
__attribute__((visibility("hidden"))) void mk__unwind_invalidate(void);

/* Forgets the cached rules only (the module table stays): the next capture of every call site pays
 * the CFI interpretation again. For the benchmark's cold-cache figure. */
__attribute__((visibility("hidden"))) void mk__unwind_forget_rules(void);

#endif
