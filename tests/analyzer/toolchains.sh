# toolchains.sh - sourced by check.sh after Part 2: `memkit run` on programs from other compilers'
# DWARF. progs/basic.c built with clang (DWARF 5, no .debug_aranges), and a Rust program
# (progs/rusty.rs) built with Debian's rustc, once with the legacy mangling and once with v0. Rust
# names must read as Rust (demangled, hashes dropped), and every frame of each program's own binary
# must carry the inline chain and file:line that `addr2line -i -f -C` prints for the same address.
# Uses check.sh's T, MK, HERE, NOPRELOAD, ok, bad, skip and check.

if ! command -v clang >/dev/null || ! command -v addr2line >/dev/null; then
    skip "clang-built program (needs clang and addr2line)"
elif [ -n "$NOPRELOAD" ]; then
    skip "clang-built program ($NOPRELOAD)"
elif clang -O2 -g -o "$T/basic_clang" "$HERE/progs/basic.c"; then
    (cd "$T" && "$MK" run --format dhat,text -o "$T/basic_clang.json" -- ./basic_clang >/dev/null 2>"$T/basic_clang.txt")
    check "clang: file:line of the program's frames (libdw finds no CU without .debug_aranges)" sh -c "
        grep -q ': grow (basic.c:$(line_of grow))\$' '$T/basic_clang.txt' && grep -q ': via_inline (basic.c:$(line_of via_inline_call))\$' '$T/basic_clang.txt'"
    check "clang: every frame's inline chain and file:line equal addr2line -i's" python3 "$HERE/a2lcheck.py" "$T/basic_clang.json" "$T/basic_clang"
else
    bad "build progs/basic.c with clang"
fi


RUSTC=
if [ -x /usr/bin/rustc ]; then RUSTC=/usr/bin/rustc; elif command -v rustc >/dev/null; then RUSTC=$(command -v rustc); fi
if [ -z "$RUSTC" ]; then
    skip "Rust program (rustc is not installed: apt-get install rustc)"
elif [ -n "$NOPRELOAD" ]; then
    skip "Rust program ($NOPRELOAD)"
elif ! "$RUSTC" -g -C opt-level=2 -o "$T/rusty" "$HERE/progs/rusty.rs" >"$T/rustc.out" 2>&1; then
    bad "build progs/rusty.rs with $RUSTC" "$T/rustc.out"
else
    builds=rusty
    if "$RUSTC" -g -C opt-level=2 -C symbol-mangling-version=v0 -o "$T/rusty_v0" "$HERE/progs/rusty.rs" >"$T/rustc.out" 2>&1; then
        builds="rusty rusty_v0"
    else
        skip "Rust v0 mangling ($RUSTC does not take -C symbol-mangling-version=v0)"
    fi
    for b in $builds; do
        (cd "$T" && "$MK" run --top 0 --format dhat,text,folded -o "$T/$b.json" -- "./$b" >"$T/$b.out" 2>"$T/$b.txt"; echo $? >"$T/st")
        check "rust $b: runs under memkit run, its output and status kept" sh -c "
            [ \$(cat '$T/st') -eq 0 ] && [ \"\$(cat '$T/$b.out')\" = '50 20 5500' ] && [ -s '$T/$b.json' ]"
        check "rust $b: the DHAT file is valid" python3 "$HERE/dhatcheck.py" valid "$T/$b.json"
        # Demangled: the program's own functions by their paths, nothing mangled or hashed anywhere.
        check "rust $b: frames name rusty::build and rusty::main at their lines" sh -c "
            grep -q ': rusty::build (rusty.rs:10)\$' '$T/$b.txt' && grep -q ': rusty::main (rusty.rs:21)\$' '$T/$b.txt' &&
            grep -q ': rusty::boxes (rusty.rs:17)\$' '$T/$b.txt'"
        check "rust $b: hashbrown's table growth named as a Rust path" sh -c "
            grep -qE ': <?hashbrown::raw::RawTable<.*>>?::reserve_rehash' '$T/$b.txt'"
        check "rust $b: no mangled name, hash or \$LT\$ escape in the report, the DHAT file or the folded stacks" sh -c "
            ! grep -nE '(^|[ :;\"])_(ZN|R[A-Z])[0-9A-Za-z_]|::h[0-9a-f]{16}|\\\$(LT|GT|u20|C|RF)\\\$' '$T/$b.txt' '$T/$b.json' '$T/$b.folded'"
        if command -v addr2line >/dev/null; then
            check "rust $b: every frame's inline chain and file:line equal addr2line -i's" python3 "$HERE/a2lcheck.py" "$T/$b.json" "$T/$b"
        else
            skip "rust $b: inline chains against addr2line (binutils not installed)"
        fi
    done
fi
