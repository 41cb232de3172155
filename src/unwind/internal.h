/* internal.h - what unwind.c offers the unwinder's test-only entry points (testing.c). Internal. */
#ifndef MEMKIT_UNWIND_INTERNAL_H
#define MEMKIT_UNWIND_INTERNAL_H

#include <stdint.h>

#define MK__UNW_HIDDEN __attribute__((visibility("hidden")))

/* The top of the stack that holds sp, known to be mapped from sp up; 0 when unknown. */
MK__UNW_HIDDEN uintptr_t mk__unwind_stack_top(uintptr_t sp);

/* 1 when the CFI says the frame whose return address is pc keeps a frame pointer there (CFA = rbp
 * + 16, rbp saved at CFA - 16). One rule lookup (computed and cached on a miss). */
MK__UNW_HIDDEN int mk__unwind_keeps_fp(uintptr_t pc);

/* Starts a new generation of the rule cache: every cached rule is forgotten; the module table
 * stays. */
MK__UNW_HIDDEN void mk__unwind_new_generation(void);

#endif
