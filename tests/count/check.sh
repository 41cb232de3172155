#!/bin/sh
# check.sh - the counting API outside the unit tests: a program built without libmemkit-count
# reports that counting is unavailable, and the same binary counts under the memkit run recorder
# (whose interposition layer keeps the same counters). Runs after `make MODE=rel all`.
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

finish
