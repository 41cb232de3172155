/* unwind.c - interim stack capture by walking the frame-pointer chain.
 *
 * Only sound where every frame keeps a frame pointer; the recorder is built with them, most
 * programs and glibc are not. A DWARF CFI unwinder replaces this walk. Each step checks that the
 * next frame lies above the current one and within a bounded distance, so a bogus chain ends the
 * walk instead of faulting in the common cases.
 */
#include "unwind.h"

__attribute__((noinline)) int mk__backtrace(uintptr_t *pcs, int max, int skip) {
    uintptr_t *fp = __builtin_frame_address(0);
    int n = 0;
    while (fp && n < max) {
        uintptr_t *next = (uintptr_t *)fp[0];
        uintptr_t ret = fp[1];
        if (!ret) break;
        if (skip > 0) skip--;
        else pcs[n++] = ret;
        if (next <= fp || (uintptr_t)next - (uintptr_t)fp > (1u << 20) || ((uintptr_t)next & 7)) break;
        fp = next;
    }
    return n;
}
