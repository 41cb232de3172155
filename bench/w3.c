/* w3.c - W3 frames in a shared buffer: mk_bytes split_to / slice against the C view floors, a
 * copying variant, and Rust's bytes::Bytes (bench/rust/src/bin/w3.rs).
 *
 *   build/w3            the table (driver.h: $W3_ROUNDS interleaved rounds, default 9; also written
 *                       to build/results/w3.md)
 *   build/w3 one NAME   one contender once: prints "ns_per_frame checksum frames" (the median of its
 *                       16 passes, each timed alone)
 *
 * Workload (WORKLOADS.md): one 64 MiB buffer of frames [u32 LE len][payload], len = splitmix64(seed
 * 0x5EED0003) % 121, payload byte j of frame f = (u8)(f * 31 + j), appended while they fit; 16 passes;
 * per frame take the payload as a shared slice and add len + first + last byte to a checksum.
 */
#include "driver.h"

#include <stdatomic.h>

#include "memkit/bytes.h"

#define BUF_SIZE ((size_t)64 << 20)
#define PASSES 16
#define ROUNDS 9

static size_t frames;

static size_t build(unsigned char *buf) {
    uint64_t seed = 0x5EED0003;
    size_t off = 0, f = 0;
    for (;;) {
        uint32_t len = (uint32_t)(splitmix64(&seed) % 121);
        if (off + 4 + len > BUF_SIZE) break;
        memcpy(buf + off, &len, 4); /* x86: little-endian */
        for (uint32_t j = 0; j < len; j++) buf[off + 4 + j] = (unsigned char)(f * 31 + j);
        off += 4 + len;
        f++;
    }
    frames = f;
    return off;
}

static inline uint64_t frame_sum(const unsigned char *p, uint32_t len) {
    return len ? (uint64_t)len + p[0] + p[len - 1] : 0;
}

static inline uint32_t rd_len(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Floor 1: a pointer + length view, nothing shared. */
static uint64_t run_view(const unsigned char *buf, size_t used) {
    uint64_t sum = 0;
    {
        const unsigned char *p = buf, *end = buf + used;
        while (p < end) {
            uint32_t len = rd_len(p);
            struct { const unsigned char *ptr; size_t len; } v = {p + 4, len};
            BENCH_KEEP(v.ptr);
            sum += frame_sum(v.ptr, (uint32_t)v.len);
            p += 4 + len;
        }
    }
    return sum;
}

/* Floor 2: the view plus one atomic increment and decrement of a shared count. */
struct rc { size_t refs; };
static MK_NOINLINE void rc_free(struct rc *o) { BENCH_KEEP(o); }
static uint64_t run_view_rc(const unsigned char *buf, size_t used) {
    static struct rc owner = {1};
    uint64_t sum = 0;
    {
        const unsigned char *p = buf, *end = buf + used;
        while (p < end) {
            uint32_t len = rd_len(p);
            struct { const unsigned char *ptr; size_t len; struct rc *o; } v = {p + 4, len, &owner};
            __atomic_fetch_add(&v.o->refs, 1, __ATOMIC_RELAXED);
            sum += frame_sum(v.ptr, (uint32_t)v.len);
            if (__atomic_fetch_sub(&v.o->refs, 1, __ATOMIC_ACQ_REL) == 1) rc_free(v.o);
            p += 4 + len;
        }
    }
    return sum;
}

static uint64_t run_mk_split_to(const mk_bytes *whole) {
    uint64_t sum = 0;
    {
        mk_bytes rest = mk_bytes_clone(whole);
        while (rest.len) {
            uint32_t len = rd_len(rest.ptr);
            mk_bytes_advance(&rest, 4);
            mk_bytes frame = mk_bytes_split_to(&rest, len);
            sum += frame_sum(frame.ptr, (uint32_t)frame.len);
            mk_bytes_drop(&frame);
        }
        mk_bytes_drop(&rest);
    }
    return sum;
}

static uint64_t run_mk_slice(const mk_bytes *whole) {
    uint64_t sum = 0;
    {
        size_t off = 0;
        while (off < whole->len) {
            uint32_t len = rd_len(whole->ptr + off);
            mk_bytes frame = mk_bytes_slice(whole, off + 4, off + 4 + len);
            sum += frame_sum(frame.ptr, (uint32_t)frame.len);
            mk_bytes_drop(&frame);
            off += 4 + len;
        }
    }
    return sum;
}

/* Copying variants: each frame into a fresh allocation. */
static uint64_t run_copy_malloc(const unsigned char *buf, size_t used) {
    uint64_t sum = 0;
    {
        const unsigned char *p = buf, *end = buf + used;
        while (p < end) {
            uint32_t len = rd_len(p);
            unsigned char *c = malloc(len ? len : 1);
            memcpy(c, p + 4, len);
            BENCH_KEEP(c);
            sum += frame_sum(c, len);
            free(c);
            p += 4 + len;
        }
    }
    return sum;
}

static uint64_t run_mk_copy_from(const unsigned char *buf, size_t used) {
    uint64_t sum = 0;
    {
        const unsigned char *p = buf, *end = buf + used;
        while (p < end) {
            uint32_t len = rd_len(p);
            mk_bytes c;
            if (mk_bytes_copy_from(&c, p + 4, len, NULL) != MK_OK) abort();
            sum += frame_sum(c.ptr, len);
            mk_bytes_drop(&c);
            p += 4 + len;
        }
    }
    return sum;
}

static int run_one(const char *name) {
    mk_bytes_mut m;
    if (mk_bytes_mut_with_capacity(&m, BUF_SIZE, NULL) != MK_OK) return 1;
    memset(m.ptr, 0, BUF_SIZE); /* fault it in outside the timed part */
    m.len = build(m.ptr);
    mk_bytes whole = mk_bytes_mut_freeze(&m);
    /* Each pass is timed on its own and the process reports the median pass: on a shared machine a
     * pass that lost the CPU to another process says nothing about the code. */
    double pass_ns[PASSES];
    uint64_t sum = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        uint64_t t0 = now_ns();
        if (!strcmp(name, "view")) sum += run_view(whole.ptr, whole.len);
        else if (!strcmp(name, "view_rc")) sum += run_view_rc(whole.ptr, whole.len);
        else if (!strcmp(name, "mk_split_to")) sum += run_mk_split_to(&whole);
        else if (!strcmp(name, "mk_slice")) sum += run_mk_slice(&whole);
        else if (!strcmp(name, "copy_malloc")) sum += run_copy_malloc(whole.ptr, whole.len);
        else if (!strcmp(name, "mk_copy_from")) sum += run_mk_copy_from(whole.ptr, whole.len);
        else return 2;
        pass_ns[pass] = (double)(now_ns() - t0) / (double)frames;
    }
    printf("%.3f %llu %zu\n", bench_median(pass_ns, PASSES), (unsigned long long)sum, frames);
    mk_bytes_drop(&whole);
    return 0;
}

static void print(FILE *out, const struct bench_run *r) {
    const struct bench_contender *ref = &r->c[0];
    fprintf(out, "%.0f frames x %d passes (per process: the median pass), ", ref->ok ? bench_med(ref, 2) : 0.0, PASSES);
    bench_put_conditions(out, r);
    fprintf(out, "; checksum %s\n\n| contender | ns/frame median | min-max | ratio to view+rc floor |\n|---|---|---|---|\n",
            ref->sum);
    for (int i = 0; i < r->nc; i++) {
        const struct bench_contender *c = &r->c[i];
        if (!c->ok) {
            fprintf(out, "| %s | failed | | |\n", c->label);
            continue;
        }
        fprintf(out, "| %s | %.2f | %.2f-%.2f | %.2fx |\n", c->label, bench_med(c, 0), bench_lo(c, 0), bench_hi(c, 0),
                bench_rat(c, ref, 0));
    }
    if (r->notes[0]) fprintf(out, "\n%s", r->notes);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "one")) return run_one(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: w3 [one CONTENDER]\n");
        return 2;
    }
    static struct bench_run r;
    bench_init(&r, "w3", ROUNDS);
    r.sum_col = 1;
    bench_add_own(&r, "C view + atomic inc/dec (floor, reference)", 0, "view_rc", NULL);
    bench_add_own(&r, "C pointer+length view (floor)", 0, "view", NULL);
    bench_add_own(&r, "mk_bytes_split_to", 0, "mk_split_to", NULL);
    bench_add_own(&r, "mk_bytes_slice", 0, "mk_slice", NULL);
    bench_add_own(&r, "copy: malloc + memcpy + free", 0, "copy_malloc", NULL);
    bench_add_own(&r, "copy: mk_bytes_copy_from + drop", 0, "mk_copy_from", NULL);
    const char *rust = "rust/target/release/w3";
    if (bench_have(&r, rust, "the Rust bytes rows")) {
        bench_add(&r, "Rust bytes::Bytes split_to", 0, rust, "split_to", NULL);
        bench_add(&r, "Rust bytes::Bytes slice", 0, rust, "slice", NULL);
        bench_add(&r, "Rust Bytes::copy_from_slice", 0, rust, "copy", NULL);
    }
    return bench_main(&r, print);
}
