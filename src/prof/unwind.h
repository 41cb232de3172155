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

/* Returns the number of addresses written (0..max). */
__attribute__((visibility("hidden"))) int mk__backtrace(uintptr_t *pcs, int max, int skip);

#endif
