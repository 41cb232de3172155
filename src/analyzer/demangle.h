/* demangle.h - Rust symbol names as people read them, for the symbolizer.
 *
 * Two manglings exist: the legacy one (Itanium-shaped, "_ZN5hello4main17h0123456789abcdefE", with
 * `$LT$`-style escapes and a hash as the last path element) and v0 ("_RNvCs1AdN8cFC2m1_5hello4main",
 * RFC 2603, with generic arguments, impls, closures and back-references). Both are shown as
 * rustc-demangle's alternate form shows them (and valgrind, which uses the same rules): the legacy
 * hash and v0's crate disambiguators are dropped, so the examples read `hello::main`. An LLVM
 * `.llvm.<digits>` suffix is dropped; other `.suffix`es are kept. Internal.
 */
#ifndef MEMKIT_ANALYZER_DEMANGLE_H
#define MEMKIT_ANALYZER_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the demangled form of sym, NUL-terminated, into out[0..cap) and returns true when sym is a
 * well-formed Rust symbol (a legacy one must end in its `h<16 hex digits>` hash, so C++ names are
 * never taken for Rust) whose demangled form fits. Otherwise returns false and out holds an
 * unspecified string. Never reads past sym's NUL, recursion and work are bounded, no allocation;
 * thread-safe. */
bool mk__rust_demangle(const char *sym, char *out, size_t cap);

#endif
