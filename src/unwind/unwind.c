/* unwind.c - stack capture for the recorder: a cached DWARF CFI walker for x86-64 Linux.
 *
 * The one design decision: every frame is unwound by its module's own .eh_frame CFI, but the CFI
 * is interpreted once per call site, not once per capture. The rule it yields for a return address
 * (CFA = rsp or rbp + N, return address at CFA - 8, rbp saved at CFA + M or unchanged) is packed in
 * one 64-bit word in a fixed-size, lock-free rule cache keyed by the PC, so a warm frame is one
 * probe and one stack load: right where the code has no frame pointers (glibc, -O2 programs), and
 * close to the frame-pointer step where it has them (frame-pointer frames are stepped from rbp, so
 * the CPU runs ahead along the rbp chain while the probes confirm). Chosen over libunwind because,
 * measured in bench/unwind_bench.c (docs/BENCHMARKS.md, "Stack capture"), libunwind's cached
 * unw_backtrace and glibc's backtrace() cost about twice as much per capture on the same stacks,
 * and libunwind would also have to be linked into every profiled program; the plain frame-pointer
 * walk is faster still but stops (or goes wrong) at the first frame without a frame pointer.
 *
 * On a miss: the module holding the PC (executable segments listed by dl_iterate_phdr, which does
 * not malloc, resynced with the loader's adds/subs counters on every capture that misses), its
 * PT_GNU_EH_FRAME binary-search table, the FDE, then the CIE and FDE programs run up to the PC.
 * Expression rules (PLT stubs, stack realignment through a DRAP register) and code without CFI
 * (JIT) take the frame-pointer step if rbp looks sound; glibc's rt_sigreturn trampoline is known
 * by its bytes and crossed through the ucontext on the stack.
 *
 * Robustness: every stack read lies between the capture's own frame and the top of the current
 * stack, a range known to be mapped: up to the thread pointer for glibc threads and to
 * __libc_stack_end for the main thread (each checked once per thread with mincore, which never
 * faults), the sigaltstack as declared for a handler running on one, the mapped memory above sp
 * (up to 4 MiB) on a fiber. Every step must
 * move the stack pointer up and at most 16 signal frames are crossed, so a corrupt stack ends the
 * walk instead of faulting or looping. Module data (.eh_frame) is trusted as the linker wrote it.
 * Never calls malloc; the caches are static arrays (512 KiB of rule cache, its pages touched on
 * demand) and four words of TLS.
 */
#define _GNU_SOURCE
#include "unwind.h"
#include "internal.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <emmintrin.h>

#define UNW_MAX_SKIP 1024         /* a larger skip is a caller's bug: nothing is captured */
#define USER_TOP (1ull << 47)     /* no user-space code above: a larger "return address" is garbage */
#define THREAD_STACK_MAX (1ull << 30)
#define MAIN_STACK_MAX (1ull << 34)  /* both only bound the one-time mincore check */

/* ---- stack bounds ------------------------------------------------------------------------- */

extern void *__libc_stack_end __attribute__((weak));

/* Ranges of this thread's stacks known to be mapped, so stack_top's system calls happen once per
 * thread (and once per fiber switch). Written hi = 0 first, then lo, then hi, so a signal handler
 * that interrupts an update sees an empty range and recomputes. */
static __thread uintptr_t t_thr_lo, t_thr_hi, t_fib_lo, t_fib_hi __attribute__((tls_model("initial-exec")));
static unsigned char g_mincore_vec[16384]; /* mincore's output, never read: 64 MiB per call */

/* 1 when every page of [a, b) is mapped. mincore never faults, allocates nothing, and is
 * async-signal-safe; errno is kept. (A PROT_NONE page counts as mapped: stacks keep their guard
 * page below, where the walk never reads.) */
static int range_mapped(uintptr_t a, uintptr_t b) {
    int saved = errno, ok = 1;
    a &= ~(uintptr_t)4095;
    while (a < b) {
        size_t len = b - a;
        if (len > sizeof g_mincore_vec * 4096) len = sizeof g_mincore_vec * 4096;
        if (mincore((void *)a, len, g_mincore_vec) != 0) {
            ok = 0;
            break;
        }
        a += len;
    }
    errno = saved;
    return ok;
}

static void set_range(uintptr_t *lo, uintptr_t *hi, uintptr_t l, uintptr_t h) {
    *hi = 0;
    atomic_signal_fence(memory_order_seq_cst);
    *lo = l;
    atomic_signal_fence(memory_order_seq_cst);
    *hi = h;
}

/* sp lies below top (closer than max): checks once that all of [sp, top) is mapped, so it is this
 * thread's stack and not a fiber's somewhere below it, and caches the answer. */
static int own_stack(uintptr_t sp, uintptr_t top, uintptr_t max) {
    if (sp >= top || top - sp >= max) return 0;
    /* Grown since the last check: only the new part. */
    uintptr_t from = t_thr_hi == top && t_thr_lo > sp ? t_thr_lo : top;
    if (!range_mapped(sp, from)) return 0;
    set_range(&t_thr_lo, &t_thr_hi, sp & ~(uintptr_t)4095, top);
    return 1;
}

/* One past the highest stack byte the walk may read for the stack holding sp, or 0 when unknown.
 * Every byte of [sp, result) is mapped. */
static __attribute__((noinline)) uintptr_t stack_top_slow(uintptr_t sp) {
    if (sp >= t_fib_lo && sp < t_fib_hi) return t_fib_hi;
    /* A glibc thread: its TCB (the thread pointer) sits at the top of its stack mapping. */
    uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
    if (own_stack(sp, tp, THREAD_STACK_MAX)) return tp;
    /* The main thread: __libc_stack_end is &argc, near the top of the stack mapping. */
    if (&__libc_stack_end && __libc_stack_end) {
        uintptr_t top = ((uintptr_t)__libc_stack_end | 4095) + 1;
        if (own_stack(sp, top, MAIN_STACK_MAX)) return top;
    }
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE)) {
        uintptr_t b = (uintptr_t)ss.ss_sp, e = b + ss.ss_size;
        if (sp >= b && sp < e) return e;
    }
    /* Any other stack (a fiber, a coroutine): as much above sp as is mapped, up to 4 MiB; frames
     * beyond are not reported. A few system calls, once per fiber switch. */
    uintptr_t base = sp & ~(uintptr_t)4095, top = base + 4096; /* sp's own page is mapped */
    for (uintptr_t len = 16384; len <= (4u << 20) && range_mapped(base, base + len); len *= 4)
        top = base + len;
    set_range(&t_fib_lo, &t_fib_hi, base, top);
    return top;
}

static inline uintptr_t stack_top(uintptr_t sp) {
    /* The common case first: this thread's own stack, as checked. */
    if (sp >= t_thr_lo && sp < t_thr_hi) return t_thr_hi;
    return stack_top_slow(sp);
}

/* ---- modules ------------------------------------------------------------------------------ */

#define MOD_MAX 512

struct mod {
    uintptr_t lo, hi;            /* an executable PT_LOAD segment */
    const uint8_t *hdr;          /* its object's .eh_frame_hdr, or NULL */
    const int32_t *table;        /* the sorted (initial_loc, fde) table, datarel sdata4, or NULL */
    uint32_t count;
    _Atomic int dead;            /* no longer loaded (seen missing by a rescan) */
};

/* Append-only: entries [0, g_nmods) are never rewritten once published, only marked dead, so a
 * reader needs no lock. Rescans are serialized by g_mod_lock (try-lock: a thread that finds it
 * held goes on without the rescan rather than wait, so a signal handler cannot deadlock on it). */
static struct mod g_mods[MOD_MAX];
static _Atomic unsigned g_nmods;
static atomic_flag g_mod_lock = ATOMIC_FLAG_INIT;
/* Generation of the rule cache: bumped whenever the set of modules changes. 16 bits are used. */
static _Atomic unsigned g_gen = 1;

static uintptr_t read_enc(const uint8_t **pp, uint8_t enc, uintptr_t datarel, int *ok);

struct scan {
    uint64_t seen[MOD_MAX / 64];
    int changed;
};

static int scan_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    struct scan *s = arg;
    (void)size;
    const uint8_t *hdr = NULL;
    size_t hdr_len = 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME) {
            hdr = (const uint8_t *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
            hdr_len = info->dlpi_phdr[i].p_memsz;
        }
    const int32_t *table = NULL;
    uint32_t count = 0;
    /* version 1, table encoding DW_EH_PE_datarel|sdata4: what every Linux linker writes. */
    if (hdr && hdr_len >= 12 && hdr[0] == 1 && hdr[3] == 0x3b) {
        const uint8_t *p = hdr + 4;
        int ok = 1;
        (void)read_enc(&p, hdr[1], (uintptr_t)hdr, &ok);
        uintptr_t n = read_enc(&p, hdr[2], (uintptr_t)hdr, &ok);
        if (ok && hdr[2] != 0xff && n <= (hdr_len - (size_t)(p - hdr)) / 8) {
            table = (const int32_t *)p;
            count = (uint32_t)n;
        }
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        unsigned n = atomic_load_explicit(&g_nmods, memory_order_relaxed), j;
        for (j = 0; j < n; j++) {
            struct mod *m = &g_mods[j];
            /* Equal fields make an equal entry, whichever object now lies there. */
            if (m->lo == lo && m->hi == hi && m->hdr == hdr && m->table == table && m->count == count &&
                !atomic_load_explicit(&m->dead, memory_order_relaxed))
                break;
        }
        if (j < n) {
            s->seen[j / 64] |= 1ull << (j % 64);
            continue;
        }
        if (n == MOD_MAX) continue; /* full: frames there take the frame-pointer step */
        struct mod *m = &g_mods[n];
        m->lo = lo, m->hi = hi, m->hdr = hdr, m->table = table, m->count = count;
        atomic_store_explicit(&m->dead, 0, memory_order_relaxed);
        atomic_store_explicit(&g_nmods, n + 1, memory_order_release);
        s->seen[n / 64] |= 1ull << (n % 64);
        s->changed = 1;
    }
    return 0;
}

/* The loader's (adds, subs) counters when the table was last rebuilt; a rescan is needed when they
 * move (dlopen/dlclose). */
static _Atomic uint64_t g_adds = UINT64_MAX, g_subs = UINT64_MAX;

static int first_cb(struct dl_phdr_info *info, size_t size, void *arg) {
    uint64_t *c = arg;
    (void)size;
    c[0] = info->dlpi_adds;
    c[1] = info->dlpi_subs;
    return 1;
}

/* Brings the module table up to date with the loader. Costs one dl_iterate_phdr step when nothing
 * changed; called only on a rule-cache miss. Returns 0 when another thread holds the rescan. */
static int mods_sync(void) {
    uint64_t c[2] = {0, 0};
    dl_iterate_phdr(first_cb, c);
    if (c[0] == atomic_load_explicit(&g_adds, memory_order_acquire) &&
        c[1] == atomic_load_explicit(&g_subs, memory_order_acquire))
        return 1;
    if (atomic_flag_test_and_set_explicit(&g_mod_lock, memory_order_acquire)) return 0;
    struct scan s;
    memset(&s, 0, sizeof s);
    dl_iterate_phdr(first_cb, c);
    dl_iterate_phdr(scan_cb, &s);
    unsigned n = atomic_load_explicit(&g_nmods, memory_order_relaxed);
    for (unsigned j = 0; j < n; j++)
        if (!(s.seen[j / 64] >> (j % 64) & 1) &&
            !atomic_load_explicit(&g_mods[j].dead, memory_order_relaxed)) {
            atomic_store_explicit(&g_mods[j].dead, 1, memory_order_relaxed);
            s.changed = 1;
        }
    /* Any change may have put other code (with other rules) at a cached PC: drop every rule. */
    atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
    atomic_store_explicit(&g_adds, c[0], memory_order_release);
    atomic_store_explicit(&g_subs, c[1], memory_order_release);
    atomic_flag_clear_explicit(&g_mod_lock, memory_order_release);
    return 1;
}

static const struct mod *mod_find(uintptr_t pc) {
    unsigned n = atomic_load_explicit(&g_nmods, memory_order_acquire);
    for (unsigned j = n; j-- > 0;) { /* newest first: a reloaded range shadows the old one */
        const struct mod *m = &g_mods[j];
        if (pc >= m->lo && pc < m->hi && !atomic_load_explicit(&m->dead, memory_order_relaxed))
            return m;
    }
    return NULL;
}

/* ---- DWARF reading ------------------------------------------------------------------------ */

/* A LEB128 number: its bits in *v, the shift past its last byte returned, the last byte in *last. */
static unsigned leb(const uint8_t **pp, uint64_t *v, uint8_t *last) {
    const uint8_t *p = *pp;
    unsigned shift = 0;
    uint8_t b;
    *v = 0;
    do {
        b = *p++;
        if (shift < 64) *v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    *pp = p;
    *last = b;
    return shift;
}

static uint64_t uleb(const uint8_t **pp) {
    uint64_t v;
    uint8_t b;
    leb(pp, &v, &b);
    return v;
}

static int64_t sleb(const uint8_t **pp) {
    uint64_t v;
    uint8_t b;
    unsigned shift = leb(pp, &v, &b);
    if (shift < 64 && (b & 0x40)) v |= ~0ull << shift; /* sign-extend from the last byte's bit 6 */
    return (int64_t)v;
}

/* A DW_EH_PE-encoded pointer. Unsupported encodings (textrel, funcrel, aligned, indirect) clear
 * *ok; the caller gives up on that FDE. */
static uintptr_t read_enc(const uint8_t **pp, uint8_t enc, uintptr_t datarel, int *ok) {
    const uint8_t *p = *pp;
    uintptr_t base = 0, v;
    if (enc == 0xff) return 0; /* DW_EH_PE_omit */
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: base = (uintptr_t)p; break;
    case 0x30: base = datarel; break;
    default: *ok = 0; return 0;
    }
    switch (enc & 0x0f) {
    case 0x00: case 0x04: { uint64_t x; memcpy(&x, p, 8); p += 8; v = x; break; }
    case 0x01: v = uleb(&p); break;
    case 0x02: { uint16_t x; memcpy(&x, p, 2); p += 2; v = x; break; }
    case 0x03: { uint32_t x; memcpy(&x, p, 4); p += 4; v = x; break; }
    case 0x09: v = (uintptr_t)sleb(&p); break;
    case 0x0a: { int16_t x; memcpy(&x, p, 2); p += 2; v = (uintptr_t)(intptr_t)x; break; }
    case 0x0b: { int32_t x; memcpy(&x, p, 4); p += 4; v = (uintptr_t)(intptr_t)x; break; }
    case 0x0c: { int64_t x; memcpy(&x, p, 8); p += 8; v = (uintptr_t)x; break; }
    default: *ok = 0; return 0;
    }
    if (enc & 0x80) *ok = 0; /* indirect: not used for FDE ranges */
    *pp = p;
    return base + v;
}

/* ---- rules -------------------------------------------------------------------------------- */

/* A rule in one word, laid out so the walk needs one load and little decoding on its critical
 * path: bits 0-31 the CFA offset (int32), 32-39 the return address's offset from the CFA / 8 (int8,
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
 *   K_SIGRET   glibc's rt_sigreturn trampoline: the next frame comes from the ucontext. */
enum { K_SP = 1, K_SPB, K_FPFRAME, K_BP, K_GENERAL, K_FP, K_STOP, K_SIGRET };
enum { F_BP_SAVED = 1, F_CFA_BP = 2 };
#define RULE(kind, flags) ((uint64_t)(kind) << 48 | (uint64_t)(flags) << 56)
#define RULE_KIND(r) ((unsigned)((r) >> 48) & 0xff)
#define RULE_OFF(r) ((intptr_t)(int32_t)(uint32_t)(r))
#define RULE_RA8(r) ((intptr_t)(int8_t)(uint8_t)((r) >> 32))
#define RULE_BP8(r) ((intptr_t)(int8_t)(uint8_t)((r) >> 40))
/* rbp's save slot, 0 when rbp is unchanged (a slot at the CFA itself is never rbp's) */
#define RULE_HAS_BP(r) (((r) >> 40 & 0xff) != 0)

#define REG_RBP_DW 6
#define REG_RSP_DW 7
#define REG_RA_DW 16

enum { HOW_SAME, HOW_OFFSET, HOW_UNDEF, HOW_OTHER };

struct regstate {
    int cfa_reg;        /* DWARF register, or -1 for an expression */
    int64_t cfa_off;
    uint8_t ra_how, bp_how;
    int64_t ra_off, bp_off;
};

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc;
    int has_z, signal;
    uint64_t ra_reg;
    const uint8_t *insns, *end;
};

/* Runs CFA instructions [p, end) until the location passes target. init is the CIE's state (for
 * DW_CFA_restore), NULL while running the CIE itself. Returns 0, or -1 on anything unsupported
 * that matters for rsp, rbp or the return address. */
static int cfa_run(const uint8_t *p, const uint8_t *end, struct regstate *st,
                   const struct regstate *init, const struct cie *c, uintptr_t loc,
                   uintptr_t target) {
    struct regstate stack[8];
    int depth = 0;
    while (p < end) {
        uint8_t op = *p++;
        uint64_t reg = 0, delta = 0;
        int64_t off = 0;
        int how = -1;
        switch (op >> 6) {
        case 1: delta = op & 0x3f; goto advance;
        case 2: reg = op & 0x3f; off = (int64_t)uleb(&p) * c->data_align; how = HOW_OFFSET; goto setreg;
        case 3: reg = op & 0x3f; goto restore;
        default: break;
        }
        switch (op) {
        case 0x00: break;                                               /* nop */
        case 0x01: {                                                    /* set_loc */
            int ok = 1;
            uintptr_t nl = read_enc(&p, c->fde_enc, 0, &ok);
            if (!ok) return -1;
            if (nl > target) return 0;
            loc = nl;
            break;
        }
        case 0x02: delta = *p++; goto advance;
        case 0x03: { uint16_t x; memcpy(&x, p, 2); p += 2; delta = x; goto advance; }
        case 0x04: { uint32_t x; memcpy(&x, p, 4); p += 4; delta = x; goto advance; }
        case 0x05: reg = uleb(&p); off = (int64_t)uleb(&p) * c->data_align; how = HOW_OFFSET; goto setreg;
        case 0x06: reg = uleb(&p); goto restore;
        case 0x07: reg = uleb(&p); how = HOW_UNDEF; goto setreg;
        case 0x08: reg = uleb(&p); how = HOW_SAME; goto setreg;
        case 0x09: reg = uleb(&p); (void)uleb(&p); how = HOW_OTHER; goto setreg;
        case 0x0a:                                                      /* remember_state */
            if (depth == 8) return -1;
            stack[depth++] = *st;
            break;
        case 0x0b: {                                                    /* restore_state */
            if (depth == 0) return -1;
            /* Restores the CFA rule too, as GCC's and libunwind's readers do. */
            *st = stack[--depth];
            break;
        }
        case 0x0c: st->cfa_reg = (int)uleb(&p); st->cfa_off = (int64_t)uleb(&p); break;
        case 0x0d: st->cfa_reg = (int)uleb(&p); break;
        case 0x0e: st->cfa_off = (int64_t)uleb(&p); break;
        case 0x0f: { uint64_t n = uleb(&p); p += n; st->cfa_reg = -1; break; }
        case 0x10: { reg = uleb(&p); uint64_t n = uleb(&p); p += n; how = HOW_OTHER; goto setreg; }
        case 0x11: reg = uleb(&p); off = sleb(&p) * c->data_align; how = HOW_OFFSET; goto setreg;
        case 0x12: st->cfa_reg = (int)uleb(&p); st->cfa_off = sleb(&p) * c->data_align; break;
        case 0x13: st->cfa_off = sleb(&p) * c->data_align; break;
        case 0x14: reg = uleb(&p); (void)uleb(&p); how = HOW_OTHER; goto setreg;
        case 0x15: reg = uleb(&p); (void)sleb(&p); how = HOW_OTHER; goto setreg;
        case 0x16: { reg = uleb(&p); uint64_t n = uleb(&p); p += n; how = HOW_OTHER; goto setreg; }
        case 0x2e: (void)uleb(&p); break;                               /* GNU_args_size */
        case 0x2f: reg = uleb(&p); off = -(int64_t)uleb(&p) * c->data_align; how = HOW_OFFSET; goto setreg;
        default: return -1;
        }
        continue;
    advance:
        loc += delta * c->code_align;
        if (loc > target) return 0;
        continue;
    restore:
        if (!init) return -1;
        if (reg == REG_RBP_DW) st->bp_how = init->bp_how, st->bp_off = init->bp_off;
        else if (reg == c->ra_reg) st->ra_how = init->ra_how, st->ra_off = init->ra_off;
        continue;
    setreg:
        if (reg == REG_RBP_DW) st->bp_how = (uint8_t)how, st->bp_off = off;
        else if (reg == c->ra_reg) st->ra_how = (uint8_t)how, st->ra_off = off;
        continue;
    }
    return 0;
}

/* A CIE's or FDE's length header (32 bits, or 0xffffffff then 64 bits): moves *pp past it and
 * returns the entry's end, or NULL for a zero length (the terminator). */
static const uint8_t *entry_end(const uint8_t **pp) {
    const uint8_t *p = *pp;
    uint32_t l32;
    uint64_t len;
    memcpy(&l32, p, 4);
    p += 4;
    len = l32;
    if (l32 == 0xffffffffu) { memcpy(&len, p, 8); p += 8; }
    *pp = p;
    return len ? p + len : NULL;
}

static int parse_cie(const uint8_t *p, struct cie *c) {
    const uint8_t *end = entry_end(&p);
    if (!end) return -1;
    uint32_t id;
    memcpy(&id, p, 4);
    p += 4;
    if (id != 0) return -1;
    uint8_t version = *p++;
    const char *aug = (const char *)p;
    size_t alen = strnlen(aug, 16);
    if (alen == 16) return -1;
    p += alen + 1;
    if (aug[0] == 'e' && aug[1] == 'h') p += sizeof(void *);
    c->code_align = uleb(&p);
    c->data_align = sleb(&p);
    c->ra_reg = version == 1 ? *p++ : uleb(&p);
    c->fde_enc = 0;
    c->has_z = 0;
    c->signal = 0;
    const uint8_t *aug_end = NULL;
    for (const char *a = aug; *a; a++) {
        switch (*a) {
        case 'z': { uint64_t n = uleb(&p); aug_end = p + n; c->has_z = 1; break; }
        case 'R': c->fde_enc = *p++; break;
        case 'L': p++; break;
        case 'P': { /* the personality routine: skipped */
            int ok = 1;
            uint8_t enc = *p++;
            (void)read_enc(&p, enc & 0x7f, 0, &ok);
            if (!ok) return -1;
            break;
        }
        case 'S': c->signal = 1; break;
        case 'e': if (a[1] == 'h') { a++; break; } return -1;
        default:
            if (!aug_end) return -1;
            p = aug_end; /* unknown letters are skippable with 'z' */
            goto done;
        }
    }
done:
    if (aug_end) p = aug_end;
    c->insns = p;
    c->end = end;
    return p <= end ? 0 : -1;
}

/* The FDE covering addr in module m, or NULL. */
static const uint8_t *fde_find(const struct mod *m, uintptr_t addr) {
    if (!m->table || !m->count) return NULL;
    uintptr_t base = (uintptr_t)m->hdr;
    size_t lo = 0, hi = m->count;
    /* Last entry with initial_loc <= addr. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (base + (intptr_t)m->table[2 * mid] <= addr) lo = mid;
        else hi = mid;
    }
    if (base + (intptr_t)m->table[2 * lo] > addr) return NULL;
    return (const uint8_t *)(base + (intptr_t)m->table[2 * lo + 1]);
}

static uint64_t pack_rule(const struct regstate *st) {
    if (st->ra_how == HOW_UNDEF) return RULE(K_STOP, 0);
    if (st->cfa_reg != REG_RSP_DW && st->cfa_reg != REG_RBP_DW) return RULE(K_FP, 0);
    if (st->ra_how != HOW_OFFSET || (st->bp_how != HOW_SAME && st->bp_how != HOW_OFFSET &&
                                     st->bp_how != HOW_UNDEF))
        return RULE(K_FP, 0);
    if (st->cfa_off < INT32_MIN || st->cfa_off > INT32_MAX) return RULE(K_FP, 0);
    if ((st->ra_off & 7) || st->ra_off < -1024 || st->ra_off > 1016) return RULE(K_FP, 0);
    int from_bp = st->cfa_reg == REG_RBP_DW;
    unsigned flags = from_bp ? F_CFA_BP : 0;
    uint64_t r = (uint32_t)(int32_t)st->cfa_off | (uint64_t)(uint8_t)(int8_t)(st->ra_off / 8) << 32;
    if (st->bp_how == HOW_OFFSET) {
        if (from_bp && st->cfa_off == 16 && st->ra_off == -8 && st->bp_off == -16)
            return RULE(K_FPFRAME, 0);
        if ((st->bp_off & 7) || st->bp_off < -1024 || st->bp_off > 1016) return RULE(K_FP, 0);
        flags |= F_BP_SAVED;
        r |= (uint64_t)(uint8_t)(int8_t)(st->bp_off / 8) << 40;
    }
    unsigned kind = K_GENERAL;
    if (st->ra_off == -8 && !(flags & F_BP_SAVED && st->bp_off == 0)) {
        if (from_bp) kind = K_BP;
        else if (st->cfa_off >= 8) kind = (flags & F_BP_SAVED) ? K_SPB : K_SP;
    }
    return r | RULE(kind, kind == K_GENERAL ? flags : 0); /* the fast kinds carry no flags */
}

/* The rule for the frame whose PC is pc (addr = pc - 1 for a return address, pc for an
 * interrupted instruction). The module table is synced with the loader once per capture (*synced);
 * *cacheable is cleared when that was not possible (another thread was rescanning). */
static uint64_t rule_compute(uintptr_t addr, uintptr_t pc, int exact, int *synced,
                             int *cacheable) {
    if (pc >= USER_TOP) { /* garbage: its bits would spill into the key's generation */
        *cacheable = 0;
        return RULE(K_FP, 0);
    }
    if (!*synced) {
        *synced = 1;
        if (!mods_sync()) *cacheable = 0;
    }
    const struct mod *m = mod_find(addr);
    if (!m) return RULE(K_FP, 0); /* JIT code or garbage: the frame-pointer step, if rbp looks sound */
    /* glibc's __restore_rt: mov $15, %rax; syscall. The handler returns to its first byte. */
    static const uint8_t sigret[9] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
    if (!exact && pc >= m->lo && pc + sizeof sigret <= m->hi && !memcmp((const void *)pc, sigret, 9))
        return RULE(K_SIGRET, 0);
    const uint8_t *fde = fde_find(m, addr);
    if (!fde) return RULE(K_FP, 0);
    const uint8_t *p = fde, *end = entry_end(&p);
    if (!end) return RULE(K_FP, 0);
    uint32_t cie_off;
    memcpy(&cie_off, p, 4);
    if (!cie_off) return RULE(K_FP, 0);
    struct cie c;
    if (parse_cie(p - cie_off, &c) < 0) return RULE(K_FP, 0);
    p += 4;
    int ok = 1;
    uintptr_t begin = read_enc(&p, c.fde_enc, (uintptr_t)m->hdr, &ok);
    uintptr_t range = read_enc(&p, c.fde_enc & 0x0f, 0, &ok);
    if (!ok || addr < begin || addr - begin >= range) return RULE(K_FP, 0);
    if (c.has_z) { uint64_t n = uleb(&p); p += n; }
    struct regstate st = {REG_RSP_DW, 8, HOW_OFFSET, HOW_SAME, -8, 0}, init;
    if (cfa_run(c.insns, c.end, &st, NULL, &c, begin, UINTPTR_MAX) < 0) return RULE(K_FP, 0);
    init = st;
    if (cfa_run(p, end, &st, &init, &c, begin, addr) < 0) return RULE(K_FP, 0);
    return pack_rule(&st);
}

/* ---- the rule cache ----------------------------------------------------------------------- */

/* Two-way set associative, indexed by the PC's low bits (no hashing: the lookup is on the walk's
 * critical path, and return addresses' low bits are well spread). An entry is valid for a PC when
 * its key word equals (pc | gen << 48) before and after its rule is read: a seqlock in two words
 * (a writer claims the key with a compare-and-swap, writes the rule, then publishes the key). */
#define CACHE_BITS 15
struct slot {
    _Atomic uint64_t key, val;
};
static struct slot g_cache[1u << CACHE_BITS];

static inline uint64_t cache_key(uintptr_t pc, uint64_t genbits) {
    return pc | genbits; /* PCs above user space are garbage and never cached (rule_compute) */
}

static inline uint64_t slot_get(struct slot *s, uint64_t k) {
    if (atomic_load_explicit(&s->key, memory_order_acquire) != k) return 0;
    uint64_t v = atomic_load_explicit(&s->val, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->key, memory_order_relaxed) != k) return 0;
    return v;
}

static inline struct slot *set_for(uintptr_t pc) {
    return &g_cache[pc & ((1u << CACHE_BITS) - 2)];
}

#define KEY_BUSY 1 /* a writer owns the slot; never a valid key (a key's generation is not 0) */

static void cache_put(uintptr_t pc, uint64_t genbits, uint64_t v) {
    struct slot *set = set_for(pc), *s = &set[1];
    /* A way that is empty or of an older generation, else evict the second way: an entry that
     * was just filled in the first way stays. */
    uint64_t k0 = atomic_load_explicit(&set[0].key, memory_order_relaxed);
    if (!k0 || (k0 != KEY_BUSY && (k0 & ~0xffffffffffffull) != genbits)) s = &set[0];
    /* Writers exclude each other by claiming the key (two writers of different PCs interleaving
     * their stores would publish one PC's key over the other's rule). A slot being written, by
     * another thread or by the code this signal handler interrupted, is simply not cached into. */
    uint64_t old = atomic_load_explicit(&s->key, memory_order_relaxed);
    if (old == KEY_BUSY ||
        !atomic_compare_exchange_strong_explicit(&s->key, &old, KEY_BUSY, memory_order_acquire,
                                                 memory_order_relaxed))
        return;
    atomic_store_explicit(&s->val, v, memory_order_relaxed);
    atomic_store_explicit(&s->key, cache_key(pc, genbits), memory_order_release);
}

/* The generation in a key's top 16 bits; never 0, so a key is never 0 and genbits 0 never hits. */
static inline uint64_t gen_bits(void) {
    return (uint64_t)((atomic_load_explicit(&g_gen, memory_order_acquire) & 0x7fff) | 0x8000) << 48;
}

void mk__unwind_new_generation(void) {
    atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
}

void mk__unwind_invalidate(void) {
    atomic_store_explicit(&g_adds, UINT64_MAX, memory_order_release); /* forces the next rescan */
    atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
}

/* ---- the walk ----------------------------------------------------------------------------- */

/* a .. a+8 lies within [lo, hi) */
static inline int in_stack(uintptr_t a, uintptr_t lo, uintptr_t hi) {
    return a >= lo && a <= hi - 8;
}

/* ucontext_t: uc_mcontext.gregs at offset 40; REG_RBP 10, REG_RSP 15, REG_RIP 16 (sys/ucontext.h). */
#define UC_GREG(uc, i) ((uc) + 40 + 8 * (i))
#define MAX_SIGFRAMES 16      /* signal frames crossed per capture at most (each may switch stacks) */

/* The walk's state where the rare paths need it; the hot loop keeps its own copies in registers. */
/* ---- the walk memo -----------------------------------------------------------------------
 *
 * A walk is a pure function of where it starts (pc, sp, and rbp if a rule reads it before the walk
 * reloads it), of the stack's top, of the cached rules (their generation) and of the stack words it
 * reads. So each thread remembers its last few walks: the starting registers, every (address,
 * value) the walk read, and a value the caller attached (the recorder's site number). The next
 * capture that starts at the same pc and sp compares those words again; if none changed, the walk
 * would find the very same frames, and the attached value is the answer. The comparisons do not
 * depend on each other, so the CPU issues them all at once, where the walk itself is a chain of
 * dependent loads: a warm capture of 12 frames costs a few nanoseconds instead of tens.
 * Walks that cross a signal frame, read more than MEMO_READS words, or see the rules change while
 * they run are not remembered. 16 entries (4 sets of 4) of about 830 bytes in each thread's TLS. */
#define MEMO_READS 64
#define MEMO_SETS 4
#define MEMO_WAYS 4
struct memo {
    uintptr_t pc0, sp0, bp0, hi;
    uint64_t genbits;
    uint32_t value;
    uint16_t nreads;  /* while filling: all reads; once valid: the single ones, after the pairs */
    uint16_t npairs;  /* once valid: reads of adjacent words, merged (see memo_pack) */
    uint8_t valid;    /* complete, with a value attached */
    uint8_t uses_bp0; /* a rule read rbp before the walk reloaded it: bp0 is part of the key */
    uint8_t bp_loaded, bad; /* while filling */
    int max;
    uint32_t off[MEMO_READS]; /* address - sp0 */
    uint64_t val[MEMO_READS];
};

/* Once a walk is complete: reads of adjacent words (a frame-pointer frame's saved rbp and return
 * address) become one 16-byte compare each, stored first: off[k] and val[2k], val[2k + 1] for the
 * k < npairs pairs, then the single reads at off[npairs + i] and val[2 npairs + i]. */
static void memo_pack(struct memo *e) {
    uint32_t off[MEMO_READS];
    uint64_t val[MEMO_READS];
    unsigned n = e->nreads, np = 0, ns = 0;
    uint8_t used[MEMO_READS] = {0};
    memcpy(off, e->off, sizeof *off * n);
    memcpy(val, e->val, sizeof *val * n);
    for (unsigned j = 0; j + 1 < n; j++) {
        unsigned lo = off[j + 1] + 8 == off[j] ? j + 1 : off[j] + 8 == off[j + 1] ? j : n;
        if (lo == n) continue;
        unsigned hi = lo == j ? j + 1 : j;
        e->off[np] = off[lo];
        e->val[2 * np] = val[lo];
        e->val[2 * np + 1] = val[hi];
        used[j] = used[j + 1] = 1;
        np++;
        j++;
    }
    for (unsigned j = 0; j < n; j++) {
        if (used[j]) continue;
        e->off[np + ns] = off[j];
        e->val[2 * np + ns] = val[j];
        ns++;
    }
    e->npairs = (uint16_t)np;
    e->nreads = (uint16_t)ns;
}
static __thread struct memo t_memo[MEMO_SETS * MEMO_WAYS] __attribute__((tls_model("initial-exec")));
/* Each set's keys side by side, so a probe reads one cache line; pc 0 marks a way without a memo. */
static __thread struct { uintptr_t pc0[MEMO_WAYS], sp0[MEMO_WAYS]; } t_memo_tags[MEMO_SETS]
    __attribute__((tls_model("initial-exec")));
static __thread struct memo *t_memo_pending __attribute__((tls_model("initial-exec")));
static __thread unsigned t_memo_next __attribute__((tls_model("initial-exec")));

/* A stack word the walk reads, logged when a memo is being filled. */
static inline __attribute__((always_inline)) uintptr_t rd(struct memo *lg, uintptr_t a) {
    uintptr_t v = *(const uintptr_t *)a;
    if (lg) {
        unsigned n = lg->nreads;
        if (n < MEMO_READS && a - lg->sp0 <= UINT32_MAX) {
            lg->off[n] = (uint32_t)(a - lg->sp0);
            lg->val[n] = v;
            lg->nreads = (uint16_t)(n + 1);
        } else {
            lg->bad = 1;
        }
    }
    return v;
}
/* rbp is about to be used as an address: while it still holds its value from the walk's start,
 * that value becomes part of the memo's key. */
static inline __attribute__((always_inline)) void use_bp(struct memo *lg) {
    if (lg && !lg->bp_loaded) lg->uses_bp0 = 1;
}
static inline __attribute__((always_inline)) uintptr_t rd_bp(struct memo *lg, uintptr_t a) {
    if (lg) lg->bp_loaded = 1;
    return rd(lg, a);
}

struct wstate {
    uintptr_t pc, sp, bp, lo, hi;
    struct memo *lg; /* the walk memo being filled (see "the walk memo" below), or NULL */
    uint64_t genbits;
    int synced;   /* the module table was synced with the loader during this capture */
    int exact;    /* pc is an interrupted instruction (after a signal frame), not a return address */
    int sigframes;
};

/* A cache miss, or the PC after a signal frame (an interrupted instruction, not a return address,
 * whose rule is not cached: they only occur in signal handlers). Computes the rule and caches it.
 * Out of line so the walk's loop stays small. */
__attribute__((noinline, cold)) static uint64_t rule_miss(struct wstate *w, uintptr_t pc) {
    int exact = w->exact, cacheable = !exact;
    w->exact = 0;
    uint64_t r = rule_compute(exact ? pc : pc - 1, pc, exact, &w->synced, &cacheable);
    w->genbits = gen_bits();
    if (cacheable) cache_put(pc, w->genbits, r);
    else if (w->lg) w->lg->bad = 1; /* a rule from a module table that may be stale */
    return r;
}

/* The rules the hot loop does not step itself. Returns 0 to end the walk. */
__attribute__((noinline)) static int step_rare(struct wstate *w, uint64_t r) {
    uintptr_t sp = w->sp, bp = w->bp, lo = w->lo, hi = w->hi;
    struct memo *lg = w->lg;
    switch (RULE_KIND(r)) {
    case K_GENERAL: {
        if (r >> 56 & F_CFA_BP) use_bp(lg);
        uintptr_t cfa = ((r >> 56 & F_CFA_BP) ? bp : sp) + RULE_OFF(r);
        uintptr_t ra_at = cfa + 8 * RULE_RA8(r);
        if (cfa <= sp || cfa > hi || !in_stack(ra_at, lo, hi)) return 0;
        if (r >> 56 & F_BP_SAVED) {
            uintptr_t bp_at = cfa + 8 * RULE_BP8(r);
            if (!in_stack(bp_at, lo, hi)) return 0;
            w->bp = rd_bp(lg, bp_at);
        }
        w->pc = rd(lg, ra_at);
        w->sp = cfa;
        return 1;
    }
    case K_FP: {
        /* No usable CFI here: trust rbp only if it looks like a frame above this one. */
        use_bp(lg);
        if (bp < sp || bp > hi - 16) return 0;
        w->pc = rd(lg, bp + 8);
        w->sp = bp + 16;
        w->bp = rd_bp(lg, bp);
        return 1;
    }
    case K_SIGRET: {
        /* sp is the handler's CFA, which is the ucontext of the rt_sigframe. */
        if (lg) lg->bad = 1; /* not remembered: the interrupted context is not a call chain */
        if (++w->sigframes > MAX_SIGFRAMES) return 0;
        if (!in_stack(sp, lo, hi) || !in_stack(UC_GREG(sp, 16), lo, hi)) return 0;
        w->pc = *(const uintptr_t *)UC_GREG(sp, 16);
        w->bp = *(const uintptr_t *)UC_GREG(sp, 10);
        w->sp = sp = *(const uintptr_t *)UC_GREG(sp, 15);
        w->exact = 1;
        w->genbits = 0; /* the next lookup misses: see step() */
        /* The interrupted code may run on another stack (the handler on a sigaltstack). */
        if (sp < lo || sp >= hi) {
            w->lo = sp;
            w->hi = stack_top(sp);
            if (!w->hi) w->hi = sp; /* unknown stack: nothing more can be read */
        }
        return 1;
    }
    default: return 0; /* K_STOP: the return address is undefined (_start, thread start) */
    }
}

/* One step of the walk from (pc, sp, bp); returns 0 at the end of the stack. Inlined twice: in the
 * loop that skips frames and in the one that records them. */
static inline __attribute__((always_inline)) int step(struct wstate *w, uintptr_t *pcp, uintptr_t *spp,
                                                      uintptr_t *bpp, uintptr_t hi) {
    uintptr_t pc = *pcp, sp = *spp, bp = *bpp, cfa;
    /* After a signal frame w->genbits is 0, which no cached key has: the interrupted PC goes to
     * rule_miss, which knows it is not a return address. */
    struct slot *set = set_for(pc);
    uint64_t k = pc | w->genbits;
    /* The first way, read as a seqlock with one combined test (the usual hit). */
    uint64_t k1 = atomic_load_explicit(&set[0].key, memory_order_acquire);
    uint64_t r = atomic_load_explicit(&set[0].val, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    uint64_t k2 = atomic_load_explicit(&set[0].key, memory_order_relaxed);
    if (__builtin_expect((k1 ^ k) | (k2 ^ k), 0)) {
        r = slot_get(&set[1], k);
        if (!r) r = rule_miss(w, pc);
    }
    unsigned kind = (unsigned)(r >> 48); /* the kinds stepped here have no flags */
    struct memo *lg = w->lg;             /* NULL, known at compile time, outside the memo's walk */
    if (kind == K_SP) { /* no __builtin_expect: it would make the compiler spill rbp */
        cfa = sp + RULE_OFF(r); /* off >= 8, so cfa - 8 >= sp >= lo */
        if (cfa > hi) return 0;
        *pcp = rd(lg, cfa - 8);
        *spp = cfa;
        return 1;
    }
    if (kind == K_FPFRAME) {
        /* Stepped from rbp alone: the branch is predicted, so the CPU runs ahead along the rbp
         * chain while the rule lookups confirm it. */
        use_bp(lg);
        if (bp < sp || bp > hi - 16) return 0;
        *pcp = rd(lg, bp + 8);
        *spp = bp + 16;
        *bpp = rd_bp(lg, bp);
        return 1;
    }
    if (kind == K_SPB || kind == K_BP) {
        if (kind == K_BP) use_bp(lg);
        cfa = (kind == K_SPB ? sp : bp) + RULE_OFF(r);
        if (cfa < sp + 8 || cfa > hi) return 0;
        if (RULE_HAS_BP(r)) {
            uintptr_t bp_at = cfa + 8 * RULE_BP8(r);
            if (!in_stack(bp_at, w->lo, hi)) return 0;
            *bpp = rd_bp(lg, bp_at);
        }
        *pcp = rd(lg, cfa - 8);
        *spp = cfa;
        return 1;
    }
    w->pc = pc, w->sp = sp, w->bp = bp;
    if (!step_rare(w, r)) return 0;
    *pcp = w->pc, *spp = w->sp, *bpp = w->bp;
    return 1;
}

/* own_lo..own_hi: the caller's own code, built with frame pointers: while the PC lies there, frames
 * are skipped by their rbp links (one load each) rather than unwound; a link that does not point
 * into the stack above sp ends that and the CFI walk goes on from there. */
static inline __attribute__((always_inline)) int walk_core(uintptr_t *pcs, int max, int skip, uintptr_t pc,
                                                          uintptr_t sp, uintptr_t bp, uintptr_t lo,
                                                          uintptr_t hi, struct memo *lg) {
    struct wstate w = {.lo = lo, .hi = hi, .genbits = gen_bits(), .lg = lg};
    int n = 0;
    /* No step counter: every step moves sp up by at least 8 within [lo, hi), and only a signal
     * frame (at most MAX_SIGFRAMES) may move it elsewhere. A PC below 4096 is the outermost
     * frame's 0 or garbage; one above user space misses the cache and ends in rule_miss. */
    for (; skip > 0; skip--)
        if (pc < 4096 || !step(&w, &pc, &sp, &bp, w.hi)) return 0;
    while (n < max && pc >= 4096) {
        pcs[n++] = pc;
        if (n == max || !step(&w, &pc, &sp, &bp, w.hi)) break;
    }
    return n;
}

/* The stack's top for a capture whose own frame is at lo (see stack_top); an unknown stack gets
 * lo, so only the first frame, read from the capture's own frame, is reported. */
static inline uintptr_t capture_top(uintptr_t lo) {
    uintptr_t hi = stack_top(lo);
    return hi ? hi : lo;
}

/* own_lo..own_hi: the caller's own code, built with frame pointers: while the PC lies there, frames
 * are skipped by their rbp links (one load each) rather than unwound; a link that does not point
 * into the stack above sp ends that and the CFI walk goes on from there. */
static inline __attribute__((always_inline)) void skip_own(uintptr_t *pc, uintptr_t *sp, uintptr_t *bp,
                                                           uintptr_t hi, uintptr_t own_lo, uintptr_t own_hi) {
    for (int k = 0; k < 8 && *pc >= own_lo && *pc < own_hi; k++) {
        if (*bp < *sp || *bp > hi - 16 || (*bp & 7)) break;
        const uintptr_t *f = (const uintptr_t *)*bp;
        *pc = f[1];
        *sp = *bp + 16;
        *bp = f[0];
    }
}

__attribute__((noinline)) static int walk(uintptr_t *pcs, int max, int skip, uintptr_t pc, uintptr_t sp,
                                          uintptr_t bp, uintptr_t lo) {
    if (skip > UNW_MAX_SKIP) return 0;
    return walk_core(pcs, max, skip, pc, sp, bp, lo, capture_top(lo), NULL);
}

__attribute__((noinline)) static int walk_logged(uintptr_t *pcs, int max, uintptr_t pc, uintptr_t sp,
                                                 uintptr_t bp, uintptr_t hi, struct memo *lg) {
    return walk_core(pcs, max, 0, pc, sp, bp, sp, hi, lg);
}

__attribute__((noinline)) int mk__backtrace(uintptr_t *pcs, int max, int skip) {
    /* Taking the frame address gives this function a frame pointer even when the file is built
     * without them: fp[0] is the caller's rbp, fp[1] the return address, fp + 2 the caller's rsp. */
    const uintptr_t *fp = __builtin_frame_address(0);
    return walk(pcs, max, skip, fp[1], (uintptr_t)(fp + 2), fp[0], (uintptr_t)fp);
}

int mk__backtrace_memo(const void *frame, uintptr_t *pcs, int max, uintptr_t own_lo, uintptr_t own_hi,
                       uint32_t *value) {
    const uintptr_t *fp = frame ? frame : __builtin_frame_address(0);
    uintptr_t pc = fp[1], sp = (uintptr_t)(fp + 2), bp = fp[0], hi = capture_top((uintptr_t)fp);
    skip_own(&pc, &sp, &bp, hi, own_lo, own_hi);
    t_memo_pending = NULL;
    uint64_t genbits = gen_bits();
    unsigned si = (unsigned)((pc ^ (sp >> 4)) * 0x9E3779B97F4A7C15ull >> 62);
    struct memo *set = &t_memo[si * MEMO_WAYS];
    for (int i = 0; i < MEMO_WAYS; i++) {
        if (t_memo_tags[si].pc0[i] != pc || t_memo_tags[si].sp0[i] != sp) continue;
        struct memo *e = &set[i];
        if (!e->valid || e->hi != hi || e->genbits != genbits || e->max != max ||
            (e->uses_bp0 && e->bp0 != bp))
            continue;
        /* Every word compared, no early exit: the loads are independent of each other. The
         * addresses were read by the walk within [sp, hi) of this same stack, so they are mapped. */
        __m128i acc = _mm_setzero_si128();
        unsigned np = e->npairs;
        for (unsigned k = 0; k < np; k++)
            acc = _mm_or_si128(acc, _mm_xor_si128(_mm_loadu_si128((const __m128i *)(sp + e->off[k])),
                                                  _mm_loadu_si128((const __m128i *)&e->val[2 * k])));
        uint64_t diff = (uint64_t)_mm_cvtsi128_si64(acc) | (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc));
        for (unsigned j = 0; j < e->nreads; j++) diff |= *(const uint64_t *)(sp + e->off[np + j]) ^ e->val[2 * np + j];
        if (!diff) {
            *value = e->value;
            return -1;
        }
    }
    unsigned way = t_memo_next++ % MEMO_WAYS;
    struct memo *e = &set[way];
    e->valid = 0;
    t_memo_tags[si].pc0[way] = pc;
    t_memo_tags[si].sp0[way] = sp;
    e->pc0 = pc, e->sp0 = sp, e->bp0 = bp, e->hi = hi, e->genbits = genbits, e->max = max;
    e->nreads = 0, e->uses_bp0 = 0, e->bp_loaded = 0, e->bad = 0;
    int n = walk_logged(pcs, max, pc, sp, bp, hi, e);
    if (!e->bad && gen_bits() == genbits) t_memo_pending = e;
    return n;
}

void mk__backtrace_memo_set(uint32_t value) {
    struct memo *e = t_memo_pending;
    if (!e) return;
    t_memo_pending = NULL;
    memo_pack(e);
    e->value = value;
    e->valid = 1;
}

int mk__unwind_keeps_fp(uintptr_t pc) {
    struct wstate w = {.genbits = gen_bits()};
    if (pc < 4096) return 0;
    struct slot *set = set_for(pc);
    uint64_t key = cache_key(pc, w.genbits);
    uint64_t r = slot_get(&set[0], key);
    if (!r) r = slot_get(&set[1], key);
    if (!r) r = rule_miss(&w, pc);
    return RULE_KIND(r) == K_FPFRAME;
}

uintptr_t mk__unwind_stack_top(uintptr_t sp) { return stack_top(sp); }
