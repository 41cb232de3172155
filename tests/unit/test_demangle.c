/* test_demangle.c - the analyzer's Rust demangler (src/analyzer/demangle.c) on known pairs.
 *
 * The expected strings are GNU c++filt's (binutils 2.40, whose Rust demangler follows
 * rustc-demangle) with its hashes removed, for symbols taken from Debian's rustc 1.63 output
 * (legacy and -C symbol-mangling-version=v0) and hand-built ones for grammar corners; the rest must
 * be refused so that the symbolizer shows them as they are.
 */
#include "harness.h"

#include "../../src/analyzer/demangle.c"

static const char *dm(const char *sym) {
    static char out[4096];
    return mk__rust_demangle(sym, out, sizeof out) ? out : NULL;
}

struct pair {
    const char *sym, *want;
};

TEST(legacy) {
    static const struct pair t[] = {
        {"_ZN5hello4main17h0123456789abcdefE", "hello::main"},
        {"_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$7reserve17h0123456789abcdefE", "hashbrown::raw::RawTable<T,A>::reserve"},
        {"_ZN100_$LT$alloc..ffi..c_str..CString$u20$as$u20$core..convert..From$LT$$RF$core..ffi..c_str..CStr$GT$$GT$4from17h054d115dba92f148E",
         "<alloc::ffi::c_str::CString as core::convert::From<&core::ffi::c_str::CStr>>::from"},
        {"_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h6c1b8cda1b4e8a86E",
         "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>"},
        {"_ZN104_$LT$core..iter..sources..from_fn..FromFn$LT$F$GT$$u20$as$u20$core..iter..traits..iterator..Iterator$GT$4next17h5029af7e7bac568fE",
         "<core::iter::sources::from_fn::FromFn<F> as core::iter::traits::iterator::Iterator>::next"},
        {"_ZN3std2io5stdio19OUTPUT_CAPTURE_USED17h39e9e3e6024dec58E.0.llvm.8113091291293138400",
         "std::io::stdio::OUTPUT_CAPTURE_USED.0"},
        {"_ZN5hello4main17h0123456789abcdefE.llvm.123456", "hello::main"},
        {"_ZN3foo17h0123456789abcdefE", "foo"},
        {"_ZN3foo12$SP$$BP$$RF$17h0123456789abcdefE", "foo::@*&"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *got = dm(t[i].sym);
        if (!CHECK_NOT_NULL(got)) printf("  refused: %s\n", t[i].sym);
        else CHECK_STR_EQ(got, t[i].want);
    }
}

TEST(v0) {
    static const struct pair t[] = {
        {"_RNvCs1AdN8cFC2m1_5hello4main", "hello::main"},
        {"_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar"},
        {"_RNvNtCs_7mycrate3foo3bar", "mycrate::foo::bar"},
        {"_RINvNtCs6IL9ONYDOZW_4core3ptr13drop_in_placeINtNtCsihNoVIYWwLU_5alloc3vec3VecINtNtBL_5boxed3BoxShEEECshPCPd1Hxpnj_5hello",
         "core::ptr::drop_in_place::<alloc::vec::Vec<alloc::boxed::Box<[u8]>>>"},
        {"_RINvNtCs6IL9ONYDOZW_4core3ptr13drop_in_placeQNtNtCsihNoVIYWwLU_5alloc6string6StringECs6LSlotSswqA_3gen",
         "core::ptr::drop_in_place::<&mut alloc::string::String>"},
        {"_RINvNtNtCsdyIG5SqMl5y_3std10sys_common9backtrace28___rust_begin_short_backtraceFEuuECshPCPd1Hxpnj_5hello",
         "std::sys_common::backtrace::__rust_begin_short_backtrace::<fn(), ()>"},
        {"_RNCINvNtCsdyIG5SqMl5y_3std2rt10lang_startuE0CshPCPd1Hxpnj_5hello.llvm.11953675732926068914",
         "std::rt::lang_start::<()>::{closure#0}"},
        {"_RNvMCs6LSlotSswqA_3genINtB2_4WraphKj3_E4showB2_", "<gen::Wrap<u8, 3>>::show"},
        {"_RNvXNtCs6IL9ONYDOZW_4core3fmtQNtNtCsihNoVIYWwLU_5alloc6string6StringNtB2_5Write9write_strCs6LSlotSswqA_3gen",
         "<&mut alloc::string::String as core::fmt::Write>::write_str"},
        {"_RNvXs1m_NtCs6IL9ONYDOZW_4core3fmtTaENtB6_5Debug3fmtCs6LSlotSswqA_3gen", "<(i8,) as core::fmt::Debug>::fmt"},
        {"_RNvXsa_NtCs6IL9ONYDOZW_4core5arrayAhj3_NtNtB7_3fmt5Debug3fmtCs6LSlotSswqA_3gen",
         "<[u8; 3] as core::fmt::Debug>::fmt"},
        {"_RINvMs5_NtCsaSWUN35JBpm_9hashbrown3rawINtB6_8RawTableTNtNtCsihNoVIYWwLU_5alloc6string6StringINtNtBU_3vec3VecmEEE14reserve_rehashNCINvNtB8_3map11make_hasherBQ_BQ_B1s_NtNtNtNtCsdyIG5SqMl5y_3std11collections4hash3map11RandomStateE0ECshPCPd1Hxpnj_5hello.llvm.2627563356466717217",
         "<hashbrown::raw::RawTable<(alloc::string::String, alloc::vec::Vec<u32>)>>::reserve_rehash::<hashbrown::map::make_hasher<"
         "alloc::string::String, alloc::string::String, alloc::vec::Vec<u32>, std::collections::hash::map::RandomState>::{closure#0}>"},
        {"_RNvCsdh0vNxqQoqZ_3uniu22gre__wna1lz4vha0bu2hyj", "uni::größe_берёза"}, /* Punycode */
        /* Hand-built: dyn, fn pointers with ABI and binders, consts, closures and shims. */
        {"_RINvCs1234_7mycrate3fooDNtB2_5TraitEL_E", "mycrate::foo::<dyn mycrate::Trait>"},
        {"_RINvCs1234_7mycrate3fooDNtB2_8Iteratorp4ItemuEL_E", "mycrate::foo::<dyn mycrate::Iterator<Item = ()>>"},
        {"_RINvCs1234_7mycrate3fooFUKCEuE", "mycrate::foo::<unsafe extern \"C\" fn()>"},
        {"_RINvCs1234_7mycrate3fooFK3sysEuE", "mycrate::foo::<extern \"sys\" fn()>"},
        {"_RINvCs1234_7mycrate3fooFG_RL0_hERL0_hE", "mycrate::foo::<for<'a> fn(&'a u8) -> &'a u8>"},
        {"_RINvCs1234_7mycrate3fooAhj10_TeRePhOmEE", "mycrate::foo::<[u8; 16], (str, &str, *const u8, *mut u32)>"},
        {"_RINvCs1234_7mycrate3fooKan5_Kc41_Kb1_KpE", "mycrate::foo::<-5, 'A', true, _>"},
        {"_RINvCs1234_7mycrate3fooKc27_Kce9_Kc5c_Kca_E", "mycrate::foo::<'\\'', 'é', '\\\\', '\\u{a}'>"},
        {"_RINvCs1234_7mycrate3fooKj0_Kjffffffffffffffffff_E", "mycrate::foo::<0, 0xffffffffffffffffff>"},
        {"_RNCNvCs1234_7mycrate4main0B3_", "mycrate::main::{closure#0}"},
        {"_RNCNvCs1234_7mycrate4mains_0B3_", "mycrate::main::{closure#1}"},
        {"_RNSNvCs1234_7mycrate4main6vtableB3_", "mycrate::main::{shim:vtable#0}"},
        {"_RNvCs1234_7mycrate3fooB1_", "mycrate::foo"},
        {"_RNvNtCs1234_7mycrate3foo3bar.cold", "mycrate::foo::bar.cold"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *got = dm(t[i].sym);
        if (!CHECK_NOT_NULL(got)) printf("  refused: %s\n", t[i].sym);
        else CHECK_STR_EQ(got, t[i].want);
    }
}

TEST(refused) {
    static const char *const t[] = {
        "", "_Z", "_ZN", "_R", "main", "malloc",
        "_ZN3foo3barE",                          /* C++ (or Rust without its hash): left to __cxa_demangle */
        "_ZN3foo3bar17h0123456789abcdefEv",      /* C++ function with parameters */
        "_ZN3foo3bar17h0123456789abcdeE",        /* a hash one digit short */
        "_ZN3foo3bar17h0123456789abcdeXE",       /* not hex */
        "_ZN3foo9$XX$17h0123456789abcdefE",      /* unknown escape */
        "_ZN3foo5$u1$x17h0123456789abcdefE",     /* a control character */
        "_ZN99foo17h0123456789abcdefE",          /* length beyond the end */
        "_RNvCs1234_7mycrate",                   /* truncated */
        "_RNvCs1234_7mycrate3fooB2_",            /* a back-reference to a non-path */
        "_RNvCs1234_7mycrate3fooBn_",            /* a back-reference forwards */
        "_RNvCs1234_7mycrate3foo.",              /* a dot alone is a suffix: accepted below */
        "_R1NvCs1234_7mycrate3foo",              /* an encoding version other than 0 */
        "_RNvCs1234_7mycrate3fooX",              /* trailing garbage */
        "_RINvCs1234_7mycrate3fooKj0E",          /* const without its '_' */
        "_RINvCs1234_7mycrate3fooKb2_E",         /* bool 2 */
        "_RINvCs1234_7mycrate3fooKcd800_E",      /* a surrogate char */
        "_RNvCs1234_7mycrate3foozzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "_RINvCs1234_7mycrate3fooFG_RL1_hEuE",   /* a lifetime beyond its binder */
        "_RNvCsZZZZZZZZZZZZZZZZZZZZZZZZZZZZ_1a1b", /* a disambiguator beyond 64 bits */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *got = dm(t[i]);
        if (i == 16) { /* "_RNvCs1234_7mycrate3foo." keeps its suffix */
            CHECK(got && !strcmp(got, "mycrate::foo."));
            continue;
        }
        if (!CHECK_NULL(got)) printf("  accepted %s as %s\n", t[i], got);
    }
}

/* "_RNvCs1234_7mycrate3foo" then an instantiating crate mycrate<T0, ..., Tk> where T0 = (()) and each
 * T(i+1) = (Ti, Ti) by two back-references to Ti: k steps, 2^k nodes. */
static const char *doubling(int k) {
    static char s[4096];
    int n = sprintf(s, "_RNvCs1234_7mycrate3fooICs1234_7mycrate");
    size_t prev = (size_t)n - 2; /* positions count from after "_R" */
    n += sprintf(s + n, "TuE");
    for (int i = 0; i < k; i++) {
        size_t here = (size_t)n - 2;
        char d[16];
        int nd = 0;
        for (size_t v = prev - 1;; v /= 62) { /* base-62 of prev - 1, then '_' */
            d[nd++] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 62];
            if (v < 62) break;
        }
        char ref[20];
        int nr = 0;
        ref[nr++] = 'B';
        while (nd) ref[nr++] = d[--nd];
        ref[nr++] = '_';
        n += sprintf(s + n, "T%.*s%.*sE", nr, ref, nr, ref);
        prev = here;
    }
    strcpy(s + n, "E");
    return s;
}

TEST(bounds) {
    char out[64];
    /* Exactly what fits, and one byte less. */
    CHECK(mk__rust_demangle("_ZN5hello4main17h0123456789abcdefE", out, 12));
    CHECK_STR_EQ(out, "hello::main");
    CHECK(!mk__rust_demangle("_ZN5hello4main17h0123456789abcdefE", out, 11));
    CHECK(!mk__rust_demangle("_RNvCs1AdN8cFC2m1_5hello4main", out, 1));
    CHECK(!mk__rust_demangle(NULL, out, sizeof out));
    /* Deep nesting is refused instead of exhausting the stack: &&&&...u8. */
    static char deep[20000];
    size_t n = 0;
    n += (size_t)sprintf(deep, "_RINvCs1234_7mycrate3foo");
    for (int i = 0; i < 5000; i++) deep[n++] = 'R';
    memcpy(deep + n, "hE", 3);
    CHECK(!mk__rust_demangle(deep, out, sizeof out));
    static char big[1 << 16];
    CHECK(!mk__rust_demangle(deep, big, sizeof big));
    /* Back-references that double at each step, in the instantiating crate (parsed, not printed, so
     * the output bound does not stop it): 2^40 nodes from a short symbol, refused quickly. */
    CHECK(!mk__rust_demangle(doubling(40), big, sizeof big));
    /* The same built 4 deep is a valid symbol: the test builds what it means to. */
    CHECK(mk__rust_demangle(doubling(4), big, sizeof big));
    CHECK_STR_EQ(big, "mycrate::foo");
}

TEST_MAIN()
