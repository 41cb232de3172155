#!/bin/sh
# check.sh - the counting API outside the unit tests: a program built without libmemkit-count
# reports that counting is unavailable, and the same binary counts under the memkit run recorder
# (whose interposition layer keeps the same counters); the allocation assertions as a user meets
# them (the plain C test, sanitizer builds, pkg-config, the CMake package with a CTest test, a
# GoogleTest test). Runs after `make MODE=rel all`.
cd "$(dirname "$0")/../.." || exit 2
. tests/lib.sh
suite count
B=build/rel
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

$CC -std=c11 -O2 -g -Iinclude -o "$tmp/plain" examples/count_requests.c $B/libmemkit.a -pthread || exit 2

out=$("$tmp/plain" 2>&1); status=$?
[ $status -ne 0 ] && printf '%s' "$out" | grep -q "counting unavailable: no counting layer" \
    && ok "without a layer: unavailable, and says why" || bad "without a layer: got status $status: $out"

out=$(MEMKIT_OUT="$tmp/p.%p.raw" LD_PRELOAD=$PWD/$B/libmemkit-prof.so "$tmp/plain" 2>&1); status=$?
[ $status -eq 0 ] && ok "under the recorder: available" || bad "under the recorder: status $status: $out"
printf '%s\n' "$out" | grep -q "copying   request 1: 17 bytes of text,  7 allocations" \
    && ok "under the recorder: the copying handler's 7 allocations counted" || bad "recorder counts: $out"
[ "$(printf '%s\n' "$out" | grep -c 'borrowing .* 0 allocations')" -eq 3 ] \
    && ok "under the recorder: the borrowing handler allocates nothing" || bad "recorder borrowing: $out"
# Requested sizes under the recorder: strdup of the line (22 + 1), then 17 bytes of keys and
# values plus their 6 terminators: 46.
printf '%s\n' "$out" | grep -q "copying   request 1: 17 bytes of text,  7 allocations,  46 bytes allocated" \
    && ok "under the recorder: bytes are the requested sizes" || bad "recorder bytes: $out"

out=$($B/examples/count_requests 2>&1); status=$?
[ $status -eq 0 ] && printf '%s\n' "$out" | grep -q "copying   request 2: 27 bytes of text,  9 allocations" \
    && ok "linked with libmemkit-count: counts" || bad "linked: $out"

# realloc(p, 0) frees p: one free, its bytes leave the balance, with either layer.
if $CC -std=c11 -O2 -g -Iinclude -o "$tmp/realloc0" tests/count/realloc0.c $B/libmemkit.a $B/libmemkit-count.a -pthread &&
   $CC -std=c11 -O2 -g -Iinclude -o "$tmp/realloc0_plain" tests/count/realloc0.c $B/libmemkit.a -pthread; then
    out=$("$tmp/realloc0" 2>&1) && ok "linked with libmemkit-count: realloc(p, 0) counts one free" || bad "realloc(p, 0), libmemkit-count: $out"
    out=$(MEMKIT_OUT="$tmp/r.%p.raw" LD_PRELOAD=$PWD/$B/libmemkit-prof.so "$tmp/realloc0_plain" 2>&1) &&
        ok "under the recorder: realloc(p, 0) counts one free" || bad "realloc(p, 0), recorder: $out"
else
    bad "realloc0.c did not build"
fi

# ---- allocation assertions as a user meets them ----

# The plain C test example passes; with an allocation added to its hot path it fails, names the
# function, and exits 1 although main returns 0.
out=$($B/examples/count_test 2>&1); status=$?
[ $status -eq 0 ] && ok "examples/count_test: its promises hold" || bad "count_test: status $status: $out"
$CC -std=c11 -O1 -g -Iinclude -DCOUNT_TEST_EXTRA_ALLOCATION -o "$tmp/count_test_extra" examples/count_test.c \
    $B/libmemkit.a $B/libmemkit-count.a -pthread || exit 2
out=$("$tmp/count_test_extra" 2>&1); status=$?
[ $status -eq 1 ] && printf '%s\n' "$out" | grep -q "count_test.c:[0-9]*: MK_EXPECT_NO_ALLOCS: expected at most 0 allocations, got 1" \
    && printf '%s\n' "$out" | grep -q "#[0-9] parse_header at .*examples/count_test.c:[0-9]" \
    && printf '%s\n' "$out" | grep -q "1 allocation expectation failed: exit status 1" \
    && ok "an added allocation fails the test: exit 1, file:line, symbolized stack" || bad "extra allocation: status $status: $out"

# Without any counting layer an expectation fails with the reason, unless the test opted out.
cat >"$tmp/nolayer.c" <<'C'
#include <stdlib.h>
#include <memkit/count.h>
static void *volatile sink;
int main(void) {
    MK_EXPECT_NO_ALLOCS({ sink = malloc(1); free(sink); });
    return 0;
}
C
$CC -std=c11 -g -Iinclude -o "$tmp/nolayer" "$tmp/nolayer.c" $B/libmemkit.a -pthread || exit 2
$CC -std=c11 -g -Iinclude -DMK_COUNT_SKIP_IF_UNAVAILABLE -o "$tmp/nolayer_skip" "$tmp/nolayer.c" $B/libmemkit.a -pthread || exit 2
out=$("$tmp/nolayer" 2>&1); status=$?
[ $status -eq 1 ] && printf '%s' "$out" | grep -q "MK_EXPECT_NO_ALLOCS cannot be checked: counting unavailable: no counting layer" \
    && ok "no layer: the expectation fails with the reason" || bad "no layer: status $status: $out"
out=$("$tmp/nolayer_skip" 2>&1); status=$?
[ $status -eq 0 ] && printf '%s' "$out" | grep -q "MK_EXPECT_NO_ALLOCS skipped: counting unavailable" \
    && ok "no layer, MK_COUNT_SKIP_IF_UNAVAILABLE: skipped, and says so" || bad "skip: status $status: $out"

# The same example under the recorder (memkit run's layer), and built with AddressSanitizer and
# ThreadSanitizer, where libmemkit counts through the sanitizer's allocation hooks.
$CC -std=c11 -O1 -g -Iinclude -o "$tmp/count_test_plain" examples/count_test.c $B/libmemkit.a -pthread || exit 2
out=$(MEMKIT_OUT="$tmp/ct.%p.raw" LD_PRELOAD=$PWD/$B/libmemkit-prof.so "$tmp/count_test_plain" 2>&1); status=$?
[ $status -eq 0 ] && ok "count_test under the recorder: its promises hold" || bad "count_test under the recorder: $status: $out"
# Under the recorder the layer's own extended figures work too: a byte limit and a peak limit, each
# broken once, report the allocation that broke them.
cat >"$tmp/peak.c" <<'C'
#include <stdlib.h>
#include <memkit/count.h>
static void *volatile sink;
static void *keep(void *p) { sink = p; return p; }
int main(void) {
    MK_EXPECT_BYTES(100, { free(keep(malloc(60))); free(keep(malloc(50))); });
    MK_EXPECT_PEAK(1000, { void *a = keep(malloc(800)), *b = keep(malloc(400)); free(a); free(b); });
    MK_EXPECT_PEAK(1000, { free(keep(malloc(800))); free(keep(malloc(400))); });
    return 0;
}
C
$CC -std=c11 -O1 -g -Iinclude -o "$tmp/peak" "$tmp/peak.c" $B/libmemkit.a -pthread || exit 2
out=$(MEMKIT_OUT="$tmp/pk.%p.raw" LD_PRELOAD=$PWD/$B/libmemkit-prof.so "$tmp/peak" 2>&1); status=$?
[ $status -eq 1 ] && printf '%s\n' "$out" | grep -q "MK_EXPECT_BYTES: expected at most 100 bytes allocated, got 110" \
    && printf '%s\n' "$out" | grep -q "MK_EXPECT_PEAK: expected live bytes to rise at most 1000 above the start, rose 1200" \
    && printf '%s\n' "$out" | grep -q "allocation 2 of the block (400 bytes)" \
    && [ "$(printf '%s\n' "$out" | grep -c 'MK_EXPECT_PEAK:')" -eq 1 ] \
    && ok "under the recorder: byte and peak limits checked, the offending allocations shown" || bad "recorder peak: $status: $out"
for san in address thread; do
    flags="-fsanitize=$san"
    if ! $CC -std=c11 -O1 -g $flags -Iinclude -o "$tmp/ct_$san" examples/count_test.c src/lib/*.c -pthread 2>"$tmp/err"; then
        echo "SKIP count_test with -fsanitize=$san: $(head -1 "$tmp/err")"
        continue
    fi
    $CC -std=c11 -O1 -g $flags -Iinclude -DCOUNT_TEST_EXTRA_ALLOCATION -o "$tmp/ctx_$san" examples/count_test.c src/lib/*.c -pthread || exit 2
    out=$(ASAN_OPTIONS=detect_leaks=1 "$tmp/ct_$san" 2>&1); status=$?
    [ $status -eq 0 ] && ok "count_test, -fsanitize=$san: counts, and its promises hold" || bad "-fsanitize=$san: $status: $out"
    out=$(ASAN_OPTIONS=detect_leaks=1 "$tmp/ctx_$san" 2>&1); status=$?
    [ $status -eq 1 ] && printf '%s\n' "$out" | grep -q "#[0-9] parse_header at " \
        && ok "count_test, -fsanitize=$san: the added allocation fails it, named" || bad "-fsanitize=$san extra: $status: $out"
done

# make install: the pkg-config and CMake packages, used as a project would.
make -s install PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 2; }
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" $CC -std=c11 -g -o "$tmp/ct_pc" examples/count_test.c \
    $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --cflags --libs memkit-count) || exit 2
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/ct_pc" >/dev/null 2>&1 && ok "pkg-config memkit-count (libmemkit.so): links the layer and counts" || bad "pkg-config build fails its test"
if command -v cmake >/dev/null 2>&1 && command -v ctest >/dev/null 2>&1; then
    version=$(sed -n 's/^VERSION := //p' Makefile)
    for extra in OFF ON; do
        cmake -S examples/cmake_ctest -B "$tmp/cm_$extra" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DEXTRA_ALLOCATION=$extra \
            >"$tmp/cm_$extra.log" 2>&1 && cmake --build "$tmp/cm_$extra" >>"$tmp/cm_$extra.log" 2>&1 \
            || { bad "CMake example (EXTRA_ALLOCATION=$extra) does not build: $(tail -5 "$tmp/cm_$extra.log")"; continue; }
        (cd "$tmp/cm_$extra" && ctest --output-on-failure) >"$tmp/ctest_$extra.log" 2>&1
        echo $? >"$tmp/ctest_$extra.rc"
    done
    grep -q "memkit $version" "$tmp/cm_OFF.log" && ok "find_package(memkit 0.1): version $version" || bad "memkit_VERSION: $(cat "$tmp/cm_OFF.log")"
    [ "$(cat "$tmp/ctest_OFF.rc" 2>/dev/null)" = 0 ] && ok "CTest: the hot path allocates nothing, the test passes" \
        || bad "CTest without the extra allocation: $(cat "$tmp/ctest_OFF.log")"
    [ "$(cat "$tmp/ctest_ON.rc" 2>/dev/null)" != 0 ] && grep -q "#[0-9] count_words at .*hot_path_test.c:[0-9]" "$tmp/ctest_ON.log" \
        && ok "CTest: one allocation added, the test fails and names it" || bad "CTest with the extra allocation: $(cat "$tmp/ctest_ON.log")"
    mkdir -p "$tmp/cm_v"
    printf 'cmake_minimum_required(VERSION 3.13)\nproject(v C)\nfind_package(memkit 9.0 REQUIRED)\n' >"$tmp/cm_v/CMakeLists.txt"
    cmake -S "$tmp/cm_v" -B "$tmp/cm_v/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/cm_v.log" 2>&1 \
        && bad "find_package(memkit 9.0) accepted version $version" || ok "find_package(memkit 9.0) refuses version $version"
    if [ -f /usr/lib/x86_64-linux-gnu/cmake/GTest/GTestConfig.cmake ] || [ -d /usr/src/googletest ]; then
        if cmake -S examples/gtest -B "$tmp/gt" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/gt.log" 2>&1 \
            && cmake --build "$tmp/gt" >>"$tmp/gt.log" 2>&1; then
            (cd "$tmp/gt" && ctest --output-on-failure) >"$tmp/gt_run.log" 2>&1 \
                && ok "GoogleTest example: the promises hold" || bad "GoogleTest example: $(cat "$tmp/gt_run.log")"
            out=$(MEMKIT_GTEST_BREAK=1 "$tmp/gt/alloc_gtest" 2>&1); status=$?
            [ $status -ne 0 ] && printf '%s\n' "$out" | grep -q "^\[  FAILED  \] 1 test, listed below" \
                && printf '%s\n' "$out" | grep -q "FAILED  \] Allocations.ReserveMakesPushBackFree$" \
                && ok "GoogleTest example: a broken promise fails that test only" || bad "GoogleTest break: $status: $out"
        else
            bad "GoogleTest example does not build: $(tail -5 "$tmp/gt.log")"
        fi
    else
        echo "SKIP GoogleTest example: libgtest-dev is not installed"
    fi
else
    echo "SKIP CMake examples: cmake is not installed"
fi

finish
