#!/bin/sh
# check.sh - the profiler's recorder suite: builds the purpose-built programs of progs/ and the
# raw-profile dumper, runs them under build/rel/libmemkit-prof.so, checks the counts known in
# advance, and where valgrind is installed compares with valgrind --tool=dhat. Ends with
# "prof: N passed, N failed". Run after `make MODE=rel all`.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/rel/prof-tests
lib=$top/build/rel/libmemkit-prof.so
mkdir -p "$out"
. "$top/tests/lib.sh"
suite prof
if [ ! -f "$lib" ]; then
    bad "prof: $lib is missing: run make MODE=rel all first"
    finish
fi
fail_build=0
# -no-pie: the same addresses natively and under valgrind, so sites can be matched by address.
PFLAGS="-O1 -g -no-pie -fno-omit-frame-pointer -pthread -Wno-alloc-size-larger-than"
$CC -O2 -g -I"$top/include" -I"$top/src/analyzer" -o "$out/rawcheck" "$top/tests/prof/rawcheck.c" \
    "$top/build/rel/libmemkit-analyzer.a" "$top/build/rel/libmemkit.a" || fail_build=1
for c in "$top"/tests/prof/progs/*.c; do
    $CC $PFLAGS -rdynamic -o "$out/$(basename "$c" .c)" "$c" -ldl || fail_build=1
done
# The library dlchurn loads and unloads, without frame pointers as libraries usually are.
$CC -O2 -g -fPIC -shared -fomit-frame-pointer -o "$out/libchurn.so" "$top/tests/prof/lib/churn.c" || fail_build=1
# The walk memo's test once more without frame pointers: its memo then keys on other stack words.
$CC -O1 -g -no-pie -fomit-frame-pointer -rdynamic -o "$out/memo_nofp" \
    "$top/tests/prof/progs/memo.c" || fail_build=1
for c in "$top"/tests/prof/progs/*.cpp; do
    $CXX $PFLAGS -o "$out/$(basename "$c" .cpp)" "$c" || fail_build=1
done
if [ "$fail_build" -ne 0 ]; then
    bad "prof: the test programs did not build"
    finish
fi
exec python3 "$top/tests/prof/check.py" "$lib" "$out"
