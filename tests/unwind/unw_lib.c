/* unw_lib.c - a small shared library for the unwind suite: a chain of frames in a dlopen'ed object
 * (built without frame pointers) that ends in a callback of the test program. UNW_LIB_VARIANT
 * changes the frame layout so a reload at the same address has other unwind rules. */
typedef int (*unw_cb)(void *);

#ifndef UNW_LIB_VARIANT
#define UNW_LIB_VARIANT 0
#endif

__attribute__((noipa)) static int lib_inner(int d, unw_cb f, void *a) {
    volatile char pad[16 + 48 * UNW_LIB_VARIANT];
    pad[0] = (char)d;
    if (d <= 0) return f(a) + pad[0];
    int r = lib_inner(d - 1, f, a);
    return r + 1 + pad[0];
}

__attribute__((visibility("default"))) int unw_lib_call(int depth, unw_cb f, void *a) {
    int r = lib_inner(depth, f, a);
    return r + 1;
}
