/* rule.h - how to step over one frame, packed in one 64-bit word: what the rule cache (cache.h)
 * holds and the walk (unwind.c) reads on its critical path. Internal to src/unwind.
 *
 * Bits 0-31 the CFA offset (int32), 32-39 the return address's offset from the CFA / 8 (int8,
 * K_GENERAL only), 40-47 rbp's save slot from the CFA / 8 (int8, kinds with rbp saved), 48-55 the
 * kind, 56-63 flags (K_GENERAL only). 0 is "no rule".
 *   K_SP       CFA = rsp + off (off >= 8), return address at CFA - 8, rbp unchanged: most frames
 *              without a frame pointer; the next return address is one load at [rsp + off - 8].
 *   K_SPB      the same with rbp saved (a function that uses rbp as a general register).
 *   K_FPFRAME  a frame-pointer frame (CFA = rbp + 16, rbp saved at CFA - 16): stepped from rbp
 *              alone, so the CPU predicts the branch and runs ahead along the rbp chain while the
 *              rule lookups, off the critical path, confirm it.
 *   K_BP       CFA = rbp + off, return address at CFA - 8, rbp saved or not (alloca frames).
 *   K_GENERAL  anything else expressible (return address elsewhere; F_CFA_BP, F_BP_SAVED).
 *   K_FP       no usable CFI: the frame-pointer step if rbp looks sound.
 *   K_STOP     the return address is undefined: the outermost frame.
 *   K_SIGRET   glibc's rt_sigreturn trampoline: the next frame comes from the ucontext.
 */
#ifndef MEMKIT_UNWIND_RULE_H
#define MEMKIT_UNWIND_RULE_H

#include <stdint.h>

#define MK__UNW_HIDDEN __attribute__((visibility("hidden")))

enum { K_SP = 1, K_SPB, K_FPFRAME, K_BP, K_GENERAL, K_FP, K_STOP, K_SIGRET };
enum { F_BP_SAVED = 1, F_CFA_BP = 2 };
#define RULE(kind, flags) ((uint64_t)(kind) << 48 | (uint64_t)(flags) << 56)
#define RULE_KIND(r) ((unsigned)((r) >> 48) & 0xff)
#define RULE_OFF(r) ((intptr_t)(int32_t)(uint32_t)(r))
#define RULE_RA8(r) ((intptr_t)(int8_t)(uint8_t)((r) >> 32))
#define RULE_BP8(r) ((intptr_t)(int8_t)(uint8_t)((r) >> 40))
/* rbp's save slot, 0 when rbp is unchanged (a slot at the CFA itself is never rbp's) */
#define RULE_HAS_BP(r) (((r) >> 40 & 0xff) != 0)

#define MK__USER_TOP (1ull << 47) /* no user-space code above: a larger "return address" is garbage */

/* The rule for the frame whose PC is pc (rules.c): addr = pc - 1 for a return address, pc for an
 * interrupted instruction (exact). Finds pc's module (syncing the module table with the loader once
 * per capture: *synced), glibc's signal trampoline, or the FDE and its CFI. *cacheable is cleared
 * when the answer must not be cached (a garbage PC, or the module table could not be synced). No
 * malloc; async-signal-safe. */
MK__UNW_HIDDEN uint64_t mk__rule_compute(uintptr_t addr, uintptr_t pc, int exact, int *synced, int *cacheable);

#endif
