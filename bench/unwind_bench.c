/* unwind_bench.c - what one stack capture costs: memkit's cached CFI walker (warm and cold), the
 * frame-pointer walk, glibc's backtrace() and libunwind (unw_backtrace, and unw_step one frame at
 * a time), on call chains of depth 3-12. Built twice by bench/unwind.mk: -O2 -g without frame
 * pointers and with them; src/unwind/unwind.c is always built as the recorder builds it.
 *
 * Every method runs in the same process, in interleaved rounds (the order rotates each round):
 * each round times N captures cycling through depths 3..12 and reports ns per capture net of the
 * same loop without a capture. The P1-like rows time a malloc/free pair of 8-256 B at the end of
 * the chain, alone and followed by a capture, for the ratio the profiler's exact mode will pay.
 * Frames found and agreement (identical PCs from entry 1 on, with unw_step as the reference) are
 * checked once per depth before timing.
 *
 *   unwind_bench LABEL [ROUNDS] [N]
 */
#define _GNU_SOURCE
#include "common.h"
#include "../src/unwind/testing.h"

#include <execinfo.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#define NOIPA __attribute__((noipa))
#define DEPTH 32 /* the profiler's default --depth */

enum {
    M_NONE, M_CFI, M_CFI_COLD, M_FP, M_GLIBC, M_UNW, M_UNW_STEP, M_PAIR, M_PAIR_CFI, M_PAIR_FP,
    M_PAIR_UNW, M_COUNT
};
static const char *const names[M_COUNT] = {
    "(loop without capture)", "memkit CFI walker, warm", "memkit CFI walker, cold rules",
    "frame-pointer walk", "glibc backtrace()", "libunwind unw_backtrace",
    "libunwind unw_step loop (the reference)",
    "P1-like: malloc+free pair", "P1-like: pair + CFI capture", "P1-like: pair + FP capture",
    "P1-like: pair + unw_backtrace",
};

static uintptr_t g_buf[DEPTH];
static int g_frames;
static uint64_t g_rng = 42;

NOIPA static int unw_step_capture(uintptr_t *out, int max) {
    unw_context_t uc;
    unw_cursor_t c;
    int n = 0;
    if (unw_getcontext(&uc) || unw_init_local(&c, &uc)) return 0;
    do {
        unw_word_t ip;
        if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip) break;
        out[n++] = (uintptr_t)ip;
    } while (n < max && unw_step(&c) > 0);
    return n;
}

NOIPA static int leaf(int m) {
    void **vb = (void **)g_buf;
    void *p;
    switch (m) {
    case M_NONE: return g_frames = 0;
    case M_CFI_COLD: mk__unwind_forget_rules(); /* fall through */
    case M_CFI: return g_frames = mk__backtrace(g_buf, DEPTH, 0);
    case M_FP: return g_frames = mk__backtrace_fp(g_buf, DEPTH, 0);
    case M_GLIBC: return g_frames = backtrace(vb, DEPTH);
    case M_UNW: return g_frames = unw_backtrace(vb, DEPTH);
    case M_UNW_STEP: return g_frames = unw_step_capture(g_buf, DEPTH);
    default: break;
    }
    p = malloc(8 + splitmix64(&g_rng) % 249);
    BENCH_KEEP(p);
    if (m == M_PAIR_CFI) g_frames = mk__backtrace(g_buf, DEPTH, 0);
    else if (m == M_PAIR_FP) g_frames = mk__backtrace_fp(g_buf, DEPTH, 0);
    else if (m == M_PAIR_UNW) g_frames = unw_backtrace(vb, DEPTH);
    free(p);
    return 0;
}

/* Three frame shapes, alternating, as in tests/unwind. */
NOIPA static int chain_a(int d, int m);
NOIPA static int chain_b(int d, int m);
NOIPA static int chain_c(int d, int m);
NOIPA static int chain_a(int d, int m) {
    if (d <= 1) return leaf(m);
    int r = chain_b(d - 1, m);
    return r + 1;
}
NOIPA static int chain_b(int d, int m) {
    volatile char pad[200];
    pad[0] = (char)d;
    if (d <= 1) return leaf(m) + pad[0];
    int r = chain_c(d - 1, m);
    return r + pad[0];
}
NOIPA static int chain_c(int d, int m) {
    volatile long x[3] = {d, d, d};
    if (d <= 1) return leaf(m) + (int)x[1];
    int r = chain_a(d - 1, m);
    return r + (int)x[2];
}

/* Captures with method m and with the reference (unw_step) at depth d; returns 1 when they find
 * the same PCs. The reference runs one call deeper (unw_step_capture's own frame comes first), and
 * entry 0 is a different call site in leaf() for each method. */
static int agrees(int m, int d, int *frames) {
    static uintptr_t got[DEPTH];
    int n = 0, ms[2] = {m, M_UNW_STEP};
    if (m == M_UNW_STEP) return *frames = (chain_a(d, m), g_frames), 1;
    for (volatile int pass = 0; pass < 2; pass++) { /* one call site for both captures */
        chain_a(d, ms[pass]);
        if (pass == 0) n = g_frames, memcpy(got, g_buf, sizeof got);
    }
    *frames = n;
    if (n != g_frames - 1) return 0;
    for (int i = 1; i < n; i++)
        if (got[i] != g_buf[i + 1]) return 0;
    return 1;
}

int main(int argc, char **argv) {
    const char *label = argc > 1 ? argv[1] : "?";
    int rounds = argc > 2 ? atoi(argv[2]) : 11;
    long n = argc > 3 ? atol(argv[3]) : 200000;
    int only = argc > 4 ? atoi(argv[4]) : -1; /* profiling one method: times only that one */
    if (rounds < 1 || rounds > 256 || n < 10) return 2;
    static double t[M_COUNT][256];
    int frames[M_COUNT] = {0}, agree[M_COUNT] = {0};

    for (int m = 0; m < M_COUNT; m++) {
        int fsum = 0, ok = 0;
        for (int d = 3; d <= 12; d++) {
            int f;
            ok += agrees(m, d, &f);
            fsum += f;
        }
        frames[m] = fsum;
        agree[m] = ok;
    }
    for (int m = 0; m < M_COUNT; m++) chain_a(5, m); /* warm every path once */

    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < M_COUNT; k++) {
            int m = (k + r) % M_COUNT;
            if (only >= 0 && m != only) continue;
            long iters = m == M_CFI_COLD || m == M_UNW_STEP ? n / 10 : n;
            uint64_t t0 = now_ns();
            for (long i = 0; i < iters; i++) chain_a(3 + (int)(i % 10), m);
            t[m][r] = (double)(now_ns() - t0) / (double)iters;
        }

    printf("\n### %s\n\n", label);
    printf("%ld captures per round (cold and unw_step: %ld), %d interleaved rounds, depths 3-12 "
           "cycling, --depth %d. ns per capture net of the loop without capture (%.1f ns for the "
           "chain itself); the P1-like rows are per pair, not net.\n\n",
           n, n / 10, rounds, DEPTH, bench_median(t[M_NONE], rounds));
    printf("| method | ns/capture median | min-max | ns/frame | vs unw_backtrace (median of per-round "
           "ratios) | frames found, depths 3-12 | same PCs as unw_step |\n|---|---:|---:|---:|---:|---:|---:|\n");
    static double net[M_COUNT][256];
    for (int m = 0; m < M_COUNT; m++)
        for (int r = 0; r < rounds; r++) net[m][r] = m >= M_PAIR ? t[m][r] : t[m][r] - t[M_NONE][r];
    for (int m = 1; m < M_PAIR; m++)
        printf("| %s | %.1f | %.1f-%.1f | %.1f | %.2fx | %d | %d/10 |\n", names[m], bench_median(net[m], rounds),
               bench_min(net[m], rounds), bench_max(net[m], rounds),
               bench_median(net[m], rounds) * 10 / (frames[m] ? frames[m] : 1),
               bench_ratio(net[m], net[M_UNW], rounds), frames[m], agree[m]);
    printf("\n| P1-like (malloc+free of 8-256 B at depth 3-12) | ns/pair median | min-max | ratio to the "
           "bare pair (median per round) |\n|---|---:|---:|---:|\n");
    for (int m = M_PAIR; m < M_COUNT; m++)
        printf("| %s | %.1f | %.1f-%.1f | %.2fx |\n", names[m], bench_median(t[m], rounds), bench_min(t[m], rounds),
               bench_max(t[m], rounds), bench_ratio(t[m], t[M_PAIR], rounds));
    return 0;
}
